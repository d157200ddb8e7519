// MillerIndexGenerator: every Miller index within a resolution shell of a cell.
import MXMath
import MXSymmetry

/// Enumerates the indices h ≠ 0 with d_max ≥ d(h) ≥ d_min for a reciprocal
/// metric G* (1/d² = hᵀG*h). The loops are bounded by the ellipsoid itself:
/// |h| ≤ a·d*_max (since h = a·r), the k range for each h likewise from the
/// 2-D section, and for each (h, k) the l range solves the quadratic in l,
/// so no index outside the sphere is visited beyond one per row.
public struct MillerIndexGenerator: Sendable {
    public let reciprocalMetric: Mat3
    public let dMin: Double
    public let dMax: Double
    public let spaceGroup: SpaceGroup?
    /// Whether only the centring absences of `spaceGroup` are left out.
    public let centringOnly: Bool

    /// - Parameters:
    ///   - cell: unit cell giving G*.
    ///   - dMin: high-resolution limit (Å).
    ///   - dMax: low-resolution limit (Å), +∞ for none.
    ///   - skipAbsencesOf: when given, systematic absences of this group are left out.
    ///   - centringOnly: leave out only the absences of its lattice centring.
    public init(cell: UnitCell, dMin: Double, dMax: Double = .infinity, skipAbsencesOf spaceGroup: SpaceGroup? = nil,
                centringOnly: Bool = false) {
        self.reciprocalMetric = cell.reciprocalMetricTensor
        self.dMin = dMin; self.dMax = dMax; self.spaceGroup = spaceGroup; self.centringOnly = centringOnly
    }

    /// All indices in the shell, h-major order.
    public func indices() -> [Miller] {
        var out: [Miller] = []
        forEach { out.append($0) }
        return out
    }

    /// Calls `body` for each index in the shell.
    public func forEach(_ body: (Miller) -> Void) {
        let g = reciprocalMetric
        let sMax2 = 1 / (dMin * dMin)
        let sMin2 = dMax.isFinite ? 1 / (dMax * dMax) : 0
        // The extent of the ellipsoid hᵀG*h ≤ s² along h is s·√((G*⁻¹)₁₁) = s·|a|.
        guard let gInv = g.inverse else { return }
        let hMax = Int((sMax2 * gInv[0, 0]).squareRoot().rounded(.down))
        let g11 = g[0, 0], g22 = g[1, 1], g33 = g[2, 2], g12 = g[0, 1], g13 = g[0, 2], g23 = g[1, 2]
        // 2-D section for fixed h: minimise over l first, then the (k) quadratic.
        // q(h,k,l) = g33 l² + 2 l (g13 h + g23 k) + (g11 h² + g22 k² + 2 g12 h k);
        // min over l gives q' = c0(h,k) − (g13 h + g23 k)²/g33, itself a quadratic in k.
        let ak = g22 - g23 * g23 / g33
        for h in -hMax...hMax {
            let hd = Double(h)
            let bk = 2 * (g12 * hd - g13 * g23 * hd / g33)
            let ck = g11 * hd * hd - g13 * g13 * hd * hd / g33 - sMax2
            let discK = bk * bk - 4 * ak * ck
            guard discK >= 0 else { continue }
            let rk = discK.squareRoot()
            let k0 = Int(((-bk - rk) / (2 * ak)).rounded(.up)), k1 = Int(((-bk + rk) / (2 * ak)).rounded(.down))
            guard k0 <= k1 else { continue }
            for k in k0...k1 {
                let kd = Double(k)
                let bl = 2 * (g13 * hd + g23 * kd)
                let c0 = g11 * hd * hd + g22 * kd * kd + 2 * g12 * hd * kd
                let disc = bl * bl - 4 * g33 * (c0 - sMax2)
                guard disc >= 0 else { continue }
                let r = disc.squareRoot()
                let l0 = Int(((-bl - r) / (2 * g33)).rounded(.up)), l1 = Int(((-bl + r) / (2 * g33)).rounded(.down))
                guard l0 <= l1 else { continue }
                for l in l0...l1 {
                    if h == 0 && k == 0 && l == 0 { continue }
                    let ld = Double(l)
                    let q = c0 + ld * (bl + g33 * ld)
                    guard q <= sMax2, q >= sMin2 else { continue }
                    let m = Miller(h, k, l)
                    if let sg = spaceGroup,
                       centringOnly ? sg.isCentringAbsent(m) : sg.isSystematicallyAbsent(m) { continue }
                    body(m)
                }
            }
        }
    }
}
