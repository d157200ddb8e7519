// OutlierRejection: Tukey fences on normalised centroid residuals, per experiment.
import MXMath

/// Tukey's rule (DIALS `outlier.algorithm=tukey`) applied to the normalised
/// residuals (residual/σ) in x, y and φ separately, per experiment: a
/// reflection is an outlier when any of its three lies outside
/// [Q1 − k·IQR, Q3 + k·IQR]. DIALS' default for scans (`auto`) is the
/// minimum covariance determinant on the three residuals together; Tukey
/// is the documented alternative used here.
enum TukeyOutliers {
    /// Indices (into `residuals`) to reject. `residuals[i]` is the normalised
    /// (x, y, φ) residual of reflection i, `groups[i]` its experiment.
    static func outliers(residuals: [Vec3], groups: [Int], multiplier k: Double) -> Set<Int> {
        var byGroup: [Int: [Int]] = [:]
        for (i, g) in groups.enumerated() { byGroup[g, default: []].append(i) }
        var out = Set<Int>()
        for (_, members) in byGroup where members.count >= 4 {
            for axis in 0..<3 {
                let values = members.map { residuals[$0][axis] }
                guard let q1 = Statistics.quantile(values, 0.25), let q3 = Statistics.quantile(values, 0.75) else { continue }
                let iqr = q3 - q1
                let lo = q1 - k * iqr, hi = q3 + k * iqr
                for i in members where residuals[i][axis] < lo || residuals[i][axis] > hi { out.insert(i) }
            }
        }
        return out
    }
}
