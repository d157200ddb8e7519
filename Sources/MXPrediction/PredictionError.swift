// PredictionError: why reflections could not be predicted, in user sentences.

/// Failures of prediction, each naming the experiment or column at fault.
public enum PredictionError: Error, Equatable, CustomStringConvertible {
    case noGoniometer(experiment: Int)
    case noScan(experiment: Int)
    case noCrystal(experiment: Int)
    case degenerateCrystal(experiment: Int)
    case missingColumn(String)
    case experimentOutOfRange(row: Int, id: Int, count: Int)

    public var description: String {
        switch self {
        case .noGoniometer(let e):
            return "experiment \(e) has no goniometer: rotation-method prediction needs a rotation axis"
        case .noScan(let e): return "experiment \(e) has no scan: rotation-method prediction needs the scan's angles"
        case .noCrystal(let e): return "experiment \(e) has no crystal model to predict from"
        case .degenerateCrystal(let e): return "experiment \(e): the crystal's real-space vectors are degenerate"
        case .missingColumn(let c): return "the reflection table lacks the column '\(c)'"
        case .experimentOutOfRange(let row, let id, let n):
            return "reflection \(row) has id \(id) but the experiment list holds \(n) experiments"
        }
    }
}
