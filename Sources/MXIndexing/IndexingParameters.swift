// IndexingParameters: the settings of autoindexing, with DIALS' defaults where DIALS has one.
import MXMath

/// Settings of `Indexer`. Defaults follow DIALS 3.12 (`dials.index -c`)
/// except where mxflow is deliberately more thorough (both search methods,
/// more candidate cells).
public struct IndexingParameters: Sendable {
    /// Basis search methods to try; the best-scoring lattice over all is kept.
    public var methods: [BasisSearchMethod] = [.fft3d, .fft1d]
    /// Longest cell edge (Å); nil: estimated from nearest-neighbour spacings.
    public var maxCell: Double? = nil
    /// Shortest cell edge considered (Å).
    public var minCell: Double = 3
    /// Spots beyond this resolution (Å) are not used; nil: all.
    public var dMin: Double? = nil
    /// Points per axis of the 3-D FFT grid.
    public var fftGridSize: Int = 256
    /// Candidate vectors kept from a basis search.
    public var maxVectors: Int = 30
    /// Candidate cells refined and scored.
    public var maxCandidates: Int = 50
    /// Index assignment tolerance |h_f − h| (fractional hkl).
    public var tolerance: Double = 0.3
    /// Refinement macro-cycles extending the resolution (DIALS refine_shells).
    public var macroCycles: Int = 5
    /// Lattices to find; further lattices come from the unindexed spots.
    public var maxLattices: Int = 1
    /// Further lattices are sought only while this fraction of spots is unindexed.
    public var recycleUnindexedCutoff: Double = 0.1
    /// Known cell (a, b, c, α, β, γ) and space group (Hall symbol) to enforce.
    public var unitCell: [Double]? = nil
    public var spaceGroupHall: String? = nil
    /// Whether the detector position (beam centre, in the detector plane) is
    /// refined with the orientation and cell.
    public var refineBeamCentre: Bool = true
    /// Outlier rejection: residuals beyond Q3 + `outlierIQR`·IQR are rejected (Tukey).
    public var outlierIQR: Double = 3
    /// Most spots per lattice used in the final refinement against observations.
    public var maxRefinementObservations: Int = 4000
    /// Threads for candidate evaluation.
    public var nproc: Int = 1

    public init() {}
}
