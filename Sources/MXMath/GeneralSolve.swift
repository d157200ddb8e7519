// GeneralSolve: square linear systems, inverse and determinant through LU
// factorisation (LAPACK dgetrf/dgecon/dgetrs/dgetri).
import CLapacke

extension Matrix {
    /// Reciprocal condition numbers below this (in the 1-norm) count as singular.
    public static let singularityThreshold = 1e-14

    /// LU factors and pivots, after checking the matrix is square, finite and
    /// not (numerically) singular.
    private func luFactors() throws -> (lu: [Double], pivots: [Int32]) {
        guard rows == cols, rows > 0 else {
            throw LinearAlgebraError.dimensionMismatch("needs a square matrix, got \(rows)×\(cols)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput }
        let n = Int32(rows)
        var a = storage
        var ipiv = [Int32](repeating: 0, count: rows)
        // 1-norm (largest column sum) of A, for the condition estimate.
        let anorm = (0..<cols).map { c in (0..<rows).reduce(0) { $0 + abs(self[$1, c]) } }.max() ?? 0
        let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, &a, n, &ipiv)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        if info > 0 { throw LinearAlgebraError.singular }
        var rcond = 0.0
        let cinfo = LAPACKE_dgecon(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "1")), n, &a, n, anorm, &rcond)
        if cinfo < 0 { throw LinearAlgebraError.fromNegativeInfo(cinfo) }
        guard rcond >= Self.singularityThreshold else { throw LinearAlgebraError.singular }
        return (a, ipiv)
    }

    /// Solves the square system A·x = b by LU with partial pivoting.
    /// - Throws: `.dimensionMismatch`, `.nonFiniteInput`, `.singular` (exactly,
    ///   or reciprocal condition number < `singularityThreshold`).
    public func solve(_ b: [Double]) throws -> [Double] {
        guard b.count == rows else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.count) values for \(rows) rows")
        }
        guard b.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFiniteInput }
        var (lu, ipiv) = try luFactors()
        var x = b
        let info = LAPACKE_dgetrs(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(rows), 1, &lu, Int32(rows), &ipiv, &x, 1)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        return x
    }

    /// The inverse A⁻¹.
    /// - Throws: as `solve`.
    public func inverse() throws -> Matrix {
        var (lu, ipiv) = try luFactors()
        let info = LAPACKE_dgetri(LAPACK_ROW_MAJOR, Int32(rows), &lu, Int32(rows), &ipiv)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        if info > 0 { throw LinearAlgebraError.singular }
        return Matrix(rows: rows, cols: cols, storage: lu)
    }

    /// The determinant by LU (0 for an exactly singular matrix).
    /// - Throws: `.dimensionMismatch` when not square or empty, `.nonFiniteInput`.
    public func determinant() throws -> Double {
        guard rows == cols, rows > 0 else {
            throw LinearAlgebraError.dimensionMismatch("determinant needs a square matrix, got \(rows)×\(cols)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput }
        var a = storage
        var ipiv = [Int32](repeating: 0, count: rows)
        let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, Int32(rows), Int32(rows), &a, Int32(rows), &ipiv)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        if info > 0 { return 0 }
        var det = 1.0
        for i in 0..<rows {
            det *= a[i * rows + i]
            if ipiv[i] != Int32(i + 1) { det = -det }   // pivots are 1-based row swaps
        }
        return det
    }
}
