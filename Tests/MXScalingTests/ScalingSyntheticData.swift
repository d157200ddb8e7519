// ScalingSyntheticData: known intensities observed under a known scale and B over rotation, with noise, for the scaling tests.
import MXMath
import Foundation
import MXScaling

/// A deterministic synthetic data set: `unique` reflections of true
/// intensity drawn from an exponential (Wilson) distribution, each seen
/// `perGroup` times at random rotations in 0…`range`° and 1/d² in
/// 0.01…0.4 Å⁻², measured as g·I + noise with g = C(φ)·exp(B(φ)/(2d²)).
struct ScalingSyntheticData {
    var observations: ScalingObservations
    var trueInverseScale: [Double]
    var trueIntensity: [Double]

    static func gaussian(_ r: inout SplitMix64) -> Double {
        let u = max(r.nextDouble(), 1e-300), v = r.nextDouble()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    init(unique: Int = 400, perGroup: Int = 6, range: Double = 90, seed: UInt64 = 7,
         scale: (Double) -> Double, b: (Double) -> Double, noise: (Double) -> Double = { ($0 + 20).squareRoot() }) {
        var rng = SplitMix64(seed: seed)
        var experiment: [Int] = [], group: [Int] = [], rotation: [Double] = [], dss: [Double] = []
        var sI: [Double] = [], sV: [Double] = [], gTrue: [Double] = [], iTrue: [Double] = []
        for h in 0..<unique {
            let ds = 0.01 + 0.39 * rng.nextDouble()
            let intensity = -1000 * log(max(rng.nextDouble(), 1e-9)) * exp(-3 * ds) + 5
            for _ in 0..<perGroup {
                let phi = range * rng.nextDouble()
                let g = scale(phi) * exp(b(phi) * ds / 2)
                let sigma = noise(g * intensity)
                experiment.append(0); group.append(h); rotation.append(phi); dss.append(ds)
                sI.append(g * intensity + sigma * Self.gaussian(&rng)); sV.append(sigma * sigma)
                gTrue.append(g); iTrue.append(intensity)
            }
        }
        observations = ScalingObservations(
            experiment: experiment, group: group, groupCount: unique, rotation: rotation, dStarSquared: dss,
            harmonics: [], harmonicCount: 0, profileIntensity: sI.map { $0 }, profileVariance: sV.map { $0 },
            summedIntensity: sI, summedVariance: sV, usable: Array(repeating: true, count: sI.count))
        trueInverseScale = gTrue
        trueIntensity = iTrue
    }
}
