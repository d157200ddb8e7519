// IntegrationParameters: the settings of integration (DIALS' dials.integrate defaults where they exist).

/// Typed settings of `integrate(...)`.
public struct IntegrationParameters: Sendable {
    /// High-resolution limit (Å); nil = the detector's corners.
    public var dMin: Double? = nil
    /// Low-resolution limit (Å); nil = none.
    public var dMax: Double? = nil
    /// Shoebox half-width in σ (DIALS `n_sigma`).
    public var nSigma: Double = 3
    /// Spatial bounding box multiplier on n_σ·σ_b (DIALS `sigma_b_multiplier`), leaving a background rim.
    public var sigmaBMultiplier: Double = 2
    /// Fixed σ_b / σ_m (degrees) instead of estimating them.
    public var sigmaBDegrees: Double? = nil
    public var sigmaMDegrees: Double? = nil
    /// Fewest strong spots needed to estimate the profile model (DIALS `min_spots.overall`).
    public var minSpots: Int = 50
    /// Most strong spots used to estimate the profile model (spread over the scan).
    public var maxModellingSpots: Int = 4000
    /// Share of the scan's frames read to model σ_b and σ_m (in four wedges; all when the scan is short).
    public var modellingFrameFraction: Double = 0.2
    /// Fraction of the foreground that must be on valid pixels (DIALS `valid_foreground_threshold`).
    public var validForegroundThreshold: Double = 0.75
    /// Least background pixels for a background estimate (DIALS `min_pixels`).
    public var minBackgroundPixels: Int = 10
    /// Outlier cut of the robust background, in Poisson σ.
    public var backgroundRejectionSigma: Double = 3
    /// Fit the background of a box that a ring of the sweep's radial background
    /// profile crosses (ice, water) as a scale on that profile, not a constant.
    public var radialBackground: Bool = true
    /// Least change of the radial profile across a box's pixels, as a share of
    /// its mean there, for the box to use it: below, a constant fits as well.
    public var radialBackgroundChange: Double = 0.15
    /// Profile fitting on or off.
    public var profileFitting: Bool = true
    /// Fit profiles learnt from strong reflections (DIALS' gaussian_rs
    /// fitting) rather than the Gaussian model, where a region has enough references.
    public var referenceProfiles: Bool = true
    /// Reference grid half-size n: 2n+1 points per axis over ±4.5σ. DIALS uses
    /// 5 (11 points) but also maps each reflection's pixels onto that grid to
    /// fit, so the grid's smoothing cancels; fitting here is on the pixels, and
    /// at 11 points the smoothing widens sharp profiles enough to bias fitted
    /// intensities by a few per cent (ReferenceProfileTests), at 19 it does not.
    public var referenceGridSize: Int = 9
    /// Scan block of one set of reference profiles, degrees (DIALS `scan_step`).
    public var referenceScanStepDegrees: Double = 5
    /// Summation I/σ above which a fully recorded, clean reflection is a reference.
    public var referenceMinIOverSigma: Double = 5
    /// Fewest references nearest a region for its learnt profile to be used.
    public var minReferencesPerProfile: Int = 10
    /// Keep pixels in a neighbour's foreground out of the background and flag shared foregrounds.
    public var maskOverlaps: Bool = true
    /// Worker threads.
    public var nproc: Int = 1
    /// Frames read per block; nil = from `maxMemoryMB`.
    public var blockFrames: Int? = nil
    /// Memory budget (MiB) for the frame block and shoebox buffers.
    public var maxMemoryMB: Double = 1024
    /// Reflections with |ζ| below this are not integrated (DIALS 0.05).
    public var minZeta: Double = 0.05

    public init() {}
}
