// BeamParameterisation: the incident-beam direction as two small tilts (mrad) about axes fixed at the start.
import MXMath
import MXModel

/// DIALS' beam parameterisation with the wavelength fixed: s₀ = Mu2·Mu1·s₀⁽⁰⁾,
/// Mu1 a rotation by μ₁ (mrad) about q₁ = q₂ × ŝ₀ (which tilts the beam out of
/// the plane of beam and spindle) and Mu2 by μ₂ about q₂ = ŝ₀ × spindle (a
/// tilt within that plane). dials.refine fixes μ₁ by default
/// (`beam.fix=in_spindle_plane`), leaving the in-plane tilt μ₂ free.
public struct BeamParameterisation: Sendable {
    public let initial: Beam
    public let s0Initial: Vec3
    public let axis1: Vec3
    public let axis2: Vec3
    /// μ₁, μ₂ in mrad.
    public var values: [Double] = [0, 0]
    public static let names = ["Mu1", "Mu2"]

    public init(beam: Beam, spindle: Vec3?) {
        initial = beam
        s0Initial = beam.s0
        let s0u = s0Initial.normalized
        var q2 = spindle.map { s0u.cross($0).normalized } ?? .zero
        if q2.length < 0.5 {
            // No goniometer (or spindle along the beam): any perpendicular pair.
            let trial = abs(s0u.x) < 0.9 ? Vec3.unitX : Vec3.unitY
            q2 = s0u.cross(trial).normalized
        }
        axis2 = q2
        axis1 = q2.cross(s0u).normalized
    }

    /// Current s₀ and ds₀/dμᵢ (per mrad) for i = 0, 1.
    public func s0AndDerivatives() -> (s0: Vec3, d: [Vec3]) {
        let (m1, dm1) = rotationAndDerivative(axis: axis1, angle: values[0] / 1000)
        let (m2, dm2) = rotationAndDerivative(axis: axis2, angle: values[1] / 1000)
        let s0 = m2 * (m1 * s0Initial)
        return (s0, [m2 * (dm1 * s0Initial) / 1000, dm2 * (m1 * s0Initial) / 1000])
    }

    /// The beam at the current values (direction = −ŝ₀, wavelength unchanged).
    public var beam: Beam {
        var b = initial
        b.direction = -s0AndDerivatives().s0.normalized
        return b
    }
}
