// CompleteSet: every unique reflection of a space group and cell to a resolution limit, absences excluded.
import MXSymmetry

/// The complete set of unique reflections (one per orbit in CCP4's
/// reciprocal ASU, (0,0,0) and systematic absences excluded) with
/// d_max ≥ d ≥ d_min, as cctbx's `build_set(..., anomalous_flag)` gives
/// it: with `anomalous`, acentric reflections count twice (h and −h).
public enum CompleteSet {
    /// The unique indices in the ASU (I(+) only) with d in [dMin, dMax].
    public static func indices(spaceGroup: SpaceGroup, unitCell: UnitCell, dMin: Double,
                               dMax: Double = .infinity) -> [Miller] {
        // |h| = |r·a| ≤ a·|r| ≤ a/d_min bounds each index (r = reciprocal vector, |r| ≤ 1/d_min).
        let hmax = Int(unitCell.a / dMin) + 1, kmax = Int(unitCell.b / dMin) + 1, lmax = Int(unitCell.c / dMin) + 1
        let sMax = 1 / (dMin * dMin) * (1 + 1e-12)
        let sMin = dMax.isFinite ? 1 / (dMax * dMax) * (1 - 1e-12) : 0
        var out: [Miller] = []
        for h in -hmax...hmax {
            for k in -kmax...kmax {
                for l in -lmax...lmax {
                    let m = Miller(h, k, l)
                    if m.isZero { continue }
                    let s = unitCell.oneOverDSquared(m)
                    if s > sMax || s < sMin { continue }
                    if !spaceGroup.isInAsymmetricUnit(m) || spaceGroup.isSystematicallyAbsent(m) { continue }
                    out.append(m)
                }
            }
        }
        return out
    }

    /// Number of unique reflections, counting Friedel mates of acentric ones separately when `anomalous`.
    public static func count(spaceGroup: SpaceGroup, unitCell: UnitCell, dMin: Double, dMax: Double = .infinity,
                             anomalous: Bool = false) -> Int {
        let set = indices(spaceGroup: spaceGroup, unitCell: unitCell, dMin: dMin, dMax: dMax)
        return anomalous ? set.reduce(0) { $0 + (spaceGroup.isCentric($1) ? 1 : 2) } : set.count
    }
}
