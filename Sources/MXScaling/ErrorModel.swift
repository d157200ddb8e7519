// ErrorModel: σ'² = a²(σ² + (bI)²), and its fit to the spread of symmetry equivalents.
import Foundation

/// DIALS' basic error model (Evans 2006, §2.4, with SDadd = b): the
/// integration σ is inflated to σ'² = a²(σ² + (b·I)²) so that deviations
/// of equivalents from their mean are N(0,1) at every intensity.
public struct ErrorModel: Sendable, Equatable {
    public var a: Double
    public var b: Double
    public init(a: Double, b: Double) { self.a = a; self.b = b }

    /// σ'² of an observation with variance `variance` and intensity `intensity`.
    @inlinable public func variance(_ variance: Double, intensity: Double) -> Double {
        a * a * (variance + b * b * intensity * intensity)
    }

    /// Fits a and b to scaled observations x = I/g (variances σ²/g²) grouped
    /// by `group` (negative: not used), as DIALS' basic error model does:
    /// the normalised deviations of the members of groups of two or more,
    ///   δ = sqrt(n/(n−1))·(x − x̄)/σ',
    /// should be N(0,1) in every intensity range. a and b minimise
    /// Σ_k n_k (var_k − 1)² over `bins` intensity bins of equal count, var_k
    /// the robust variance (1.4826·median|δ|)² of the bin's δ (insensitive
    /// to the tails, as DIALS' central-region fit of a): a in closed form for
    /// each b, b by golden-section search on 0…0.5.
    /// Groups whose mean is below `minMean` are left out (weak reflections
    /// carry no information on b, and DIALS leaves them out).
    /// Returns nil when fewer than 50 observations are in usable groups.
    public static func fit(intensities x: [Double], variances v: [Double], group: [Int], groupCount: Int,
                           bins: Int = 10, minMean: Double = 25, dialsPrefactor: Bool = false) -> ErrorModel? {
        var members = [[Int]](repeating: [], count: groupCount)
        for i in x.indices where group[i] >= 0 && v[i] > 0 { members[group[i]].append(i) }
        // group mean (weighted by 1/σ²) fixed from the input variances
        var rows: [(mean: Double, factor: Double, dev: Double, s2: Double)] = []
        for m in members where m.count >= 2 {
            var sw = 0.0, swx = 0.0
            for i in m { sw += 1 / v[i]; swx += x[i] / v[i] }
            let mean = swx / sw
            guard mean >= minMean else { continue }
            // x − x̄ has variance σ'²(n−1)/n (equal σ), so sqrt(n/(n−1)) makes δ N(0,1);
            // DIALS 3.12 multiplies by sqrt((n−1)/n) instead (error_model.py calc_deltahl),
            // which lowers a by about (n−1)/n: available for comparison with DIALS.
            let ratio = Double(m.count - 1) / Double(m.count)
            let f = dialsPrefactor ? ratio.squareRoot() : (1 / ratio).squareRoot()
            for i in m { rows.append((mean, f, x[i] - mean, v[i])) }
        }
        guard rows.count >= 50 else { return nil }
        rows.sort { $0.mean < $1.mean }
        let n = rows.count
        func deltas(a: Double, b: Double) -> [Double] {
            rows.map { $0.factor * $0.dev / (a * ($0.s2 + b * b * $0.mean * $0.mean).squareRoot()) }
        }
        // robust variance (1.4826·median|δ|)² of each intensity bin at a = 1
        func binVariances(b: Double) -> [(n: Double, v: Double)] {
            let d = deltas(a: 1, b: b)
            return (0..<bins).compactMap { k in
                let s = k * n / bins, e = (k + 1) * n / bins
                guard e > s else { return nil }
                let sorted = d[s..<e].map { abs($0) }.sorted()
                let mad = 1.4826 * sorted[sorted.count / 2]
                return (Double(e - s), mad * mad)
            }
        }
        // For given b the bin variances scale as 1/a², so the best u = 1/a²
        // is Σ n v / Σ n v² in closed form; b is found by golden section.
        func best(b: Double) -> (cost: Double, a: Double) {
            let v = binVariances(b: b)
            let u = v.reduce(0) { $0 + $1.n * $1.v } / max(v.reduce(0) { $0 + $1.n * $1.v * $1.v }, 1e-300)
            let cost = v.reduce(0) { $0 + $1.n * (u * $1.v - 1) * (u * $1.v - 1) }
            return (cost, 1 / u.squareRoot())
        }
        var l = 0.0, r = 0.5
        let g = (5.0.squareRoot() - 1) / 2
        var c = r - g * (r - l), e = l + g * (r - l)
        var fc = best(b: c).cost, fe = best(b: e).cost
        for _ in 0..<36 {
            if fc < fe { r = e; e = c; fe = fc; c = r - g * (r - l); fc = best(b: c).cost }
            else { l = c; c = e; fc = fe; e = l + g * (r - l); fe = best(b: e).cost }
        }
        let b = (l + r) / 2
        return ErrorModel(a: best(b: b).a, b: b)
    }
}
