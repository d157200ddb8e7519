// RotationDerivative: rotation matrices about fixed axes and their derivatives, for parameterisations.
import MXMath

/// The skew matrix [k]× with [k]×·v = k × v.
@inlinable
func skew(_ k: Vec3) -> Mat3 {
    Mat3(0, -k.z, k.y, k.z, 0, -k.x, -k.y, k.x, 0)
}

/// R(k, θ) and dR/dθ = [k]×·R(k, θ) for a unit axis k (θ in radians).
@inlinable
func rotationAndDerivative(axis k: Vec3, angle: Double) -> (r: Mat3, dr: Mat3) {
    let r = Mat3.rotation(axis: k, angle: angle)
    return (r, skew(k) * r)
}

/// The symmetric matrix of 6 independent elements in the order (11, 22, 33, 12, 13, 23).
@inlinable
func symmetricMatrix(_ g: [Double]) -> Mat3 {
    Mat3(g[0], g[3], g[4], g[3], g[1], g[5], g[4], g[5], g[2])
}
