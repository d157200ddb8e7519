// SymmetricEigen: eigenvalues and eigenvectors of a real symmetric matrix (LAPACK dsyevd).
import CLapacke

/// A = V · diag(λ) · Vᵀ for symmetric A: `eigenvalues` ascending, and
/// `eigenvectors` with the unit eigenvector of `eigenvalues[i]` in column i
/// (the sign of each vector is LAPACK's choice).
public struct SymmetricEigendecomposition: Sendable {
    public let eigenvalues: [Double]
    public let eigenvectors: Matrix

    /// Unit eigenvector i (column i of `eigenvectors`).
    public func eigenvector(_ i: Int) -> [Double] { eigenvectors.column(i) }
}

extension Matrix {
    /// Eigen-decomposition of a symmetric matrix by `dsyevd` (divide and conquer).
    /// - Parameter symmetryTolerance: the largest |aᵢⱼ − aⱼᵢ| accepted, relative
    ///   to the largest |aᵢⱼ|; LAPACK reads only the upper triangle.
    /// - Throws: `.dimensionMismatch` (not square or empty), `.nonFiniteInput`,
    ///   `.notSymmetric`, `.didNotConverge`.
    public func symmetricEigen(symmetryTolerance: Double = 1e-10) throws -> SymmetricEigendecomposition {
        guard rows == cols, rows > 0 else {
            throw LinearAlgebraError.dimensionMismatch("eigen-decomposition needs a square matrix, got \(rows)×\(cols)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput }
        let scale = storage.reduce(0) { Swift.max($0, abs($1)) }
        for r in 0..<rows { for c in (r + 1)..<cols where abs(self[r, c] - self[c, r]) > symmetryTolerance * scale {
            throw LinearAlgebraError.notSymmetric
        } }
        var a = storage
        var w = [Double](repeating: 0, count: rows)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                                  Int32(rows), &a, Int32(rows), &w)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        if info > 0 { throw LinearAlgebraError.didNotConverge }
        // Row-major output: column i of a (elements a[r*n + i]) is eigenvector i.
        return SymmetricEigendecomposition(eigenvalues: w, eigenvectors: Matrix(rows: rows, cols: rows, storage: a))
    }
}
