// RotationAngles: the scan angles at which a reciprocal-lattice point meets the Ewald sphere.
import MXMath
import MXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Solves the rotation-method diffraction condition for one reciprocal-lattice
/// point, in dxtbx's goniometer frame: a point r₀ = F·A·h (Å⁻¹, before the
/// scan rotation) is at r(φ) = S·R(m, φ)·r₀ in the lab, and diffracts when
/// |s₀ + r(φ)| = |s₀|, i.e. 2 s₀·r + |r|² = 0.
///
/// Working in the frame of the datum axis m (s₀' = Sᵀ·s₀) and splitting r₀
/// into its parts along m and across it, R(m, φ)·r₀ = r∥ + cos φ·r⊥ +
/// sin φ·(m × r₀) (Rodrigues), so the condition becomes
/// a·cos φ + b·sin φ = c with a = s₀'·r⊥, b = s₀'·(m × r₀),
/// c = −|r₀|²/2 − s₀'·r∥, solved as φ = atan2(b, a) ± acos(c/√(a² + b²)).
public struct RotationAngles: Sendable {
    /// Incident beam in the datum frame, Sᵀ·s₀.
    public let s0Datum: Vec3
    /// Unit datum rotation axis m.
    public let axis: Vec3

    public init(s0: Vec3, goniometer: GoniometerFrame) {
        self.s0Datum = goniometer.setting.transposed * s0
        self.axis = goniometer.datumAxis.normalized
    }

    /// Both solutions φ (radians, in (−2π, 2π)) for r₀ = F·A·h, or nil when
    /// the point never touches the Ewald sphere (too far out, or on the axis).
    @inlinable
    public func angles(r0: Vec3) -> (Double, Double)? {
        let along = axis.dot(r0)
        let rPar = axis * along
        let rPerp = r0 - rPar
        let a = s0Datum.dot(rPerp)
        let b = s0Datum.dot(axis.cross(r0))
        let c = -0.5 * r0.lengthSquared - s0Datum.dot(rPar)
        let rho = (a * a + b * b).squareRoot()
        guard rho > 0 else { return nil }
        let ratio = c / rho
        guard ratio >= -1, ratio <= 1 else { return nil }
        let base = atan2(b, a), half = acos(ratio)
        return (base - half, base + half)
    }
}

/// The goniometer's frame as prediction uses it: setting rotation S, datum
/// axis m and fixed rotation F (dxtbx `get_setting_rotation`,
/// `get_rotation_axis_datum`, `get_fixed_rotation`).
public struct GoniometerFrame: Sendable {
    public var setting: Mat3
    public var datumAxis: Vec3
    public var fixed: Mat3
    public init(setting: Mat3, datumAxis: Vec3, fixed: Mat3) {
        self.setting = setting; self.datumAxis = datumAxis.normalized; self.fixed = fixed
    }
    public init(_ g: Goniometer) {
        self.init(setting: g.settingRotation, datumAxis: g.rotationAxisDatum, fixed: g.fixedRotation)
    }
    /// Rotation axis in the lab frame, S·m.
    public var labAxis: Vec3 { (setting * datumAxis).normalized }
}

/// Wraps φ by whole turns to lie as close as possible to `reference` (radians).
@inlinable
public func angleNearest(_ phi: Double, to reference: Double) -> Double {
    let twoPi = 2 * Double.pi
    return phi + twoPi * ((reference - phi) / twoPi).rounded()
}
