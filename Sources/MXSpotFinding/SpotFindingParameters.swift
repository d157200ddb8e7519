// SpotFindingParameters: the typed settings of spot finding, with DIALS' defaults.

/// Which local threshold marks strong pixels (DIALS `spotfinder.threshold.algorithm`).
public enum ThresholdAlgorithm: String, Sendable, CaseIterable {
    /// Index of dispersion over a local window (Leslie 1999; DIALS `dispersion`).
    case dispersion
    /// Dispersion, eroded, then a second mean test over a wider window that
    /// excludes the spot cores (Parkhurst et al. 2017; DIALS default).
    case dispersionExtended = "dispersion_extended"
}

/// Settings of spot finding. Defaults are DIALS 3.12's (`dials.find_spots
/// -c`); `minSpotSize` nil means Auto: 3 pixels for pixel-array detectors
/// (panel type SENSOR_PAD), 6 otherwise (dials/array_family/flex_ext.py).
public struct SpotFindingParameters: Equatable, Sendable {
    public var algorithm: ThresholdAlgorithm = .dispersionExtended
    /// Half-size of the local window in pixels (fast, slow): 3 → 7×7.
    public var kernelSize: (x: Int, y: Int) = (3, 3)
    /// Background test: index of dispersion above 1 + σ_b·sqrt(2/(n−1)).
    public var sigmaBackground: Double = 6
    /// Strong test: I above mean + σ_s·sqrt(gain·mean).
    public var sigmaStrong: Double = 3
    /// Fewest valid pixels in the local window for a pixel to be tested.
    public var minLocal: Int = 2
    /// Pixels must also exceed this many counts.
    public var globalThreshold: Double = 0
    /// Detector gain (counts per photon).
    public var gain: Double = 1
    /// Connected components with fewer / more pixels are dropped; nil = Auto.
    public var minSpotSize: Int? = nil
    public var maxSpotSize: Int = 1000
    /// Largest allowed distance (px, 3-D) between the brightest pixel and the
    /// centroid; nil disables the filter.
    public var maxSeparation: Double? = 2
    /// A component is cut where a second peak stands this many Poisson σ above
    /// the saddle between (`SpotSplitter`); nil (the default) keeps every
    /// component whole, as DIALS does. Off by default: the indexer's choice of
    /// cell was tuned on whole components, and on a crystal split by 3° the
    /// resolved pairs led it to a supercell (see docs/PERFORMANCE.md).
    public var splitSigma: Double? = nil
    /// A frame with more than this fraction of its pixels strong is rejected.
    public var maxStrongPixelFraction: Double = 0.25
    /// Resolution limits (Å): pixels outside are masked before thresholding.
    public var dMin: Double? = nil
    public var dMax: Double? = nil
    /// Mask pixels on hexagonal-ice powder rings (DIALS `ice_rings.filter`),
    /// each ring `iceRingWidth` wide in 1/d² (Å⁻²).
    public var filterIceRings: Bool = false
    public var iceRingWidth: Double = 0.002
    /// Image numbers to search (inclusive); nil = the whole scan.
    public var scanRange: ClosedRange<Int>? = nil
    /// Keep each spot's pixels as a shoebox (DIALS writes them in strong.refl).
    public var storeShoeboxes: Bool = true
    /// Worker threads.
    public var nproc: Int = 1

    public init() {}

    public static func == (a: SpotFindingParameters, b: SpotFindingParameters) -> Bool {
        a.algorithm == b.algorithm && a.kernelSize == b.kernelSize && a.sigmaBackground == b.sigmaBackground
            && a.sigmaStrong == b.sigmaStrong && a.minLocal == b.minLocal && a.globalThreshold == b.globalThreshold
            && a.gain == b.gain && a.minSpotSize == b.minSpotSize && a.maxSpotSize == b.maxSpotSize
            && a.maxSeparation == b.maxSeparation && a.splitSigma == b.splitSigma
            && a.maxStrongPixelFraction == b.maxStrongPixelFraction
            && a.dMin == b.dMin && a.dMax == b.dMax && a.filterIceRings == b.filterIceRings
            && a.iceRingWidth == b.iceRingWidth && a.scanRange == b.scanRange
            && a.storeShoeboxes == b.storeShoeboxes && a.nproc == b.nproc
    }

    /// The minimum spot size in force for a detector whose panels are of `panelType`.
    public func resolvedMinSpotSize(panelType: String) -> Int {
        minSpotSize ?? (panelType == "SENSOR_PAD" ? 3 : 6)
    }
}
