// Cholesky: factorisation A = L·Lᵀ of a symmetric positive-definite matrix and solves with it (LAPACK dpotrf/dpotrs).
import CLapacke
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Cholesky factor of a symmetric positive-definite matrix: `lower` is
/// L with A = L·Lᵀ (zeros above the diagonal). Normal equations of
/// refinement are solved with it.
public struct CholeskyFactorization: Sendable {
    /// L, lower triangular.
    public let lower: Matrix

    /// Solves A·x = b with the factor (`dpotrs`).
    /// - Throws: `.dimensionMismatch` when `b.count` differs from the order, `.nonFiniteInput`.
    public func solve(_ b: [Double]) throws -> [Double] {
        let n = lower.rows
        guard b.count == n else { throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.count) values for order \(n)") }
        guard b.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFiniteInput }
        var l = lower.storage
        var x = b
        let info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), 1, &l, Int32(n), &x, 1)
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        return x
    }
    /// log det A = 2 Σ log Lᵢᵢ.
    public var logDeterminant: Double { (0..<lower.rows).reduce(0) { $0 + 2 * log(lower[$1, $1]) } }
}

extension Matrix {
    /// Cholesky factorisation (`dpotrf`, lower triangle read).
    /// - Throws: `.dimensionMismatch` (not square or empty), `.nonFiniteInput`,
    ///   `.notPositiveDefinite(minor:)` naming the first failing leading minor.
    public func cholesky() throws -> CholeskyFactorization {
        guard rows == cols, rows > 0 else {
            throw LinearAlgebraError.dimensionMismatch("Cholesky needs a square matrix, got \(rows)×\(cols)")
        }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput }
        var a = storage
        let info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(rows), &a, Int32(rows))
        if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(minor: Int(info)) }
        for r in 0..<rows { for c in (r + 1)..<cols { a[r * cols + c] = 0 } }
        return CholeskyFactorization(lower: Matrix(rows: rows, cols: cols, storage: a))
    }
}
