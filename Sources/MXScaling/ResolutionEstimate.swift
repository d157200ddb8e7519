// ResolutionEstimate: resolution limits from CC½ (tanh fit, DIALS' default criterion), ⟨I/σ⟩ or completeness per shell.
import Foundation

/// The d_min at which a shell statistic falls to a limit, as
/// `dials.estimate_resolution` finds it (dials/util/resolution_analysis.py):
/// CC½ per shell against the shell's high-resolution d*², bins with
/// CC½ ≤ 0 or insignificant CC½ left out, y = ½(1 − tanh((d*² − s0)/r))
/// fitted by least squares (curve suggested by Ed Pozharski), and d_min
/// where the fitted values cross the limit (linear interpolation between
/// shells); if every shell is above the limit, the highest-resolution shell's d.
public struct ResolutionEstimate: Sendable {
    /// The estimated limit in Å, nil when the fitted curve never crosses the limit.
    public var dMin: Double?
    /// Shell high-resolution d*² values that were fitted, ascending.
    public var dStarSquared: [Double]
    public var observed: [Double]
    public var fitted: [Double]
    /// tanh parameters (nil for criteria that are not fitted).
    public var s0: Double?
    public var r: Double?

    /// CC½ = `limit` (default 0.3). Shells whose CC½ is not significant at
    /// `significanceLevel` (one-sided t-test on n reflections; nil = keep all) are dropped.
    public static func ccHalf(_ stats: MergingStatistics, limit: Double = 0.3,
                              significanceLevel: Double? = 0.1) -> ResolutionEstimate {
        var x: [Double] = [], y: [Double] = []
        for shell in stats.shells {
            let cc = shell.ccHalf
            guard cc > 0 else { continue }
            if let p = significanceLevel {
                guard let critical = criticalCorrelation(n: shell.ccHalfCount, p: p), cc > critical else { continue }
            }
            x.append(1 / (shell.dMin * shell.dMin)); y.append(cc)
        }
        return fitted(dStarSquared: x, ccHalf: y, limit: limit)
    }

    /// The tanh fit and crossing for given shell d*² (ascending) and CC½ values.
    public static func fitted(dStarSquared x: [Double], ccHalf y: [Double], limit: Double = 0.3) -> ResolutionEstimate {
        guard !x.isEmpty else { return ResolutionEstimate(dMin: nil, dStarSquared: [], observed: [], fitted: []) }
        let (s0, r) = fitTanh(x: x, y: y)
        let f = x.map { tanhCurve($0, s0: s0, r: r) }
        return ResolutionEstimate(dMin: crossing(x: x, observed: y, fitted: f, limit: limit),
                                  dStarSquared: x, observed: y, fitted: f, s0: s0, r: r)
    }

    /// ⟨I/σ⟩ = `limit`, from the shell values themselves (no curve fitted).
    public static func iOverSigma(_ stats: MergingStatistics, limit: Double) -> ResolutionEstimate {
        unfitted(stats, { $0.meanIOverSigma }, limit: limit)
    }

    /// Completeness (fraction, 0…1) = `limit`, from the shell values.
    public static func completeness(_ stats: MergingStatistics, limit: Double) -> ResolutionEstimate {
        unfitted(stats, { $0.completeness }, limit: limit)
    }

    static func unfitted(_ stats: MergingStatistics, _ value: (ShellStatistics) -> Double,
                         limit: Double) -> ResolutionEstimate {
        let shells = stats.shells.filter { $0.unique > 0 }
        let x = shells.map { 1 / ($0.dMin * $0.dMin) }, y = shells.map(value)
        return ResolutionEstimate(dMin: crossing(x: x, observed: y, fitted: y, limit: limit),
                                  dStarSquared: x, observed: y, fitted: y)
    }

    /// DIALS' rule: all observed above the limit → last shell; else the first
    /// crossing of the fitted values, interpolated linearly in d*².
    static func crossing(x: [Double], observed: [Double], fitted: [Double], limit: Double) -> Double? {
        guard let last = x.last else { return nil }
        if observed.allSatisfy({ $0 > limit }) { return 1 / last.squareRoot() }
        for j in 1..<max(1, x.count) where (fitted[j - 1] - limit) * (fitted[j] - limit) < 0 {
            let s = x[j - 1] + (limit - fitted[j - 1]) * (x[j] - x[j - 1]) / (fitted[j] - fitted[j - 1])
            return 1 / s.squareRoot()
        }
        return nil
    }

    /// ½(1 − tanh((s − s0)/r)).
    public static func tanhCurve(_ s: Double, s0: Double, r: Double) -> Double {
        0.5 * (1 - tanh((s - s0) / r))
    }

    /// Least-squares fit of ½(1 − tanh((x − s0)/r)) to (x, y) by
    /// Levenberg–Marquardt, r kept positive. Starts at the x where y is
    /// nearest ½ and a quarter of the x range.
    public static func fitTanh(x: [Double], y: [Double]) -> (s0: Double, r: Double) {
        guard let lo = x.min(), let hi = x.max() else { return (0, 1) }
        var s0 = x[y.indices.min { abs(y[$0] - 0.5) < abs(y[$1] - 0.5) }!]
        var r = max((hi - lo) / 4, 1e-6)
        func cost(_ s0: Double, _ r: Double) -> Double {
            zip(x, y).reduce(0) { $0 + pow($1.1 - tanhCurve($1.0, s0: s0, r: r), 2) }
        }
        var lambda = 1e-3
        var c = cost(s0, r)
        for _ in 0..<200 {
            // Normal equations of the 2-parameter problem.
            var a00 = 0.0, a01 = 0.0, a11 = 0.0, b0 = 0.0, b1 = 0.0
            for (xi, yi) in zip(x, y) {
                let z = (xi - s0) / r
                let sech2 = 1 / pow(cosh(z), 2)
                let d0 = 0.5 * sech2 / r            // ∂f/∂s0
                let d1 = 0.5 * sech2 * z / r        // ∂f/∂r
                let e = yi - tanhCurve(xi, s0: s0, r: r)
                a00 += d0 * d0; a01 += d0 * d1; a11 += d1 * d1; b0 += d0 * e; b1 += d1 * e
            }
            var improved = false
            for _ in 0..<20 {
                let m00 = a00 * (1 + lambda), m11 = a11 * (1 + lambda)
                let det = m00 * m11 - a01 * a01
                guard det != 0, det.isFinite else { lambda *= 10; continue }
                let ds0 = (b0 * m11 - b1 * a01) / det, dr = (m00 * b1 - a01 * b0) / det
                let ns0 = s0 + ds0, nr = max(r + dr, r * 0.1)
                let nc = cost(ns0, nr)
                if nc < c {
                    let change = abs(ds0) + abs(nr - r)
                    s0 = ns0; r = nr; c = nc; lambda = max(lambda / 10, 1e-12); improved = true
                    if change < 1e-12 * (abs(s0) + r) { return (s0, r) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return (s0, r)
    }

    /// The smallest correlation significant at one-sided level `p` for n
    /// pairs: r_c = t/√(n − 2 + t²), t the (1 − p) quantile of Student's t
    /// with n − 2 degrees of freedom (as iotbx's CC½ significance). Nil for n ≤ 2.
    public static func criticalCorrelation(n: Int, p: Double) -> Double? {
        guard n > 2 else { return nil }
        let t = studentTQuantile(1 - p, degreesOfFreedom: Double(n - 2))
        return t / (Double(n - 2) + t * t).squareRoot()
    }

    /// Student's t quantile by the Cornish–Fisher expansion about the normal
    /// quantile (Abramowitz & Stegun 26.7.5); good to ~1e-3 for ν ≥ 5.
    static func studentTQuantile(_ q: Double, degreesOfFreedom v: Double) -> Double {
        let z = normalQuantile(q)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }

    /// Standard normal quantile by bisection on erfc (accurate to 1e-12).
    static func normalQuantile(_ q: Double) -> Double {
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if 0.5 * erfc(-mid / 2.0.squareRoot()) < q { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}
