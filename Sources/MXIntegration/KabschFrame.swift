// KabschFrame: the reflection-centred coordinate system in which profiles are Gaussian (Kabsch 2010).
import MXMath
#if canImport(Glibc)
import Glibc
#endif

/// Kabsch's local frame of one reflection (Acta Cryst. D66, 133–144 (2010)):
/// e₁ = s₁×s₀/|s₁×s₀|, e₂ = s₁×e₁/|s₁×e₁|, e₃ = (s₁+s₀)/|s₁+s₀|, and
/// ζ = m·e₁ (m the rotation axis), the inverse Lorentz factor. A diffracted
/// direction s′ recorded at angle φ′ maps to the angular coordinates
/// c₁ = e₁·(s′−s₁)/|s₁|, c₂ = e₂·(s′−s₁)/|s₁| (beam divergence) and
/// c₃ = ζ·(φ′−φ) (mosaicity), in which DIALS' gaussian_rs profile has
/// standard deviations σ_b, σ_b and σ_m.
public struct KabschFrame: Sendable {
    public let s1: Vec3
    public let e1: Vec3
    public let e2: Vec3
    public let e3: Vec3
    public let zeta: Double
    public let phi: Double
    public let s1Length: Double

    /// - Parameters: s1, s0 (Å⁻¹), unit rotation axis `m` in the lab, φ (radians).
    public init(s1: Vec3, s0: Vec3, axis m: Vec3, phi: Double) {
        self.s1 = s1
        self.e1 = s1.cross(s0).normalized
        self.e2 = s1.cross(e1).normalized
        self.e3 = (s1 + s0).normalized
        self.zeta = m.dot(e1)
        self.phi = phi
        self.s1Length = s1.length
    }

    /// (c₁, c₂) of a lab direction `direction` (any length), radians.
    @inlinable
    public func divergenceCoordinates(of direction: Vec3) -> (Double, Double) {
        let sp = direction.normalized * s1Length
        let d = sp - s1
        return (e1.dot(d) / s1Length, e2.dot(d) / s1Length)
    }

    /// c₃ for angle φ′ (radians).
    @inlinable
    public func rotationCoordinate(_ phiPrime: Double) -> Double { zeta * (phiPrime - phi) }

    /// The fraction of a Gaussian rocking curve of width σ_m (radians, in c₃)
    /// recorded between φa and φb: ½[erf(|ζ|(φb−φ)/(√2σ_m)) − erf(|ζ|(φa−φ)/(√2σ_m))].
    @inlinable
    public func rockingFraction(from phiA: Double, to phiB: Double, sigmaM: Double) -> Double {
        let k = abs(zeta) / (sigmaM * 2.0.squareRoot())
        let lo = min(phiA, phiB), hi = max(phiA, phiB)
        return 0.5 * (erf(k * (hi - phi)) - erf(k * (lo - phi)))
    }
}
