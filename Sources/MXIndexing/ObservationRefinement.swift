// ObservationRefinement: least-squares fit of the setting matrix and beam centre to observed spot positions and angles.
import Foundation
import MXMath
import MXModel

/// Refinement in the space of observations, as DIALS' static refinement
/// does it: the 9 elements of A (orientation and cell together) and the
/// detector's in-plane shift (beam centre) are fitted by Levenberg–Marquardt
/// (Marquardt 1963) to the spots' x, y (mm) and φ (rad), each residual
/// weighted by the inverse variance of its centroid. Derivatives are central
/// differences of the prediction. Until MXRefinement's parameterised models
/// are used here, this is indexing's own final refinement.
public enum ObservationRefinement {
    public struct Observation: Sendable {
        public var hkl: MillerIndex
        public var panel: Int
        /// Observed x, y (mm) and φ (rad), and their variances.
        public var xyz: Vec3
        public var variance: Vec3
        public init(hkl: MillerIndex, panel: Int, xyz: Vec3, variance: Vec3) {
            self.hkl = hkl; self.panel = panel; self.xyz = xyz; self.variance = variance
        }
    }

    /// Refined A and shift (mm along the panel's fast and slow axes), and the
    /// weighted rms residual before and after.
    public static func refine(setting: Mat3, shift: (fast: Double, slow: Double), refineShift: Bool,
                              observations: [Observation], experiment: (Double, Double) -> Experiment,
                              iterations: Int = 8) -> (setting: Mat3, shift: (fast: Double, slow: Double)) {
        guard observations.count >= 20 else { return (setting, shift) }
        let nParams = refineShift ? 11 : 9
        func params(_ a: Mat3, _ s: (fast: Double, slow: Double)) -> [Double] {
            a.elements + (refineShift ? [s.fast, s.slow] : [])
        }
        func unpack(_ p: [Double]) -> (Mat3, (fast: Double, slow: Double)) {
            (Mat3(Array(p[0..<9])), refineShift ? (p[9], p[10]) : shift)
        }
        // Weights: 1/σ, with floors so a zero variance cannot dominate.
        let weights = observations.map {
            Vec3(1 / max($0.variance.x, 1e-6).squareRoot(), 1 / max($0.variance.y, 1e-6).squareRoot(),
                 1 / max($0.variance.z, 1e-10).squareRoot())
        }
        func residuals(_ p: [Double]) -> [Double]? {
            let (a, s) = unpack(p)
            let e = experiment(s.fast, s.slow)
            var out = [Double](repeating: 0, count: 3 * observations.count)
            for (i, o) in observations.enumerated() {
                guard let pred = RotationPrediction.predict(hkl: o.hkl, setting: a, experiment: e, panel: o.panel,
                                                            nearPhi: o.xyz.z) else { return nil }
                let w = weights[i]
                out[3 * i] = (pred.xyzMm.x - o.xyz.x) * w.x
                out[3 * i + 1] = (pred.xyzMm.y - o.xyz.y) * w.y
                out[3 * i + 2] = (pred.xyzMm.z - o.xyz.z) * w.z
            }
            return out
        }
        func cost(_ r: [Double]) -> Double { r.reduce(0) { $0 + $1 * $1 } }
        var p = params(setting, shift)
        guard var r = residuals(p) else { return (setting, shift) }
        var c = cost(r)
        var lambda = 1e-3
        let m = r.count
        for _ in 0..<iterations {
            // Jacobian by central differences.
            var jac = [[Double]](repeating: [], count: nParams)
            for k in 0..<nParams {
                let h = k < 9 ? max(abs(p[k]), 1e-3) * 1e-5 : 1e-4
                var pp = p, pm = p
                pp[k] += h; pm[k] -= h
                guard let rp = residuals(pp), let rm = residuals(pm) else { return unpack(p) }
                jac[k] = (0..<m).map { (rp[$0] - rm[$0]) / (2 * h) }
            }
            var jtj = Matrix(rows: nParams, cols: nParams), jtr = [Double](repeating: 0, count: nParams)
            for a in 0..<nParams {
                for b in a..<nParams {
                    var s = 0.0
                    for t in 0..<m { s += jac[a][t] * jac[b][t] }
                    jtj[a, b] = s; jtj[b, a] = s
                }
                var s = 0.0
                for t in 0..<m { s += jac[a][t] * r[t] }
                jtr[a] = -s
            }
            var improved = false
            for _ in 0..<6 {
                var damped = jtj
                for a in 0..<nParams { damped[a, a] += lambda * max(jtj[a, a], 1e-30) }
                guard let step = try? damped.solve(jtr) else { lambda *= 10; continue }
                let trial = zip(p, step).map { $0 + $1 }
                if let rt = residuals(trial), cost(rt) < c {
                    p = trial; r = rt
                    let newCost = cost(rt)
                    let relative = (c - newCost) / c
                    c = newCost
                    lambda = max(lambda / 10, 1e-9)
                    improved = relative > 1e-7
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return unpack(p)
    }
}
