// SVD: the singular value decomposition through LAPACK's dgesdd (dgesvd as fallback).
import CLapacke

/// A thin singular value decomposition A = U · diag(s) · Vᵀ of an m×n
/// matrix, k = min(m, n): `u` is m×k with orthonormal columns,
/// `singularValues` has k values in descending order, `vt` is k×n with
/// orthonormal rows.
public struct SingularValueDecomposition: Sendable {
    public let u: Matrix
    public let singularValues: [Double]
    public let vt: Matrix

    /// U · diag(s) · Vᵀ, the matrix decomposed (to rounding).
    public var reconstructed: Matrix {
        var us = u
        for r in 0..<us.rows { for c in 0..<us.cols { us[r, c] *= singularValues[c] } }
        return us * vt
    }
    /// Number of singular values above `tolerance` (default: max(m, n)·ε·s₀, numpy's `matrix_rank`).
    public func rank(tolerance: Double? = nil) -> Int {
        let tol = tolerance ?? Double(Swift.max(u.rows, vt.cols)) * Double.ulpOfOne * (singularValues.first ?? 0)
        return singularValues.filter { $0 > tol }.count
    }
    /// s₀ / s_last: the 2-norm condition number (∞ when singular).
    public var conditionNumber: Double {
        guard let first = singularValues.first, let last = singularValues.last else { return .infinity }
        return last > 0 ? first / last : .infinity
    }
}

extension Matrix {
    /// The thin SVD. Uses divide-and-conquer `dgesdd`; if that fails to
    /// converge, retries with the QR-iteration `dgesvd`.
    /// - Throws: `.nonFiniteInput`, `.dimensionMismatch` for an empty matrix, `.didNotConverge`.
    public func svd() throws -> SingularValueDecomposition {
        guard rows > 0, cols > 0 else { throw LinearAlgebraError.dimensionMismatch("SVD of an empty \(rows)×\(cols) matrix") }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput }
        let m = Int32(rows), n = Int32(cols), k = Swift.min(rows, cols)
        for useGesdd in [true, false] {
            var a = storage
            var s = [Double](repeating: 0, count: k)
            var u = [Double](repeating: 0, count: rows * k)
            var vt = [Double](repeating: 0, count: k * cols)
            var superb = [Double](repeating: 0, count: Swift.max(k - 1, 1))
            let info: Int32 = useGesdd
                ? LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), m, n, &a, n, &s, &u, Int32(k), &vt, n)
                : LAPACKE_dgesvd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), m, n, &a, n,
                                 &s, &u, Int32(k), &vt, n, &superb)
            if info < 0 { throw LinearAlgebraError.fromNegativeInfo(info) }
            if info == 0 {
                return SingularValueDecomposition(u: Matrix(rows: rows, cols: k, storage: u), singularValues: s,
                                                  vt: Matrix(rows: k, cols: cols, storage: vt))
            }
        }
        throw LinearAlgebraError.didNotConverge
    }
}
