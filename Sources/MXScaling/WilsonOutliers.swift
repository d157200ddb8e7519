// WilsonOutliers: removes observations whose normalised intensity E² is implausibly large for Wilson statistics.
extension UnmergedIntensities {
    /// The observations with E² < emax², where E² = I / (ε ⟨I/ε⟩_shell) over
    /// 10, 15 or 20 shells of equal width in d*² (more shells above 15 000 and
    /// 20 000 observations), negative intensities counted as 0 in the means —
    /// DIALS' `quasi_normalisation` (dials/util/normalisation.py), applied by
    /// dials.estimate_resolution with emax = 4. Returns the kept data and how
    /// many were removed.
    public func removingWilsonOutliers(emax: Double = 4) -> (data: UnmergedIntensities, removed: Int) {
        guard count > 0 else { return (self, 0) }
        let s = indices.map { unitCell.oneOverDSquared($0) }
        let shells = count > 20000 ? 20 : (count > 15000 ? 15 : 10)
        var lo = s.min()!, hi = s.max()!
        let span = hi - lo
        lo -= span * 1e-6; hi += span * 1e-6
        let step = (hi - lo) / Double(shells)
        let eps = indices.map { Double(spaceGroup.epsilon($0)) }
        let bin = s.map { min(shells - 1, max(0, Int(($0 - lo) / step))) }
        var sum = [Double](repeating: 0, count: shells), n = [Int](repeating: 0, count: shells)
        for i in 0..<count {
            sum[bin[i]] += max(0, intensities[i]) / eps[i]
            n[bin[i]] += 1
        }
        let cutoff = emax * emax
        let keep = (0..<count).map { i -> Bool in
            let mean = n[bin[i]] > 0 ? sum[bin[i]] / Double(n[bin[i]]) : 0
            guard mean > 0 else { return true }
            return max(0, intensities[i]) / (eps[i] * mean) < cutoff
        }
        return (selecting(keep), keep.filter { !$0 }.count)
    }
}
