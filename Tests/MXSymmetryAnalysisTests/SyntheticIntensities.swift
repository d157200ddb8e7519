// SyntheticIntensities: merged Wilson-distributed intensities in a known space group expanded to noisy P 1 observations.
import Foundation
import MXMath
@testable import MXSymmetryAnalysis
import MXSymmetry

/// Test data: unique reflections of `group` to `dMin` with acentric Wilson
/// intensities (exponential, mean falling with resolution, B = 20 Å²),
/// expanded to every symmetry mate and Friedel mate with Gaussian noise
/// σ = √(I + 100); systematically absent reflections are observed as pure noise.
/// Indices are then written in the basis `observedBasis` (new h′ = h·P).
func syntheticObservations(group: SpaceGroup, cell: UnitCell, dMin: Double, seed: UInt64 = 7,
                           observedBasis: ChangeOfBasis = .identity) -> [IntensityObservation] {
    var rng = SplitMix64(seed: seed)
    let limit = 1 / (dMin * dMin)
    let hMax = Int(cell.a / dMin) + 1, kMax = Int(cell.b / dMin) + 1, lMax = Int(cell.c / dMin) + 1
    var trueIntensity: [Miller: Double] = [:]
    var out: [IntensityObservation] = []
    for h in -hMax...hMax { for k in -kMax...kMax { for l in -lMax...lMax {
        let m = Miller(h, k, l)
        let s = cell.oneOverDSquared(m)
        guard !m.isZero, s <= limit else { continue }
        let key = group.asymmetricUnitIndex(m).index
        let absent = group.isSystematicallyAbsent(key)
        let i: Double
        if absent {
            i = 0
        } else if let known = trueIntensity[key] {
            i = known
        } else {
            i = -log(max(rng.nextDouble(), 1e-12)) * 5000 * exp(-20 * s / 2)
            trueIntensity[key] = i
        }
        let sigma = (i + 100).squareRoot()
        guard let observed = observedBasis.apply(to: m) else { continue }
        out.append(IntensityObservation(miller: observed, intensity: i + sigma * rng.nextNormal(),
                                        variance: sigma * sigma))
    } } }
    return out
}
