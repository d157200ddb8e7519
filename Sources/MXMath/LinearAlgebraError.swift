// LinearAlgebraError: the ways a LAPACK-backed solve can fail on its data.

/// Failures of MXMath's solvers. Shapes that cannot work (a non-square
/// matrix given to an eigen-solver, a right-hand side of the wrong length)
/// are reported as `.dimensionMismatch`, not trapped, because they can come
/// from user data (e.g. an empty reflection selection).
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// Shapes do not fit the operation; the text says which.
    case dimensionMismatch(String)
    /// An input element is NaN or infinite.
    case nonFiniteInput
    /// The matrix is singular (or numerically so: reciprocal condition number below the threshold).
    case singular
    /// Cholesky found the leading minor of this order not positive definite.
    case notPositiveDefinite(minor: Int)
    /// The symmetric eigen-solver was given a matrix that is not symmetric.
    case notSymmetric
    /// An iterative LAPACK routine (SVD, eigen, least squares) did not converge.
    case didNotConverge
    /// LAPACK rejected argument number `n` (a bug in MXMath if it happens).
    case invalidArgument(Int)

    public var description: String {
        switch self {
        case .dimensionMismatch(let s): return "matrix dimensions do not fit: \(s)"
        case .nonFiniteInput: return "the matrix or right-hand side contains NaN or infinity"
        case .singular: return "the matrix is singular"
        case .notPositiveDefinite(let k): return "the matrix is not positive definite (leading minor of order \(k))"
        case .notSymmetric: return "the matrix is not symmetric"
        case .didNotConverge: return "the LAPACK iteration did not converge"
        case .invalidArgument(let n): return "LAPACK rejected argument \(n)"
        }
    }

    /// Maps a LAPACKE `info` < 0 to an error (LAPACKE reports NaN input as −(argument)).
    static func fromNegativeInfo(_ info: Int32) -> LinearAlgebraError { .invalidArgument(Int(-info)) }
}
