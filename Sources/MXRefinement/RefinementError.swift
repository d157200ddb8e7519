// RefinementError: why refinement could not start or finish, in user sentences.

/// Failures of `refine(...)`, each naming what was wrong and what to try.
public enum RefinementError: Error, Equatable, CustomStringConvertible {
    case noExperiments
    case noCrystal(experiment: Int)
    case degenerateCrystal(experiment: Int)
    case notARotationScan(experiment: Int)
    case missingColumn(String)
    case tooFewReflections(used: Int, parameters: Int, perParameter: Int)
    case singularNormalMatrix(parameter: String)
    case invalidCell(crystal: Int)
    case crystalInSeveralScans(crystal: Int)

    public var description: String {
        switch self {
        case .noExperiments: return "the experiment list holds no experiments to refine"
        case .noCrystal(let e): return "experiment \(e) has no crystal model: index the sweep before refining"
        case .degenerateCrystal(let e): return "experiment \(e): the crystal's real-space vectors are degenerate"
        case .notARotationScan(let e):
            return "experiment \(e) has no goniometer or scan: static refinement here handles rotation sweeps only"
        case .missingColumn(let c): return "the reflection table lacks the column '\(c)' (use indexed.refl from indexing)"
        case .tooFewReflections(let n, let p, let k):
            return "only \(n) reflections remain for \(p) free parameters (at least \(k) per parameter are needed): "
                + "fix some parameters (e.g. detector.fix=all) or supply more indexed spots"
        case .singularNormalMatrix(let name):
            return "the normal matrix is singular at parameter \(name): the data do not determine it; fix it and refine again"
        case .invalidCell(let c): return "crystal \(c + 1): the refined metric no longer describes a unit cell"
        case .crystalInSeveralScans(let c):
            return "crystal \(c + 1) appears in experiments of different scans, so it cannot vary along one scan: "
                + "refine it static (scan_varying=False) or split the experiments"
        }
    }
}
