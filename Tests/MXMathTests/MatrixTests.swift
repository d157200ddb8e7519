// Tests of Matrix and its LAPACK-backed solvers, against numpy answers.
import Foundation
import XCTest
@testable import MXMath

final class MatrixTests: XCTestCase {
    func testConstructionProductsAndTranspose() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(a.rows, 2); XCTAssertEqual(a.cols, 3)
        XCTAssertEqual(a[1, 2], 6)
        XCTAssertEqual(a.transposed, Matrix([[1, 4], [2, 5], [3, 6]]))
        XCTAssertEqual(a * a.transposed, Matrix([[14, 32], [32, 77]]))
        XCTAssertEqual(a * [1, 0, -1], [-2, -2])
        XCTAssertEqual(Matrix.identity(3) * Matrix(Mat3(1, 2, 3, 4, 5, 6, 7, 8, 9)), Matrix(Mat3(1, 2, 3, 4, 5, 6, 7, 8, 9)))
        XCTAssertEqual(Matrix(Mat3(1, 2, 3, 4, 5, 6, 7, 8, 9)).mat3, Mat3(1, 2, 3, 4, 5, 6, 7, 8, 9))
        XCTAssertNil(a.mat3)
        XCTAssertEqual(a.column(1), [2, 5]); XCTAssertEqual(a.row(0), [1, 2, 3])
        XCTAssertEqual((a + a - a * 2).frobeniusNorm, 0)
        XCTAssertEqual(Matrix.diagonal([1, 2]).trace, 3)
        // Empty shapes multiply to zeros without calling BLAS with bad sizes.
        XCTAssertEqual(Matrix(rows: 2, cols: 0) * Matrix(rows: 0, cols: 3), Matrix(rows: 2, cols: 3))
    }

    func testSVDReconstructsAndMatchesNumpy() throws {
        // numpy: np.linalg.svd([[3,2,2],[2,3,-2]])[1] → [5, 3]
        let a = Matrix([[3, 2, 2], [2, 3, -2]])
        let d = try a.svd()
        XCTAssertEqual(d.singularValues[0], 5, accuracy: 1e-13)
        XCTAssertEqual(d.singularValues[1], 3, accuracy: 1e-13)
        XCTAssertLessThan(d.reconstructed.maxAbsDifference(a), 1e-13)
        XCTAssertLessThan((d.u.transposed * d.u).maxAbsDifference(.identity(2)), 1e-13)
        XCTAssertLessThan((d.vt * d.vt.transposed).maxAbsDifference(.identity(2)), 1e-13)
        XCTAssertEqual(d.rank(), 2)
        // A tall random-ish matrix.
        let t = Matrix(rows: 6, cols: 4, storage: (0..<24).map { Double(($0 * 37) % 11) - 5.0 })
        XCTAssertLessThan(try t.svd().reconstructed.maxAbsDifference(t), 1e-12)
        XCTAssertEqual(try Matrix([[1, 2], [2, 4]]).svd().rank(), 1)
        XCTAssertThrowsError(try Matrix([[1, .nan]]).svd()) { XCTAssertEqual($0 as? LinearAlgebraError, .nonFiniteInput) }
        XCTAssertThrowsError(try Matrix(rows: 0, cols: 2).svd())
    }

    func testSymmetricEigen() throws {
        // Second-difference matrix: eigenvalues 2 − √2, 2, 2 + √2; first eigenvector ∝ (1, √2, 1).
        let a = Matrix([[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
        let e = try a.symmetricEigen()
        let r2 = 2.0.squareRoot()
        XCTAssertEqual(e.eigenvalues[0], 2 - r2, accuracy: 1e-14)
        XCTAssertEqual(e.eigenvalues[1], 2, accuracy: 1e-14)
        XCTAssertEqual(e.eigenvalues[2], 2 + r2, accuracy: 1e-14)
        let v0 = e.eigenvector(0), s = v0[0] < 0 ? -1.0 : 1.0
        XCTAssertEqual(v0.map { $0 * s }, [0.5, r2 / 2, 0.5].map { $0 }, accuracy: 1e-14)
        // A·V = V·Λ.
        XCTAssertLessThan((a * e.eigenvectors).maxAbsDifference(e.eigenvectors * Matrix.diagonal(e.eigenvalues)), 1e-13)
        XCTAssertThrowsError(try Matrix([[1, 2], [0, 1]]).symmetricEigen()) { XCTAssertEqual($0 as? LinearAlgebraError, .notSymmetric) }
        XCTAssertThrowsError(try Matrix([[1, 2, 3]]).symmetricEigen()) {
            guard case .dimensionMismatch? = $0 as? LinearAlgebraError else { return XCTFail("\($0)") }
        }
    }

    func testLeastSquaresFullAndRankDeficient() throws {
        // numpy: np.linalg.lstsq([[1,1],[1,2],[1,3],[1,4]], [6,5,7,10]) → [3.5, 1.4], rank 2
        let full = try Matrix([[1, 1], [1, 2], [1, 3], [1, 4]]).leastSquares([6, 5, 7, 10])
        XCTAssertEqual(full.solution, [3.5, 1.4], accuracy: 1e-13)
        XCTAssertEqual(full.rank, 2)
        // numpy: np.linalg.lstsq([[1,2],[2,4],[3,6]], [1,2,3.5], rcond=None)
        //        → [0.22142857142857134, 0.4428571428571428], rank 1 (minimum-norm solution)
        let deficient = try Matrix([[1, 2], [2, 4], [3, 6]]).leastSquares([1, 2, 3.5])
        XCTAssertEqual(deficient.rank, 1)
        XCTAssertEqual(deficient.solution, [0.22142857142857134, 0.4428571428571428], accuracy: 1e-13)
        // Underdetermined: numpy → [-0.0555…, 0.1111…, 0.2777…], rank 2
        let under = try Matrix([[1, 2, 3], [4, 5, 6]]).leastSquares([1, 2])
        XCTAssertEqual(under.rank, 2)
        XCTAssertEqual(under.solution, [-1.0 / 18, 1.0 / 9, 5.0 / 18], accuracy: 1e-13)
        XCTAssertThrowsError(try Matrix([[1, 2]]).leastSquares([1, 2])) {
            guard case .dimensionMismatch? = $0 as? LinearAlgebraError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Matrix([[1, 2]]).leastSquares([.infinity]))
    }

    func testCholeskyFactorAndSolve() throws {
        // The textbook example: L = [[2,0,0],[6,1,0],[-8,5,3]].
        let a = Matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])
        let c = try a.cholesky()
        XCTAssertLessThan(c.lower.maxAbsDifference(Matrix([[2, 0, 0], [6, 1, 0], [-8, 5, 3]])), 1e-13)
        let x = try c.solve([1, 2, 3])
        XCTAssertEqual(a * x, [1, 2, 3], accuracy: 1e-11)
        XCTAssertEqual(c.logDeterminant, 2 * (log(2.0) + log(1.0) + log(3.0)), accuracy: 1e-13)
        XCTAssertThrowsError(try Matrix([[1, 2], [2, 1]]).cholesky()) {
            XCTAssertEqual($0 as? LinearAlgebraError, .notPositiveDefinite(minor: 2))
        }
        XCTAssertThrowsError(try Matrix([[-1]]).cholesky()) {
            XCTAssertEqual($0 as? LinearAlgebraError, .notPositiveDefinite(minor: 1))
        }
        XCTAssertThrowsError(try c.solve([1, 2]))
    }

    func testGeneralSolveInverseAndDeterminant() throws {
        // numpy: np.linalg.solve([[2,1,1],[1,3,2],[1,0,0]], [4,5,6]) → [6, 15, -23]
        let m = Matrix([[2, 1, 1], [1, 3, 2], [1, 0, 0]])
        XCTAssertEqual(try m.solve([4, 5, 6]), [6, 15, -23], accuracy: 1e-12)
        XCTAssertLessThan(try m.inverse().maxAbsDifference(Matrix([[0, 0, 1], [-2, 1, 3], [3, -1, -5]])), 1e-13)
        XCTAssertEqual(try m.determinant(), -1, accuracy: 1e-13)
        XCTAssertEqual(try Matrix([[1, 2], [2, 4]]).determinant(), 0, accuracy: 1e-15)
        XCTAssertThrowsError(try Matrix([[1, 2], [2, 4]]).inverse()) { XCTAssertEqual($0 as? LinearAlgebraError, .singular) }
        XCTAssertThrowsError(try Matrix([[1, 2], [2, 4 + 1e-17]]).solve([1, 1])) { XCTAssertEqual($0 as? LinearAlgebraError, .singular) }
        XCTAssertThrowsError(try Matrix([[1, 2, 3]]).inverse())
        XCTAssertThrowsError(try m.solve([1, 2]))
    }
}

/// Element-wise approximate equality of two arrays.
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

/// After OpenBLAS' pool is stopped, BLAS and LAPACK still give the same answers
/// (on the calling thread), from several threads at once.
final class BLASThreadsTests: XCTestCase {
    func testLinearAlgebraAfterStoppingThePool() throws {
        BLASThreads.runOnCallingThread()
        let n = 300
        var rng = SplitMix64(seed: 7)
        let a = Matrix(rows: n, cols: n, storage: (0..<(n * n)).map { _ in rng.nextDouble() - 0.5 })
        // A symmetric positive-definite matrix large enough that a threaded BLAS would split it.
        let spd = a * a.transposed + Matrix.identity(n) * Double(n)
        let x = (0..<n).map { Double($0 % 7) - 3 }
        let b = spd * x
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: 4)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let solved = (try? spd.cholesky().solve(b)) ?? []
            results[i] = solved.count == n ? zip(solved, x).map { abs($0 - $1) }.max()! : .infinity
        }
        for r in results { XCTAssertLessThan(r, 1e-9) }
    }
}
