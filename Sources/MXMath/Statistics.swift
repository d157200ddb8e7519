// Statistics: descriptive statistics, robust scale and simple regression on arrays of Doubles.

/// Small statistics over `[Double]`, used by spot finding, refinement
/// outlier rejection, scaling and merging statistics. Functions return nil
/// rather than trap when the input is too short for the quantity (an empty
/// selection is a normal event in a pipeline).
public enum Statistics {
    /// Arithmetic mean; nil when empty.
    public static func mean(_ x: [Double]) -> Double? {
        x.isEmpty ? nil : x.reduce(0, +) / Double(x.count)
    }

    /// Variance with `ddof` degrees of freedom removed (1: sample variance,
    /// numpy's `var(x, ddof=1)`; 0: population). Two-pass for accuracy.
    /// nil when `x.count <= ddof`.
    public static func variance(_ x: [Double], ddof: Int = 1) -> Double? {
        guard x.count > ddof, let m = mean(x) else { return nil }
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - ddof)
    }

    /// Standard deviation √variance (same `ddof` meaning); nil when `x.count <= ddof`.
    public static func standardDeviation(_ x: [Double], ddof: Int = 1) -> Double? {
        variance(x, ddof: ddof).map { $0.squareRoot() }
    }

    /// Median (mean of the middle two for even counts); nil when empty.
    public static func median(_ x: [Double]) -> Double? { quantile(x, 0.5) }

    /// The `p`-quantile (0 ≤ p ≤ 1) by linear interpolation between order
    /// statistics at position p·(n−1) — numpy's default (`method='linear'`,
    /// Hyndman & Fan type 7). nil when empty or p outside [0, 1] or NaN.
    public static func quantile(_ x: [Double], _ p: Double) -> Double? {
        guard !x.isEmpty, p >= 0, p <= 1 else { return nil }
        return quantileOfSorted(x.sorted(), p)
    }

    /// Several quantiles of one sample, sorting once; nil entries for bad p.
    public static func quantiles(_ x: [Double], _ ps: [Double]) -> [Double?] {
        guard !x.isEmpty else { return ps.map { _ in nil } }
        let s = x.sorted()
        return ps.map { p in (p >= 0 && p <= 1) ? quantileOfSorted(s, p) : nil }
    }

    private static func quantileOfSorted(_ s: [Double], _ p: Double) -> Double {
        let pos = p * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Swift.min(lo + 1, s.count - 1)
        let f = pos - Double(lo)
        return s[lo] + (s[hi] - s[lo]) * f
    }

    /// Σwᵢxᵢ / Σwᵢ; nil when counts differ, empty, or Σw = 0.
    public static func weightedMean(_ x: [Double], weights w: [Double]) -> Double? {
        guard x.count == w.count, !x.isEmpty else { return nil }
        let sw = w.reduce(0, +)
        guard sw != 0 else { return nil }
        return zip(x, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
    }

    /// Median absolute deviation, median(|xᵢ − median(x)|). With
    /// `normalized` it is multiplied by 1.4826 (1/Φ⁻¹(3/4)) so that it
    /// estimates σ for normal data, as DIALS' outlier rejection uses it.
    /// nil when empty.
    public static func medianAbsoluteDeviation(_ x: [Double], normalized: Bool = false) -> Double? {
        guard let m = median(x), let mad = median(x.map { abs($0 - m) }) else { return nil }
        return normalized ? mad * 1.482602218505602 : mad
    }

    /// Ordinary least-squares fit y = slope·x + intercept.
    public struct LinearFit: Sendable, Equatable {
        public let slope: Double
        public let intercept: Double
        /// Coefficient of determination R² (1 for a perfect fit; 1 also when y is constant and fitted exactly).
        public let rSquared: Double
        public func callAsFunction(_ x: Double) -> Double { slope * x + intercept }
    }

    /// Least-squares straight line through (x, y); nil when counts differ,
    /// there are fewer than 2 points, or all x are equal.
    public static func linearRegression(x: [Double], y: [Double]) -> LinearFit? {
        guard x.count == y.count, x.count >= 2, let mx = mean(x), let my = mean(y) else { return nil }
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxx += (a - mx) * (a - mx); sxy += (a - mx) * (b - my); syy += (b - my) * (b - my) }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1
        return LinearFit(slope: slope, intercept: my - slope * mx, rSquared: r2)
    }

    /// Pearson's correlation coefficient r ∈ [−1, 1] (used for CC½);
    /// nil when counts differ, fewer than 2 points, or either sample is constant.
    public static func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2, let mx = mean(x), let my = mean(y) else { return nil }
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxx += (a - mx) * (a - mx); sxy += (a - mx) * (b - my); syy += (b - my) * (b - my) }
        guard sxx > 0, syy > 0 else { return nil }
        return Swift.max(-1, Swift.min(1, sxy / (sxx * syy).squareRoot()))
    }
}
