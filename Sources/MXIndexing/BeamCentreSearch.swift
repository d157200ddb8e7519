// BeamCentreSearch: the detector position (beam centre) that best indexes a sweep's strong spots.
import Foundation
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

/// The beam centre that best indexes the spots (what dials.search_beam_position
/// is for), from indexing runs with the detector shift refined:
/// 1. from the header's centre: `Indexer` scores a ±2 mm grid of detector
///    shifts for its leading basis candidates, then refines the shift;
/// 2. from start centres 3 mm apart around it, out to `scopeMm` (DIALS'
///    `mm_search_scope`, 4 mm), nearest first: the basis candidates found at
///    a centre 3 mm off are too distorted for stage 1's grid to repair, and
///    each start's own grid covers the ±2 mm around it.
/// It stops at the first run that indexes `goodFraction` of the spots within
/// `goodRMSDPixels` (or, from the header's centre, any fraction within it);
/// otherwise the run whose lattice indexes most spots most closely wins.
public enum BeamCentreSearch {
    /// Spacing of stage 2's start centres, mm: within the ±2 mm reach of each
    /// start's own grid, so no centre within `scopeMm` falls between them.
    static let startSpacingMm = 3.0
    /// How far the indexer's own grid reaches from a start, mm.
    static let innerReachMm = 2.0

    /// The positional rmsd (px) below which a start that indexes `goodFraction`
    /// ends the search: a centre millimetres off fits pixels apart.
    static let goodRMSDPixels = 1.0

    /// - Parameters:
    ///   - scopeMm: how far from the header's centre start centres may lie.
    ///   - goodFraction: the indexed fraction at which (with a fit within
    ///     `goodRMSDPixels`) the search stops early.
    ///   - atHeaderCentre: the result of indexing these spots from the header's
    ///     centre with these parameters (one lattice, shift refined) when the
    ///     caller has it already: stage 1 then takes it instead of indexing again.
    /// - Throws: `IndexingError` when no lattice is found at any trial centre.
    public static func search(experiment: Experiment, reflections: ReflectionTable,
                              parameters: IndexingParameters = IndexingParameters(),
                              scopeMm: Double = 4, goodFraction: Double = 0.8,
                              atHeaderCentre: IndexingResult? = nil,
                              logger: Logger = .silent) throws -> BeamCentreSearchResult {
        var p = parameters
        p.refineBeamCentre = true
        p.maxLattices = 1
        typealias Tried = (result: IndexingResult, start: (fast: Double, slow: Double), fraction: Double, rmsd: Double)
        var tried: [Tried] = []
        var firstError: Error?
        func attempt(from start: (fast: Double, slow: Double), known: IndexingResult? = nil) {
            let result: IndexingResult
            do {
                result = try known ?? Indexer(parameters: p, logger: logger).index(experiment: shifted(experiment, by: start),
                                                                                   reflections: reflections)
            } catch {
                firstError = firstError ?? error
                return
            }
            guard let lattice = result.lattices.first else { return }
            let indexed = result.reflections.hasFlags(.indexed).filter { $0 }.count
            let fraction = Double(indexed) / Double(max(1, reflections.count))
            let rmsd = (lattice.rmsd.x * lattice.rmsd.x + lattice.rmsd.y * lattice.rmsd.y).squareRoot()
            logger.info(String(format: "Beam-centre search from start shift %.1f, %.1f mm: %.1f%% indexed, rmsd %.3f px",
                               start.fast, start.slow, 100 * fraction, rmsd))
            tried.append((result, start, fraction, rmsd))
        }
        // A centre far off can still index most spots with a distorted lattice, but not closely. A close
        // fit from the header's centre ends the search even when it indexes few spots: the rest belong to
        // another lattice or to none, and moving the detector would not index them.
        func good() -> Bool {
            tried.contains {
                $0.rmsd <= goodRMSDPixels && ($0.fraction >= goodFraction || ($0.start.fast == 0 && $0.start.slow == 0))
            }
        }

        // 1. The header's centre, with the indexer's own ±2 mm grid.
        attempt(from: (0, 0), known: atHeaderCentre)
        // 2. Start centres 3 mm apart around the header's, nearest first.
        var starts: [(fast: Double, slow: Double)] = []
        let reach = Int((max(0, scopeMm - innerReachMm) / startSpacingMm).rounded(.up))
        if reach > 0 {
            for i in -reach...reach { for j in -reach...reach where i != 0 || j != 0 {
                starts.append((startSpacingMm * Double(i), startSpacingMm * Double(j)))
            } }
        }
        starts.sort { $0.fast * $0.fast + $0.slow * $0.slow < $1.fast * $1.fast + $1.slow * $1.slow }
        for start in starts where !good() { attempt(from: start) }

        guard !tried.isEmpty else { throw firstError ?? IndexingError.noExperiments }
        // The indexer's own scoring: the fraction indexed weighted twice, the fit once (lowest wins).
        let fMax = tried.map(\.fraction).max()!, rMin = max(tried.map(\.rmsd).min()!, 1e-6)
        func score(_ t: Tried) -> Double {
            2 * log2(fMax / max(t.fraction, 1e-6)) + log2(max(t.rmsd, 1e-6) / rMin)
        }
        let found = tried.min { score($0) < score($1) }!
        let lattice = found.result.lattices[0]
        let shift = (fast: found.start.fast + found.result.beamCentreShift.fast,
                     slow: found.start.slow + found.result.beamCentreShift.slow)
        var moved = shifted(experiment, by: shift)
        moved.crystal = nil
        let s0 = experiment.beam.s0
        let before = experiment.detector.panels[0].rayIntersection(s0) ?? (.nan, .nan)
        let after = moved.detector.panels[0].rayIntersection(s0) ?? (.nan, .nan)
        let pixel = experiment.detector.panels[0].pixelSize
        let dx = after.x - before.x, dy = after.y - before.y
        return BeamCentreSearchResult(experiment: moved, oldCentreMm: before, newCentreMm: after,
                                      shiftMm: (dx, dy), shiftPx: (dx / pixel.fast, dy / pixel.slow), lattice: lattice,
                                      indexedFraction: found.fraction)
    }

    /// `experiment` with every panel moved in its plane by `shift` (mm along
    /// the panel's fast and slow axes), as the indexer's detector shift moves it.
    static func shifted(_ experiment: Experiment, by shift: (fast: Double, slow: Double)) -> Experiment {
        var moved = experiment
        for i in moved.detector.panels.indices {
            let panel = moved.detector.panels[i]
            moved.detector.panels[i].origin = panel.origin + panel.fastAxis * shift.fast + panel.slowAxis * shift.slow
        }
        return moved
    }
}
