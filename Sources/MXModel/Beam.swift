// Beam: the incident X-ray beam, in dxtbx's conventions.
import MXMath

/// The incident beam. dxtbx conventions: `direction` is the unit vector from
/// the sample towards the source (usually (0, 0, 1)), so the incident wave
/// vector is `s0 = −direction / λ` (Å⁻¹).
public struct Beam: Equatable, Sendable {
    /// Unit vector from sample to source.
    public var direction: Vec3
    /// Wavelength in Å.
    public var wavelength: Double
    /// Beam divergence and its standard deviation, degrees (as dxtbx stores them).
    public var divergence: Double = 0
    public var sigmaDivergence: Double = 0
    /// Normal to the polarisation plane, and the fraction polarised in that plane
    /// (dxtbx default 0.999 for synchrotrons).
    public var polarizationNormal: Vec3 = Vec3(0, 1, 0)
    public var polarizationFraction: Double = 0.999
    /// Photons/s, and the transmission fraction; 0 and 1 when unknown.
    public var flux: Double = 0
    public var transmission: Double = 1

    public init(direction: Vec3 = Vec3(0, 0, 1), wavelength: Double) {
        self.direction = direction.normalized
        self.wavelength = wavelength
    }

    /// Incident wave vector, |s0| = 1/λ, pointing from source to sample.
    public var s0: Vec3 { -direction.normalized / wavelength }
    /// Photon energy in eV (hc = 12398.4198 eV·Å).
    public var energyEV: Double { 12398.419843320026 / wavelength }
}
