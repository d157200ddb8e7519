// Mat3 decompositions: SVD, symmetric eigen-decomposition and the nearest
// rotation (orthonormal polar factor), through the general Matrix solvers.

extension Mat3 {
    /// The SVD of this 3×3 matrix: M = U·diag(s)·Vᵀ, s descending.
    /// - Throws: `LinearAlgebraError.nonFiniteInput` or `.didNotConverge`.
    public func svd() throws -> (u: Mat3, singularValues: Vec3, vt: Mat3) {
        let d = try Matrix(self).svd()
        return (d.u.mat3!, Vec3(d.singularValues), d.vt.mat3!)
    }

    /// The orthogonal matrix nearest in the Frobenius norm: the orthonormal
    /// factor Q = U·Vᵀ of the polar decomposition M = Q·P. Q is improper
    /// (det −1) when det M < 0; see `nearestRotation` for a proper one.
    public func orthonormalPolarFactor() throws -> Mat3 {
        let d = try svd()
        return d.u * d.vt
    }

    /// The proper rotation nearest to M (Kabsch/Umeyama): U·diag(1, 1, sign)·Vᵀ
    /// with sign = det(U·Vᵀ). Used to re-orthonormalise refined U matrices.
    public func nearestRotation() throws -> Mat3 {
        let d = try svd()
        let sign: Double = (d.u * d.vt).determinant < 0 ? -1 : 1
        return d.u * Mat3(diagonal: Vec3(1, 1, sign)) * d.vt
    }

    /// Eigenvalues (ascending) and unit eigenvectors (columns) of a symmetric 3×3 matrix.
    /// - Throws: `.notSymmetric`, `.nonFiniteInput`, `.didNotConverge`.
    public func symmetricEigen() throws -> (eigenvalues: Vec3, eigenvectors: Mat3) {
        let e = try Matrix(self).symmetricEigen()
        return (Vec3(e.eigenvalues), e.eigenvectors.mat3!)
    }
}
