// NormalisedIntensities: observations normalised to E² in resolution bins and merged to unique P1 reflections (Friedel pairs together).
import MXSymmetry

/// Normalised intensities on the reduced (minimum) cell, merged in P 1 with
/// Friedel mates together (every Laue group contains −1).
///
/// Normalisation is isotropic: ⟨I⟩ is taken in `bins` equal-count shells of
/// d*² and interpolated linearly in d*² between shell centres, and
/// E² = I/⟨I⟩(d*²) (Wilson 1949; ε = 1 in P 1). DIALS' default `ml_aniso`
/// also fits an anisotropic B; for the correlation tests the two differ only
/// for strongly anisotropic data.
public struct NormalisedIntensities: Sendable {
    /// Unique reflections (Friedel-canonical index: the larger of h and −h).
    public var millers: [Miller]
    /// Inverse-variance mean E² of each unique reflection.
    public var e2: [Double]
    /// Variance of that mean.
    public var variance: [Double]
    /// E² of every observation of each unique reflection (for the identity CC).
    public var observations: [[Double]]
    /// Row of each unique reflection.
    public var index: [Miller: Int]
    /// Observations with E² above the Wilson-outlier limit, left out.
    public var wilsonOutliers: Int

    /// The Friedel-canonical form of `m`: the larger of h and −h.
    @inlinable public static func canonical(_ m: Miller) -> Miller { max(m, -m) }

    /// Normalises `observations` (Miller indices on `cell`) and merges them.
    /// Observations with E² ≥ `wilsonOutlierLimit` are dropped (dials.symmetry
    /// drops E² ≥ 16, "Wilson outliers").
    public init(_ observations: [IntensityObservation], cell: UnitCell, bins: Int = 20,
                wilsonOutlierLimit: Double = 16) {
        let s = observations.map { cell.oneOverDSquared($0.miller) }
        let order = s.indices.sorted { s[$0] < s[$1] }
        let nBins = max(1, min(bins, observations.count / 20))
        var centres: [Double] = [], means: [Double] = []
        for b in 0..<nBins {
            let lo = b * order.count / nBins, hi = (b + 1) * order.count / nBins
            guard hi > lo else { continue }
            var sumS = 0.0, sumI = 0.0
            for i in order[lo..<hi] { sumS += s[i]; sumI += observations[i].intensity }
            centres.append(sumS / Double(hi - lo))
            // A shell of noise can average ≤ 0; keep the scale positive.
            means.append(max(sumI / Double(hi - lo), 1e-6))
        }
        func meanIntensity(_ x: Double) -> Double {
            guard centres.count > 1 else { return means.first ?? 1 }
            if x <= centres[0] { return means[0] }
            if x >= centres[centres.count - 1] { return means[means.count - 1] }
            var j = 1
            while centres[j] < x { j += 1 }
            let t = (x - centres[j - 1]) / max(centres[j] - centres[j - 1], 1e-12)
            return means[j - 1] + t * (means[j] - means[j - 1])
        }
        var index: [Miller: Int] = [:]
        var millers: [Miller] = [], sumW: [Double] = [], sumWE: [Double] = [], obs: [[Double]] = []
        var outliers = 0
        for (i, o) in observations.enumerated() {
            let scale = meanIntensity(s[i])
            let e = o.intensity / scale, v = o.variance / (scale * scale)
            if e >= wilsonOutlierLimit { outliers += 1; continue }
            let key = Self.canonical(o.miller)
            let w = 1 / v
            if let j = index[key] {
                sumW[j] += w; sumWE[j] += w * e; obs[j].append(e)
            } else {
                index[key] = millers.count
                millers.append(key); sumW.append(w); sumWE.append(w * e); obs.append([e])
            }
        }
        self.millers = millers
        self.e2 = zip(sumWE, sumW).map { $0 / $1 }
        self.variance = sumW.map { 1 / $0 }
        self.observations = obs
        self.index = index
        self.wilsonOutliers = outliers
    }

    public var count: Int { millers.count }
}

/// Pearson correlation accumulated pair by pair.
struct CorrelationAccumulator {
    var n = 0
    var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
    /// Adds the pair in both orders, so the coefficient does not depend on
    /// which member is called x (each pair still counts once in `n`).
    mutating func addSymmetric(_ x: Double, _ y: Double) {
        n += 1
        sx += x + y; sy += x + y
        sxx += x * x + y * y; syy += x * x + y * y
        sxy += 2 * x * y
    }
    var coefficient: Double {
        guard n >= 2 else { return 0 }
        let m = Double(2 * n)
        let vx = sxx - sx * sx / m, vy = syy - sy * sy / m
        guard vx > 0, vy > 0 else { return 0 }
        return (sxy - sx * sy / m) / (vx * vy).squareRoot()
    }
}
