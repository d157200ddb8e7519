// IntegrationError: why integration could not run, in user sentences.

/// Failures of integration, each naming what was wrong and what to try.
public enum IntegrationError: Error, Equatable, CustomStringConvertible {
    case noExperiments
    case noImages(experiment: Int)
    case nothingPredicted(experiment: Int, dMin: Double)
    case dMinOutsideDetector(dMin: Double, lowestOnDetector: Double)
    case framesMissing(path: String, needed: Int, available: Int)
    case tooFewSpotsForProfile(found: Int, needed: Int)
    case missingColumn(String)

    public var description: String {
        switch self {
        case .noExperiments: return "the experiment list is empty: nothing to integrate"
        case .noImages(let e): return "experiment \(e) names no images (imageset) to integrate"
        case .nothingPredicted(let e, let d):
            return String(format: "experiment %d: the crystal model predicts no reflection on the detector to d_min = %.2f Å "
                + "(check the crystal and detector models, or d_min)", e, d)
        case .dMinOutsideDetector(let d, let lo):
            return String(format: "d_min = %.2f Å is outside the detector, whose lowest resolution is %.2f Å; "
                + "choose a smaller d_min", d, lo)
        case .framesMissing(let p, let n, let a):
            return "\(p): the scan needs \(n) frames but only \(a) can be read (frames missing)"
        case .tooFewSpotsForProfile(let f, let n):
            return "only \(f) strong indexed spots to model the reflection profile, at least \(n) needed "
                + "(give profile.gaussian_rs.parameters.sigma_b= and sigma_m= to fix the model)"
        case .missingColumn(let c): return "the reflection table lacks the column '\(c)'"
        }
    }
}
