// RefinementParameters: the settings of static geometry refinement, with dials.refine's defaults.

/// Settings of `refine(...)`. Defaults follow dials.refine 3.12.
public struct RefinementParameters: Equatable, Sendable {
    /// Beam parameters held fixed (the wavelength is always fixed).
    public enum BeamFix: String, CaseIterable, Sendable { case all, inSpindlePlane = "in_spindle_plane", outSpindlePlane = "out_spindle_plane" }
    /// Detector parameters held fixed.
    /// `distanceAndOrientation` leaves only the in-plane shifts free: how
    /// indexing moves the beam centre (DIALS moves the detector, not s₀).
    public enum DetectorFix: String, CaseIterable, Sendable {
        case none, all, position, orientation, distance
        case distanceAndOrientation = "distance+orientation"
    }
    /// Outlier rejection before refinement.
    public enum OutlierAlgorithm: String, CaseIterable, Sendable { case none = "null", tukey, mcd }

    /// dials.refine: `beam.fix=in_spindle_plane+wavelength`.
    public var beamFix: Set<BeamFix> = [.inSpindlePlane]
    public var detectorFix: DetectorFix = .none
    public var fixCrystalOrientation = false
    public var fixCrystalCell = false
    /// dials.refine's `auto` is MCD for scans.
    public var outlierAlgorithm: OutlierAlgorithm = .mcd
    /// Random starting subsets of the MCD search (DIALS n_trials).
    public var mcdTrials = 500
    /// Tukey fences at Q1 − k·IQR and Q3 + k·IQR.
    public var iqrMultiplier = 1.5
    /// Centroids per degree of scan used; nil = DIALS' Auto (all, unless the
    /// scan exceeds 360°, then 100 per degree).
    public var reflectionsPerDegree: Double? = nil
    /// Never subsample below this many reflections.
    public var minimumSampleSize = 1000
    /// Leave out reflections with |(s₁ × s₀)·m| (Å⁻², as DIALS computes it) at or below this.
    public var closeToSpindleCutoff = 0.02
    /// Fail when fewer reflections than this per free parameter remain.
    public var minReflectionsPerParameter = 5
    /// Most Levenberg–Marquardt iterations.
    public var maxIterations = 100
    /// Converged when every RMSD changes by less than this fraction between iterations.
    public var rmsdTolerance = 1e-4
    /// Seed of the subsampling generator (deterministic runs).
    public var randomSeed: UInt64 = 42
    /// Threads for the per-reflection work (predictions with their
    /// gradients, the outlier search's trials); results do not depend on it.
    public var threads = 1

    /// Whether `refineStaticThenScanVarying` follows static refinement with a
    /// scan-varying crystal (dials.refine's `scan_varying=Auto`: on for scans
    /// wide enough and with reflections enough for the extra parameters).
    public enum ScanVarying: String, CaseIterable, Sendable { case auto = "Auto", on = "True", off = "False" }
    public var scanVarying: ScanVarying = .auto
    /// Scan width per smoother interval of the scan-varying crystal (DIALS' default 36°).
    public var intervalWidthDegrees = 36.0
    /// `auto` leaves scans narrower than this static (the crystal cannot be seen to change).
    public var scanVaryingMinimumWidthDegrees = 5.0

    public init() {}
}
