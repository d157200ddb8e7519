// SuperCell: whether the indexed Miller indices of a cell fill only a sublattice of its nodes.

import MXMath
import MXModel

/// A candidate cell p times the true one (p prime) indexes spots only at the
/// nodes with v·h ≡ 0 (mod p) for some v: those nodes form a lattice of
/// index p in Z³, the true reciprocal lattice. A primitive cell of a real
/// crystal has no such rule (centring rules belong to non-primitive cells,
/// screw-axis absences touch only axial rows), so most of its indexed points
/// obeying one (a random rule holds for 1/p of them) is the sign of a
/// supercell, such as two domains a few degrees apart make fit well: the
/// other domain's spots, indexed at stray nodes, keep the fraction near 95 %.
/// The caller keeps the smaller cell only if it indexes at least as many
/// points: a real superstructure (a translational pseudo-symmetry) has spots
/// on the sparse nodes, which the smaller cell cannot index.
public enum SuperCell {
    /// Fraction of the indexed points that must obey the rule.
    public static let minimumFraction = 0.9
    /// Fewest indexed points for the test.
    public static let minimumPoints = 50
    /// The multiples looked for (a multiple 4 or 6 is found in two steps).
    public static let primes: [Int32] = [2, 3]

    /// A rule v·h ≡ 0 (mod p) and the basis of the nodes that obey it.
    public struct Rule: Sendable {
        public let v: [Int32], p: Int32
        /// Columns, in the candidate's hkl: a setting A becomes A·basis, the
        /// same filled nodes without the empty ones.
        public let basis: Mat3
        public func obeys(_ m: MillerIndex) -> Bool { (v[0] * m.h + v[1] * m.k + v[2] * m.l) % p == 0 }
    }

    /// The rule of prime index that at least `minimumFraction` of `hkl` obey, or nil.
    public static func sublattice(of hkl: [MillerIndex]) -> Rule? {
        guard hkl.count >= minimumPoints else { return nil }
        var best: (fraction: Double, v: [Int32], p: Int32)?
        for p in primes {
            for v in ruleVectors(p) {
                var obeying = 0
                for m in hkl where (v[0] * m.h + v[1] * m.k + v[2] * m.l) % p == 0 { obeying += 1 }
                let f = Double(obeying) / Double(hkl.count)
                if f >= minimumFraction, f > (best?.fraction ?? 0) { best = (f, v, p) }
            }
        }
        guard let (_, v, p) = best else { return nil }
        // Columns: p·e_i for the first axis with v_i = 1, and e_j − v_j·e_i for the other two
        // (each obeys the rule; together they span its whole lattice: determinant p).
        let i = v.firstIndex(of: 1)!
        var columns: [Vec3] = []
        for j in 0..<3 {
            var c = [0.0, 0.0, 0.0]
            if j == i { c[i] = Double(p) } else { c[j] = 1; c[i] = -Double(v[j]) }
            columns.append(Vec3(c[0], c[1], c[2]))
        }
        return Rule(v: v, p: p, basis: Mat3(columns: columns[0], columns[1], columns[2]))
    }

    /// One v per rule: the nonzero vectors of (Z/p)³ whose first nonzero entry is 1.
    static func ruleVectors(_ p: Int32) -> [[Int32]] {
        var out: [[Int32]] = []
        for a in 0..<p { for b in 0..<p { for c in 0..<p {
            let v = [a, b, c]
            if let first = v.first(where: { $0 != 0 }), first == 1 { out.append(v) }
        } } }
        return out
    }
}
