// LeastSquares: minimum-norm linear least squares through LAPACK's SVD-based dgelsd.
import CLapacke

/// The result of min ‖A·x − b‖₂: the minimum-norm `solution` x, the
/// effective `rank` of A (singular values above rcond·s₀ are kept), and
/// A's `singularValues` (descending).
public struct LeastSquaresSolution: Sendable {
    public let solution: [Double]
    public let rank: Int
    public let singularValues: [Double]
}

extension Matrix {
    /// Solves min ‖A·x − b‖₂ with x of minimum norm (`dgelsd`), for any shape
    /// and rank, like numpy's `lstsq`.
    /// - Parameter rcond: singular values ≤ rcond·s₀ are treated as zero; a
    ///   negative value means machine precision × max(m, n) (numpy's default).
    /// - Throws: `.dimensionMismatch` when `b.count != rows` or A is empty,
    ///   `.nonFiniteInput`, `.didNotConverge`.
    public func leastSquares(_ b: [Double], rcond: Double = -1) throws -> LeastSquaresSolution {
        guard rows > 0, cols > 0 else { throw LinearAlgebraError.dimensionMismatch("least squares with an empty \(rows)×\(cols) matrix") }
        guard b.count == rows else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.count) values for \(rows) rows")
        }
        guard isFinite, b.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFiniteInput }
        var a = storage
        // b is overwritten with x; it needs max(m, n) rows.
        var bx = b + [Double](repeating: 0, count: Swift.max(0, cols - rows))
        var s = [Double](repeating: 0, count: Swift.min(rows, cols))
        var rank: Int32 = 0
        let tol = rcond < 0 ? Double.ulpOfOne * Double(Swift.max(rows, cols)) : rcond
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(rows), Int32(cols), 1, &a, Int32(cols), &bx, 1, &s, tol, &rank)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        if info > 0 { throw LinearAlgebraError.didNotConverge }
        return LeastSquaresSolution(solution: Array(bx.prefix(cols)), rank: Int(rank), singularValues: s)
    }
}
