// MergingStatistics: the merging-statistics table (overall, per resolution shell) of scaled unmerged intensities.
import MXMath
import Foundation
import MXSymmetry

/// Statistics of one set of observations (a shell or all data), defined as
/// iotbx's `merging_statistics` defines them (DIALS prints those):
/// - Rmerge = Σ_h Σ_i |I_hi − ⟨I_h⟩| / Σ_h Σ_i I_hi, Rmeas with √(n/(n−1)),
///   Rpim with √(1/(n−1)) in the numerator; sums over reflections with n ≥ 2,
///   ⟨I_h⟩ the inverse-variance weighted mean (Weiss 2001; Diederichs & Karplus 1997).
/// - ⟨I/σ⟩ = mean over merged reflections of ⟨I⟩/σ(⟨I⟩).
/// - CC½: Pearson CC of the weighted means of two random halves of each
///   reflection's observations (n ≥ 2; Karplus & Diederichs 2012), or by
///   the σ-τ method (Assmann et al. 2016, J. Appl. Cryst. 49, 1021):
///   CC½ = (σ²_y − σ²_ε)/(σ²_y + σ²_ε), σ²_y the variance of the unweighted
///   means, σ²_ε the mean of max(s²/n, 1/n).
/// - CCano: CC of ΔI = I(+) − I(−) between two random half datasets (unweighted halves).
/// - completeness against `CompleteSet` in the shell's d range.
public struct ShellStatistics: Sendable, Equatable {
    public var dMax: Double
    public var dMin: Double
    public var observations: Int
    public var unique: Int
    public var possible: Int
    public var multiplicity: Double
    public var completeness: Double
    public var meanIntensity: Double
    public var meanIOverSigma: Double
    public var rMerge: Double
    public var rMeas: Double
    public var rPim: Double
    public var ccHalf: Double
    /// Number of reflections CC½ was computed over (n ≥ 2).
    public var ccHalfCount: Int
    public var ccAnomalous: Double
    /// Acentric reflections with two or more observations of each hand, over which CCano was computed
    /// (0: CCano unavailable, e.g. P1 from one sweep).
    public var ccAnomalousCount: Int
    public var anomalousPairs: Int
    public var anomalousCompleteness: Double
    public var anomalousMultiplicity: Double
}

/// Which CC½ estimator to report.
public enum CCHalfMethod: String, Sendable, CaseIterable {
    case halfDataset = "half_dataset"
    case sigmaTau = "sigma_tau"
}

/// The statistics table: overall, and per resolution shell (lowest
/// resolution first). The first and last shells are the "low resolution"
/// and "high resolution" columns of DIALS' summary.
public struct MergingStatistics: Sendable {
    public var overall: ShellStatistics
    public var shells: [ShellStatistics]
    public var binning: ResolutionBinning
    public var innerShell: ShellStatistics { shells[0] }
    public var outerShell: ShellStatistics { shells[shells.count - 1] }

    /// - Parameters:
    ///   - bins: number of shells (DIALS: 20).
    ///   - anomalous: keep I(+)/I(−) apart when merging for the main
    ///     statistics (DIALS' table uses false; CCano and the anomalous
    ///     completeness are computed from the anomalous merge either way).
    ///   - seed: seed of the random half-dataset split, so results repeat.
    ///   - excludeAbsences: drop systematically absent observations first.
    public init(_ data: UnmergedIntensities, bins: Int = 20, binningMethod: ResolutionBinning.Method = .volume,
                anomalous: Bool = false, ccHalfMethod: CCHalfMethod = .halfDataset, seed: UInt64 = 0,
                excludeAbsences: Bool = false) {
        // σ ≤ 0 is excluded; systematic absences only on request (DIALS keeps
        // them in its table: they count as observed, while the complete set
        // that completeness is measured against has none).
        let keep = (0..<data.count).map {
            data.sigmas[$0] > 0 && !(excludeAbsences && data.spaceGroup.isSystematicallyAbsent(data.indices[$0]))
        }
        let obs = data.selecting(keep)
        let s = obs.indices.map { obs.unitCell.oneOverDSquared($0) }
        let binning = ResolutionBinning(dStarSquared: s.isEmpty ? [1] : s, bins: bins, method: binningMethod)
        self.binning = binning
        let binOf = s.map { binning.bin(of: $0) ?? 0 }
        var shells: [ShellStatistics] = []
        for b in 0..<binning.count {
            let r = binning.dRange(b)
            shells.append(Self.statistics(obs.selecting(binOf.map { $0 == b }), dMax: r.dMax, dMin: r.dMin,
                                          anomalous: anomalous, method: ccHalfMethod, seed: seed &+ UInt64(b)))
        }
        let all = binning.dRange(0).dMax
        // The overall CC½ is computed over all data, as the table DIALS prints
        // (iotbx's `cc_one_half_overall`, a count-weighted mean of the shells, is not what it shows).
        overall = Self.statistics(obs, dMax: all, dMin: binning.dRange(binning.count - 1).dMin,
                                  anomalous: anomalous, method: ccHalfMethod, seed: seed)
        self.shells = shells
    }

    /// Statistics of one set of observations spanning [dMin, dMax].
    public static func statistics(_ obs: UnmergedIntensities, dMax: Double, dMin: Double, anomalous: Bool,
                                  method: CCHalfMethod, seed: UInt64) -> ShellStatistics {
        var rng = SplitMix64(seed: seed)
        let groups = obs.groups(anomalous: anomalous)
        var rNum = 0.0, rDen = 0.0, measNum = 0.0, pimNum = 0.0
        var sumIOverSigma = 0.0, sumI = 0.0
        var halves1: [Double] = [], halves2: [Double] = []
        var tauMeans: [Double] = [], tauErrors: [Double] = []
        for (_, members) in groups {
            let n = members.count
            var sw = 0.0, swi = 0.0
            for i in members {
                let w = 1 / (obs.sigmas[i] * obs.sigmas[i])
                sw += w; swi += w * obs.intensities[i]
            }
            let mean = swi / sw
            sumI += mean
            sumIOverSigma += mean * sw.squareRoot()
            guard n >= 2 else { continue }
            var dev = 0.0, total = 0.0
            for i in members { dev += abs(obs.intensities[i] - mean); total += obs.intensities[i] }
            rNum += dev; rDen += total
            measNum += (Double(n) / Double(n - 1)).squareRoot() * dev
            pimNum += (1 / Double(n - 1)).squareRoot() * dev
            let split = randomHalves(members.map { obs.intensities[$0] }, weights: members.map {
                1 / (obs.sigmas[$0] * obs.sigmas[$0]) }, rng: &rng)
            halves1.append(split.0); halves2.append(split.1)
            let values = members.map { obs.intensities[$0] }
            let u = values.reduce(0, +) / Double(n)
            let s2 = values.reduce(0) { $0 + ($1 - u) * ($1 - u) } / Double(n - 1)
            tauMeans.append(u)
            tauErrors.append(max(s2 / Double(n), 1 / Double(n)))
        }
        let unique = groups.count
        let ccHalf: Double
        switch method {
        case .halfDataset: ccHalf = pearson(halves1, halves2) ?? 0
        case .sigmaTau:
            if tauMeans.count > 1 {
                let m = tauMeans.reduce(0, +) / Double(tauMeans.count)
                let varY = tauMeans.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(tauMeans.count - 1)
                let varE = tauErrors.reduce(0, +) / Double(tauErrors.count)
                ccHalf = (varY - varE) / (varY + varE)
            } else { ccHalf = 0 }
        }
        // Anomalous: from the merge that keeps I(+) and I(−) apart.
        let anomalousGroups = anomalous ? groups : obs.groups(anomalous: true)
        var plus: [Miller: [Int]] = [:], minus: [Miller: [Int]] = [:]
        for (key, members) in anomalousGroups {
            if key.isPlus { plus[key.index] = members } else { minus[key.index] = members }
        }
        var dano1: [Double] = [], dano2: [Double] = []
        var anomalousRng = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var pairs = 0
        for m in minus.keys.sorted() {
            guard let p = plus[m], let q = minus[m] else { continue }
            pairs += 1
            guard p.count >= 2, q.count >= 2 else { continue }
            let sp = randomHalves(p.map { obs.intensities[$0] }, weights: nil, rng: &anomalousRng)
            let sm = randomHalves(q.map { obs.intensities[$0] }, weights: nil, rng: &anomalousRng)
            dano1.append(sp.0 - sm.0); dano2.append(sp.1 - sm.1)
        }
        // iotbx builds the expected set with `complete_set()` of the merged
        // data, which stops at the highest resolution actually observed in
        // the shell, and then cuts it to the shell's range: sparse outer
        // shells are measured against that narrower range. Done alike here.
        let observedDMin = obs.indices.map { obs.unitCell.dSpacing($0) }.min() ?? dMin
        let expected = CompleteSet.indices(spaceGroup: obs.spaceGroup, unitCell: obs.unitCell,
                                           dMin: max(dMin, observedDMin), dMax: dMax)
        let possible = expected.count
        let possibleAcentric = expected.filter { !obs.spaceGroup.isCentric($0) }.count
        return ShellStatistics(
            dMax: dMax, dMin: dMin, observations: obs.count, unique: unique, possible: possible,
            multiplicity: unique > 0 ? Double(obs.count) / Double(unique) : 0,
            completeness: possible > 0 ? min(1, Double(Set(groups.map(\.key.index)).count) / Double(possible)) : 0,
            meanIntensity: unique > 0 ? sumI / Double(unique) : 0,
            meanIOverSigma: unique > 0 ? sumIOverSigma / Double(unique) : 0,
            rMerge: rDen != 0 ? rNum / rDen : 0, rMeas: rDen != 0 ? measNum / rDen : 0,
            rPim: rDen != 0 ? pimNum / rDen : 0,
            ccHalf: ccHalf, ccHalfCount: halves1.count,
            ccAnomalous: pearson(dano1, dano2) ?? 0, ccAnomalousCount: dano1.count, anomalousPairs: pairs,
            anomalousCompleteness: possibleAcentric > 0 ? min(1, Double(pairs) / Double(possibleAcentric)) : 0,
            anomalousMultiplicity: anomalousGroups.isEmpty ? 0 : Double(obs.count) / Double(anomalousGroups.count))
    }

    /// Weighted means of two random halves of `values` (cctbx `split_unmerged`):
    /// ⌊n/2⌋ go to the first half, one more with probability ½ when n is odd.
    static func randomHalves(_ values: [Double], weights: [Double]?, rng: inout SplitMix64) -> (Double, Double) {
        var v = values, w = weights ?? [Double](repeating: 1, count: values.count)
        let n = v.count
        var first = n / 2
        if 2 * first != n && rng.nextDouble() < 0.5 { first += 1 }
        for i in 0..<first {
            let j = i + min(n - i - 1, Int(rng.nextDouble() * Double(n - i)))
            v.swapAt(i, j); w.swapAt(i, j)
        }
        func mean(_ r: Range<Int>) -> Double {
            var sw = 0.0, swv = 0.0
            for i in r { sw += w[i]; swv += w[i] * v[i] }
            return swv / sw
        }
        return (mean(0..<first), mean(first..<n))
    }

    /// Pearson's correlation coefficient, nil with fewer than 2 pairs or no variance.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        guard x.count >= 2, x.count == y.count else { return nil }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<x.count {
            sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }
}


