// ProfileModel: the Gaussian reflection-profile model of integration (DIALS gaussian_rs).

/// DIALS' `gaussian_rs` profile model: a reflection's profile is a Gaussian
/// in the Kabsch frame with standard deviation σ_b (beam divergence, across
/// the diffracted beam) and σ_m (mosaicity, along the rotation), cut at
/// `nSigma` standard deviations. Angles are stored in degrees, as in `.expt`.
public struct ProfileModel: Equatable, Sendable {
    /// Beam divergence σ_b, degrees.
    public var sigmaBDegrees: Double
    /// Mosaicity σ_m, degrees.
    public var sigmaMDegrees: Double
    /// Shoebox half-width in standard deviations (DIALS default 3).
    public var nSigma: Double

    public init(sigmaBDegrees: Double, sigmaMDegrees: Double, nSigma: Double = 3) {
        self.sigmaBDegrees = sigmaBDegrees; self.sigmaMDegrees = sigmaMDegrees; self.nSigma = nSigma
    }
    /// σ_b in radians.
    public var sigmaB: Double { sigmaBDegrees * .pi / 180 }
    /// σ_m in radians.
    public var sigmaM: Double { sigmaMDegrees * .pi / 180 }
}
