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
                           bins: Int = 10, minMean: Double = 25) -> ErrorModel? {
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
            // DIALS 3.12 multiplies by sqrt((n−1)/n) instead (see fitDIALS).
            let f = (Double(m.count) / Double(m.count - 1)).squareRoot()
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

    /// Fits a and b as DIALS 3.12's basic error model refinement does
    /// (dials.algorithms.scaling.error_model, "individual" minimisation), so
    /// that σ and ⟨I/σ⟩ agree with dials.scale on the same data.
    /// Inputs are unscaled intensities `I`, their variances `v` (no error
    /// model), inverse scales `g` and groups (negative: not used; DIALS
    /// groups I(+) and I(−) apart here whatever `anomalous` is).
    ///
    /// Selection: groups whose mean I/σ² exceeds 0.85; observations whose
    /// expected unscaled intensity g·Ī exceeds `minIh` (25) with I > 0.001, in
    /// groups of two or more; groups whose internal variance exceeds
    /// max(50, max Ī/40) times the mean σ²/g² are left out.
    /// Deviations δ = sqrt((n−1)/n)·(I/g − Ī)/σ', σ' = a·sqrt(v + (bI)²)/g, with
    /// Ī the 1/σ²-weighted mean of the whole group (DIALS' prefactor, not
    /// the unbiased sqrt(n/(n−1))).
    /// Cycles: a scales the slope of the sorted δ against normal quantiles
    /// over the central |x| < 1.5; b minimises Σ w_k[(½ − var_k)² + 1/var_k − 5/4]
    /// over log-spaced bins of g·Ī weighted by their mean g·Ī, searched
    /// locally from the current b (0.02 at first) as DIALS' minimiser does; until a
    /// changes by less than 1%; if that fails, a = 1 and b alone. Returns nil with fewer than 250 observations.
    public static func fitDIALS(intensities I: [Double], variances v: [Double], inverseScales g: [Double],
                                group: [Int], groupCount: Int, minIh: Double = 25, bins nBins: Int = 10) -> ErrorModel? {
        // Group means from all members (the Ih table is built before the filters).
        var sw = [Double](repeating: 0, count: groupCount), swx = sw, sIv = sw
        var count = [Int](repeating: 0, count: groupCount)
        for i in I.indices where group[i] >= 0 && v[i] > 0 && g[i] > 0 {
            let h = group[i]
            sw[h] += g[i] * g[i] / v[i]; swx[h] += g[i] * I[i] / v[i]; sIv[h] += I[i] / v[i]; count[h] += 1
        }
        let mean = (0..<groupCount).map { sw[$0] > 0 ? swx[$0] / sw[$0] : 0 }
        var keep = I.indices.filter { i in
            let h = group[i]
            guard h >= 0, v[i] > 0, g[i] > 0, count[h] > 0 else { return false }
            return sIv[h] / Double(count[h]) > 0.85 && mean[h] * g[i] > minIh && I[i] > 0.001
        }
        func members(_ rows: [Int]) -> [Int] {
            var n = [Int](repeating: 0, count: groupCount)
            for i in rows { n[group[i]] += 1 }
            return n
        }
        var n = members(keep)
        keep = keep.filter { n[group[$0]] > 1 }
        guard keep.count >= 250 else { return nil }
        // Groups with an internal spread far beyond their σ (misindexed, overlapped) are left out.
        n = members(keep)
        var spread = [Double](repeating: 0, count: groupCount), sigma = spread
        for i in keep {
            let h = group[i], d = I[i] / g[i] - mean[h]
            spread[h] += d * d; sigma[h] += v[i] / (g[i] * g[i])
        }
        let maxMean = keep.map { mean[group[$0]] }.max() ?? 0
        let limit = max(50, maxMean / 40)
        keep = keep.filter { i in
            let h = group[i]
            return (spread[h] / Double(n[h] - 1)) / (sigma[h] / Double(n[h])) < limit
        }
        guard keep.count >= 250 else { return nil }
        n = members(keep)
        let rows = keep
        let prefactor = rows.map { (Double(n[group[$0]] - 1) / Double(n[group[$0]])).squareRoot() }
        let expected = rows.map { mean[group[$0]] * g[$0] }
        func deltas(_ a: Double, _ b: Double) -> [Double] {
            rows.indices.map { k in
                let i = rows[k]
                let sp = a * (v[i] + b * b * I[i] * I[i]).squareRoot() / g[i]
                return prefactor[k] * (I[i] / g[i] - mean[group[i]]) / sp
            }
        }
        // Bins log-spaced in g·Ī from the largest down, each with at least
        // min(250 (or 1% of the data), n/30) members; sparse ones dropped.
        let binOf = errorModelBins(expected, bins: nBins)
        let nb = (binOf.max() ?? -1) + 1
        var binCount = [Double](repeating: 0, count: nb), binMean = binCount
        for (k, b) in binOf.enumerated() where b >= 0 { binCount[b] += 1; binMean[b] += expected[k] }
        let weights = (0..<nb).map { binCount[$0] > 0 ? binMean[$0] / binCount[$0] : 0 }
        let totalWeight = weights.reduce(0, +)
        func binVariances(_ d: [Double]) -> [Double] {
            var s = [Double](repeating: 0, count: nb), s2 = s
            for (k, b) in binOf.enumerated() where b >= 0 { s[b] += d[k]; s2[b] += d[k] * d[k] }
            return (0..<nb).map { k -> Double in
                guard binCount[k] > 0 else { return 1 }
                let m1: Double = s[k] / binCount[k]
                return s2[k] / binCount[k] - m1 * m1
            }
        }
        func bTarget(_ a: Double, _ b: Double) -> Double {
            let vars = binVariances(deltas(a, b))
            var t = 0.0
            for k in 0..<nb where binCount[k] > 0 {
                let x = vars[k]
                t += ((0.5 - x) * (0.5 - x) + 1 / x - 1.25) * weights[k]
            }
            return t / max(totalWeight, 1e-300)
        }
        // Normal quantiles of the central region of the sorted deviations.
        let m = rows.count
        let lo = Int((normalCDF(-1.5) * Double(m) - 0.5).rounded(.up))
        let hi = Int((normalCDF(1.5) * Double(m) - 0.5).rounded(.up))
        let quantiles = (lo..<hi).map { inverseNormalCDF((Double($0) + 0.5) / Double(m)) }
        func refineA(_ a: Double, _ b: Double) -> Double {
            let y = Array(deltas(a, b).sorted()[lo..<hi])
            // least-squares slope of y on the quantiles (with intercept)
            let mx = quantiles.reduce(0, +) / Double(quantiles.count), my = y.reduce(0, +) / Double(y.count)
            var sxy = 0.0, sxx = 0.0
            for k in y.indices { sxy += (quantiles[k] - mx) * (y[k] - my); sxx += (quantiles[k] - mx) * (quantiles[k] - mx) }
            return a * sxy / max(sxx, 1e-300)
        }
        func refineB(_ a: Double, _ start: Double) -> Double {
            // DIALS minimises from the current b with a local (LBFGS) search, and the
            // target can have several minima: walk downhill from `start` in small
            // steps to bracket the nearest minimum, then golden section inside it.
            let step = 0.0005
            var x = max(0, start), fx = bTarget(a, x)
            var direction = bTarget(a, x + step) < fx ? 1.0 : -1.0
            if direction < 0 && (x - step < 0 || bTarget(a, x - step) >= fx) { direction = 0 }
            var l = max(0, x - step), r = x + step
            if direction != 0 {
                while true {
                    let next = x + direction * step
                    if next < 0 || next > 1 { break }
                    let fn = bTarget(a, next)
                    if fn >= fx { break }
                    x = next; fx = fn
                }
                l = max(0, x - step); r = x + step
            }
            let ratio = (5.0.squareRoot() - 1) / 2
            var c = r - ratio * (r - l), e = l + ratio * (r - l)
            var fc = bTarget(a, c), fe = bTarget(a, e)
            for _ in 0..<30 {
                if fc < fe { r = e; e = c; fe = fc; c = r - ratio * (r - l); fc = bTarget(a, c) }
                else { l = c; c = e; fc = fe; e = l + ratio * (r - l); fe = bTarget(a, e) }
            }
            return (l + r) / 2
        }
        guard hi > lo + 2, nb > 0 else { return nil }
        var a = 1.0, b = 0.02, previous: Double? = nil, converged = false
        for _ in 0..<20 {
            a = refineA(a, b)
            b = refineB(a, b)
            if let p = previous, p > 0, abs((p - a) / p) < 0.01 { converged = true; break }
            previous = a
        }
        if converged && a > 0.4 {
            a = refineA(a, b)
        } else {
            a = 1
            b = refineB(1, 0.02)
        }
        return ErrorModel(a: abs(a), b: abs(b))
    }

    /// DIALS' error-model binning: boundaries log-spaced from max(x) down to
    /// max(1, min x), each bin topped up to `minPerBin` members from the
    /// next-largest values; bins left with fewer than minPerBin − 5 are
    /// dropped (−1). Returns each value's bin.
    static func errorModelBins(_ x: [Double], bins nBins: Int) -> [Int] {
        let n = x.count
        guard n > 0, let xmax = x.max(), let xmin = x.min() else { return [] }
        let order = x.indices.sorted { x[$0] > x[$1] }
        let imin = max(1, xmin)
        let spacing = (log(xmax) - log(imin)) / Double(nBins)
        var bounds = [xmax] + (1...nBins).map { exp(log(xmax) - Double($0) * spacing) }
        bounds[nBins] = xmin - 0.01
        var required = 250
        if n > 100 * required { required = n / 100 }
        let minPerBin = min(required, Int(Double(n) / (3 * Double(nBins))))
        var binOf = [Int](repeating: -1, count: n)
        var cumulative = 0
        var counts = [Int](repeating: 0, count: nBins)
        for k in 0..<nBins {
            let hiB = bounds[k]
            var loB = bounds[k + 1]
            var inBin = x.indices.filter { x[$0] <= hiB && x[$0] > loB }
            if inBin.count < minPerBin, cumulative + minPerBin < n {
                loB = x[order[cumulative + minPerBin]]
                bounds[k + 1] = loB
                inBin = x.indices.filter { x[$0] <= hiB && x[$0] > loB }
            }
            for i in inBin { binOf[i] = k }
            counts[k] = inBin.count
            cumulative += inBin.count
        }
        // Drop sparse bins and renumber.
        var newIndex = [Int](repeating: -1, count: nBins), next = 0
        for k in 0..<nBins where counts[k] >= minPerBin - 5 { newIndex[k] = next; next += 1 }
        return binOf.map { $0 >= 0 ? newIndex[$0] : -1 }
    }
}

/// Φ(x), the standard normal cumulative distribution.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// Φ⁻¹(p) for 0 < p < 1: Acklam's rational approximation (relative error
/// 1.2e-9) polished by one Newton step on Φ.
func inverseNormalCDF(_ p: Double) -> Double {
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let pl = 0.02425
    var x: Double
    if p < pl {
        let q = (-2 * log(p)).squareRoot()
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else if p <= 1 - pl {
        let q = p - 0.5, r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    } else {
        let q = (-2 * log(1 - p)).squareRoot()
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let e = normalCDF(x) - p
    x -= e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    return x
}
