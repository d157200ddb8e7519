// ScalingOutliers: rejection of observations that disagree with the other members of their symmetry-equivalent group.

/// Outlier rejection as DIALS' `standard` method (zmax 6): within each group
/// of three or more equivalents, the observation whose normalised deviation
/// from the weighted mean of the *others*,
///   z = (I − g·Ĩ₋) / sqrt(σ² + g²·var(Ĩ₋)),  Ĩ₋ = Σ_{j≠i} w g I / Σ_{j≠i} w g²,
/// is largest is rejected when |z| > zMax, and the test is repeated on the
/// rest until no observation exceeds it.
public enum ScalingOutliers {
    /// True for each observation found to be an outlier. `use[i]` false
    /// leaves an observation out of the test (and never flags it).
    public static func find(intensities: [Double], variances: [Double], inverseScales g: [Double],
                            group: [Int], groupCount: Int, use: [Bool], zMax: Double = 6) -> [Bool] {
        var outlier = [Bool](repeating: false, count: intensities.count)
        var members = [[Int]](repeating: [], count: groupCount)
        for i in intensities.indices where use[i] && group[i] >= 0 && variances[i] > 0 && g[i] > 0 {
            members[group[i]].append(i)
        }
        for var m in members where m.count >= 3 {
            while m.count >= 3 {
                var swgi = 0.0, swgg = 0.0
                for i in m { let w = 1 / variances[i]; swgi += w * g[i] * intensities[i]; swgg += w * g[i] * g[i] }
                var worst = -1, worstZ = zMax
                for (k, i) in m.enumerated() {
                    let w = 1 / variances[i]
                    let num = swgi - w * g[i] * intensities[i], den = swgg - w * g[i] * g[i]
                    guard den > 0 else { continue }
                    let others = num / den
                    let z = abs(intensities[i] - g[i] * others) / (variances[i] + g[i] * g[i] / den).squareRoot()
                    if z > worstZ { worstZ = z; worst = k }
                }
                if worst < 0 { break }
                outlier[m[worst]] = true
                m.remove(at: worst)
            }
        }
        return outlier
    }
}
