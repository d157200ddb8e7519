// BeamCentreSearch: the detector position (beam centre) that best indexes a sweep's strong spots.
import MXLogging
import MXMath
import MXModel

/// The outcome of a beam-centre search.
public struct BeamCentreSearchResult: Sendable {
    /// The input experiment with the detector moved in its plane (no crystal).
    public var experiment: Experiment
    /// Beam centre on the first panel before and after (mm, fast and slow).
    public var oldCentreMm: (x: Double, y: Double)
    public var newCentreMm: (x: Double, y: Double)
    /// The move of the beam centre, mm and pixels (fast, slow).
    public var shiftMm: (x: Double, y: Double)
    public var shiftPx: (x: Double, y: Double)
    /// The lattice that scored best at the new centre.
    public var lattice: IndexedLattice
    /// Fraction of the strong spots it indexes.
    public var indexedFraction: Double
}

/// What dials.search_beam_position is for, done with the indexer's own
/// search: DIALS scores a grid of trial beam centres by the periodicity
/// (3-D FFT) of the reciprocal-lattice points each maps to. `Indexer`
/// already scores a ±2 mm grid of detector shifts for its leading basis
/// candidates (and searches again from the best shift), then refines the
/// shift with the lattice, so running it and keeping only the detector
/// shift is the same search without a second implementation. A wrong
/// centre that still lets some candidate index is what the grid corrects;
/// a centre so far off that no candidate indexes fails as indexing fails.
public enum BeamCentreSearch {
    /// - Throws: `IndexingError` when no lattice is found at any trial centre.
    public static func search(experiment: Experiment, reflections: ReflectionTable,
                              parameters: IndexingParameters = IndexingParameters(),
                              logger: Logger = .silent) throws -> BeamCentreSearchResult {
        var p = parameters
        p.refineBeamCentre = true
        p.maxLattices = 1
        let result = try Indexer(parameters: p, logger: logger).index(experiment: experiment, reflections: reflections)
        guard let lattice = result.lattices.first else { throw IndexingError.noExperiments }
        let shift = result.beamCentreShift
        var moved = experiment
        moved.crystal = nil
        for i in moved.detector.panels.indices {
            let panel = moved.detector.panels[i]
            moved.detector.panels[i].origin = panel.origin + panel.fastAxis * shift.fast + panel.slowAxis * shift.slow
        }
        let s0 = experiment.beam.s0
        let before = experiment.detector.panels[0].rayIntersection(s0) ?? (.nan, .nan)
        let after = moved.detector.panels[0].rayIntersection(s0) ?? (.nan, .nan)
        let pixel = experiment.detector.panels[0].pixelSize
        let dx = after.x - before.x, dy = after.y - before.y
        let indexed = result.reflections.hasFlags(.indexed).filter { $0 }.count
        return BeamCentreSearchResult(experiment: moved, oldCentreMm: before, newCentreMm: after,
                                      shiftMm: (dx, dy), shiftPx: (dx / pixel.fast, dy / pixel.slow), lattice: lattice,
                                      indexedFraction: Double(indexed) / Double(max(1, reflections.count)))
    }
}
