// FrenchWilson: posterior intensities and amplitudes from merged intensities (French & Wilson 1978, Acta A34, 517).
import Foundation
import MXSymmetry

/// French & Wilson's Bayesian treatment of weak and negative intensities:
/// a Wilson prior on the true intensity J (acentric p(J) = e^(−J/Σ)/Σ,
/// centric p(J) ∝ J^(−½) e^(−J/2Σ)), a Gaussian likelihood N(I; J, σ²), and
/// the posterior moments ⟨J⟩, σ_J, ⟨F⟩ = ⟨√J⟩, σ_F.
///
/// Completing the square, the posterior in u = J/σ is
/// ∝ u^k e^(−(u − h)²/2) on u ≥ 0, with k = 0 and h = I/σ − σ/Σ (acentric)
/// or k = −½ and h = I/σ − σ/(2Σ) (centric). The moments are integrated
/// numerically here (Simpson's rule after u = t², which removes the centric
/// u^(−½) singularity) for every h, rather than read from tables.
///
/// As DIALS 3.12 (`dials/algorithms/merging/french_wilson.py`) does, Σ comes
/// from resolution bins of equal count in d*³ (at most 60 bins, ≥ 20
/// reflections each), each bin's median/ln 2 (the median of an exponential
/// distribution is Σ·ln 2), interpolated linearly between bin centres and
/// held flat beyond; ε is not applied. Reflections with I/σ < −3.7, h < −4,
/// σ ≤ 0 or Σ = 0 are rejected.
public enum FrenchWilson {
    public struct Result: Sendable {
        public var intensities: [Double]
        public var intensitySigmas: [Double]
        public var amplitudes: [Double]
        public var amplitudeSigmas: [Double]
        /// False for rejected reflections (their values are 0).
        public var valid: [Bool]
    }

    /// Posterior moments in σ units for a given h: (⟨u⟩, sd(u), ⟨√u⟩, sd(√u)).
    /// J = σ⟨u⟩, σ_J = σ sd(u), F = √σ ⟨√u⟩, σ_F = √σ sd(√u).
    public static func posteriorMoments(h: Double, centric: Bool) -> (j: Double, sdJ: Double, f: Double, sdF: Double) {
        let lo = max(0, h - 14), hi = max(h, 0) + 14
        let t0 = lo.squareRoot(), t1 = hi.squareRoot()
        let n = 800
        let step = (t1 - t0) / Double(n)
        // M_a = ∫ 2 t^(2a+1) e^(−(t²−h)²/2) dt for a = k, k+½, k+1, k+2: the
        // powers of t are 1, 2, 3, 5 (acentric) or 0, 1, 2, 4 (centric), all
        // whole, so products rather than pow (which was most of `merge`'s time).
        var m = (0.0, 0.0, 0.0, 0.0)
        for i in 0...n {
            let t = t0 + Double(i) * step
            let weight = (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            let g = 2 * exp(-0.5 * (t * t - h) * (t * t - h))
            let t2 = t * t
            let tp = centric ? (1.0, t, t2, t2 * t2) : (t, t2, t2 * t, t2 * t2 * t)
            m.0 += weight * tp.0 * g; m.1 += weight * tp.1 * g
            m.2 += weight * tp.2 * g; m.3 += weight * tp.3 * g
        }
        let eU = m.2 / m.0, eU2 = m.3 / m.0, eSqrtU = m.1 / m.0
        return (eU, max(0, eU2 - eU * eU).squareRoot(), eSqrtU, max(0, eU - eSqrtU * eSqrtU).squareRoot())
    }

    /// Expected intensity Σ for each reflection (see the type's comment).
    public static func expectedIntensities(dStarCubed x: [Double], intensities: [Double],
                                           maxBins: Int = 60, minBinSize: Int = 20) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        let perBin = max(n / maxBins, minBinSize)
        let bins = max(1, n / perBin)
        let order = x.indices.sorted { x[$0] < x[$1] }
        let sorted = order.map { x[$0] }
        // Edges at equally spaced positions of the sorted values (linear interpolation, as numpy.interp).
        let edges: [Double] = (0...bins).map { b in
            let pos = Double(b) * Double(n) / Double(bins)
            let i = min(Int(pos), n - 1), f = pos - Double(i)
            return i + 1 < n ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[n - 1]
        }
        var members = [[Double]](repeating: [], count: bins)
        for i in 0..<n {
            // scipy's binned_statistic: [edge_b, edge_b+1), the last bin closed.
            var b = 0
            var lo = 0, hi = bins
            while hi - lo > 1 { let mid = (lo + hi) / 2; if edges[mid] <= x[i] { lo = mid } else { hi = mid } }
            b = lo
            members[b].append(intensities[i])
        }
        var centres: [Double] = [], values: [Double] = []
        for b in 0..<bins where !members[b].isEmpty {
            let s = members[b].sorted()
            let c = s.count
            let median = c % 2 == 1 ? s[c / 2] : 0.5 * (s[c / 2 - 1] + s[c / 2])
            centres.append(0.5 * (edges[b] + edges[b + 1]))
            values.append(median / log(2.0))
        }
        return x.map { v in
            if v <= centres[0] { return values[0] }
            if v >= centres[centres.count - 1] { return values[values.count - 1] }
            var j = 1
            while centres[j] < v { j += 1 }
            let f = (v - centres[j - 1]) / (centres[j] - centres[j - 1])
            return values[j - 1] * (1 - f) + values[j] * f
        }
    }

    /// Converts merged intensities (one per unique reflection, or per I(+)/I(−)).
    public static func convert(intensities: [Double], sigmas: [Double], indices: [Miller],
                               spaceGroup: SpaceGroup, unitCell: UnitCell) -> Result {
        let n = intensities.count
        let x = indices.map { pow(unitCell.oneOverDSquared($0), 1.5) }
        let expected = expectedIntensities(dStarCubed: x, intensities: intensities)
        var out = Result(intensities: .init(repeating: 0, count: n), intensitySigmas: .init(repeating: 0, count: n),
                         amplitudes: .init(repeating: 0, count: n), amplitudeSigmas: .init(repeating: 0, count: n),
                         valid: .init(repeating: false, count: n))
        var centricCache: [Miller: Bool] = [:]
        for i in 0..<n {
            let s = sigmas[i], e = expected[i]
            guard s > 0, e != 0 else { continue }
            let centric: Bool
            if let c = centricCache[indices[i]] { centric = c } else {
                centric = spaceGroup.isCentric(indices[i]); centricCache[indices[i]] = centric
            }
            let h = intensities[i] / s - abs(s / ((centric ? 2 : 1) * e))
            guard intensities[i] / s >= -3.7, h >= -4 else { continue }
            let p = posteriorMoments(h: h, centric: centric)
            out.intensities[i] = p.j * s
            out.intensitySigmas[i] = p.sdJ * s
            out.amplitudes[i] = p.f * s.squareRoot()
            out.amplitudeSigmas[i] = p.sdF * s.squareRoot()
            out.valid[i] = true
        }
        return out
    }
}
