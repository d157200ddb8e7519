// DiffractionPhysics: the per-reflection factors of rotation data — Lorentz,
// polarisation, and partiality of a Gaussian rocking curve over a frame.
import MXMath
#if canImport(Glibc)
import Glibc
#endif

public enum DiffractionPhysics {
    /// ζ = e·(s1 × s0) / (|s1||s0|) for unit rotation axis e (DIALS' "zeta",
    /// Kabsch 2010 eq. 8). The Lorentz factor of the rotation method is
    /// 1/|ζ|: a reflection crosses the Ewald sphere at angular speed ∝ |ζ|,
    /// so it collects energy ∝ 1/|ζ|. For the equatorial plane ζ = sin 2θ.
    public static func zeta(s0: Vec3, s1: Vec3, axis: Vec3) -> Double {
        axis.normalized.dot(s1.cross(s0)) / (s1.length * s0.length)
    }

    /// Lorentz factor 1/|ζ| (the factor a recorded intensity carries).
    public static func lorentz(s0: Vec3, s1: Vec3, axis: Vec3) -> Double {
        1 / abs(zeta(s0: s0, s1: s1, axis: axis))
    }

    /// Polarisation factor for a beam with a fraction p of its electric field
    /// in the plane whose normal is `normal` (dxtbx convention: normal (0,1,0)
    /// with p ≈ 1 means horizontally polarised). A dipole radiates along ŝ1
    /// with weight 1 − (ê·ŝ1)² for field direction ê, so
    /// P = p·(1 − (ê∥·ŝ1)²) + (1 − p)·(1 − (n·ŝ1)²), ê∥ = n × beam.
    /// For p = ½ this is the unpolarised (1 + cos² 2θ)/2.
    public static func polarisation(s0: Vec3, s1: Vec3, normal: Vec3, fraction p: Double) -> Double {
        let u = s1.normalized
        let beam = s0.normalized
        let n = (normal - beam * normal.dot(beam)).normalized
        let e = n.cross(beam).normalized
        let de = e.dot(u), dn = n.dot(u)
        return p * (1 - de * de) + (1 - p) * (1 - dn * dn)
    }

    /// Fraction of a Gaussian rocking curve (centre φc, standard deviation σ,
    /// radians) that falls in [φa, φb]: ½[erf((φb−φc)/σ√2) − erf((φa−φc)/σ√2)].
    /// Over adjacent frames the sum telescopes to the whole curve, 1.
    public static func partiality(phiCentre: Double, sigma: Double, from a: Double, to b: Double) -> Double {
        let k = 1 / (sigma * 2.0.squareRoot())
        return 0.5 * (erf((b - phiCentre) * k) - erf((a - phiCentre) * k))
    }

    /// Kabsch's ζ = m2·e1 with the unit vector e1 = s1×s0/|s1×s0| (Kabsch
    /// 2010 eq. 8; DIALS' profile model): unlike the Lorentz `zeta` above it
    /// is not scaled by sin 2θ, so it is 1 for any reflection whose plane of
    /// diffraction is perpendicular to the axis.
    public static func kabschZeta(s0: Vec3, s1: Vec3, axis: Vec3) -> Double {
        let e1 = s1.cross(s0)
        let n = e1.length
        return n > 0 ? axis.normalized.dot(e1) / n : 0
    }

    /// Rocking-curve σ in φ (radians) of a reflection: the mosaic spread σm
    /// seen by a reflection crossing the sphere at speed |ζ|, where ζ is
    /// Kabsch's (`kabschZeta`, the e3 coordinate is ζ·Δφ), with the beam
    /// divergence added in quadrature.
    public static func rockingWidth(mosaicity: Double, divergence: Double, zeta: Double) -> Double {
        (mosaicity * mosaicity + divergence * divergence).squareRoot() / max(abs(zeta), 1e-3)
    }

    /// s² = (sin θ/λ)² = 1/(4d²).
    @inlinable public static func s2(d: Double) -> Double { 1 / (4 * d * d) }
}
