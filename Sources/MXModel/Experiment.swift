// Experiment and ExperimentList: models bundled per sweep (and per lattice).

/// One experiment: the models needed to predict and measure one crystal
/// lattice in one sweep. Several experiments may share models (two lattices
/// of one sweep share beam, detector, goniometer, scan and images); the
/// `.expt` writer turns equal models into shared indices.
public struct Experiment: Equatable, Sendable {
    /// Unique identifier (a UUID string in DIALS; links to reflection `id`).
    public var identifier: String
    public var beam: Beam
    public var detector: Detector
    public var goniometer: Goniometer?
    public var scan: Scan?
    public var crystal: Crystal?
    public var imageSet: ImageSetDescription?
    /// Reflection-profile model, set by integration (written inline in `.expt` as DIALS does).
    public var profile: ProfileModel?

    public init(identifier: String = "", beam: Beam, detector: Detector, goniometer: Goniometer? = nil,
                scan: Scan? = nil, crystal: Crystal? = nil, imageSet: ImageSetDescription? = nil,
                profile: ProfileModel? = nil) {
        self.identifier = identifier; self.beam = beam; self.detector = detector
        self.goniometer = goniometer; self.scan = scan; self.crystal = crystal; self.imageSet = imageSet
        self.profile = profile
    }
}

/// An ordered list of experiments (one `.expt` file).
public struct ExperimentList: Equatable, Sendable {
    public var experiments: [Experiment]
    public init(_ experiments: [Experiment] = []) { self.experiments = experiments }
    public var count: Int { experiments.count }
    public var isEmpty: Bool { experiments.isEmpty }
    public subscript(i: Int) -> Experiment {
        get { experiments[i] }
        set { experiments[i] = newValue }
    }
}
