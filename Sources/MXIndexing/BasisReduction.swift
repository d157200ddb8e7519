// BasisReduction: the reduced (Buerger/Niggli-sign) basis of a lattice given by any three real-space vectors.
import Foundation
import MXMath
import MXModel
import MXSymmetry

/// Reduction of a real-space basis to the shortest three non-coplanar
/// lattice vectors (a Buerger cell), with signs chosen as in Niggli's
/// convention: all angles acute (type I) when the product of the three
/// cosines is positive, otherwise all non-acute (type II), keeping the basis
/// right-handed. The greedy reduction used here is optimal in three
/// dimensions (Nguyen & Stehlé 2009, "Low-dimensional lattice basis
/// reduction revisited", ACM TALG 5:46). It brings the long, skewed bases
/// of FFT peaks near reduction cheaply; `niggli` then applies MXSymmetry's
/// Křivý–Gruber reduction with its boundary conditions.
public enum BasisReduction {
    /// The reduced basis and the integer matrix M with reduced rows = M · input rows.
    public static func reduce(_ a: Vec3, _ b: Vec3, _ c: Vec3) -> (basis: (Vec3, Vec3, Vec3), transform: [[Int]]) {
        var v = [a, b, c]
        var m: [[Int]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        func sub(_ i: Int, _ j: Int, _ k: Int) {  // v[i] -= k·v[j]
            guard k != 0 else { return }
            v[i] = v[i] - v[j] * Double(k)
            for t in 0..<3 { m[i][t] -= k * m[j][t] }
        }
        for _ in 0..<100 {
            // Sort by length.
            let order = (0..<3).sorted { v[$0].lengthSquared < v[$1].lengthSquared }
            v = order.map { v[$0] }; m = order.map { m[$0] }
            // Gauss-reduce v1 against v0.
            sub(1, 0, Int((v[1].dot(v[0]) / v[0].lengthSquared).rounded()))
            if v[1].lengthSquared < v[0].lengthSquared { continue }
            // Closest point to v2 in the plane lattice of (v0, v1): project, then
            // try the four integer neighbours of the real coefficients.
            let g00 = v[0].lengthSquared, g01 = v[0].dot(v[1]), g11 = v[1].lengthSquared
            let r0 = v[2].dot(v[0]), r1 = v[2].dot(v[1])
            let det = g00 * g11 - g01 * g01
            let x0 = (r0 * g11 - r1 * g01) / det, x1 = (r1 * g00 - r0 * g01) / det
            var best = (0, 0), bestLength = v[2].lengthSquared
            for k0 in [Int(x0.rounded(.down)), Int(x0.rounded(.up))] {
                for k1 in [Int(x1.rounded(.down)), Int(x1.rounded(.up))] {
                    let l = (v[2] - v[0] * Double(k0) - v[1] * Double(k1)).lengthSquared
                    if l < bestLength - 1e-12 { bestLength = l; best = (k0, k1) }
                }
            }
            if best == (0, 0) { break }
            sub(2, 0, best.0); sub(2, 1, best.1)
        }
        // Niggli signs: flip pairs (keeps handedness) to reach all-acute or all-obtuse.
        if v[0].dot(v[1].cross(v[2])) < 0 {
            v = v.map { -$0 }; m = m.map { $0.map { -$0 } }
        }
        let eps = 1e-9
        let cosProduct = v[1].dot(v[2]) * v[0].dot(v[2]) * v[0].dot(v[1])
        let wantPositive = cosProduct > eps * v[0].lengthSquared * v[1].lengthSquared * v[2].lengthSquared
        func flip(_ i: Int) { v[i] = -v[i]; m[i] = m[i].map { -$0 } }
        // Flipping vectors x and y negates the dots b·c, a·c, a·b that do not
        // pair x with y (dot k is the one not involving vector k): dots x and y.
        let scale = [v[1].length * v[2].length, v[0].length * v[2].length, v[0].length * v[1].length]
        let dots = [v[1].dot(v[2]), v[0].dot(v[2]), v[0].dot(v[1])]
        let isZero = (0..<3).map { abs(dots[$0]) <= 1e-9 * scale[$0] }
        let wrong = (0..<3).filter { !isZero[$0] && (wantPositive ? dots[$0] < 0 : dots[$0] > 0) }
        if wrong.count == 2 {
            flip(wrong[0]); flip(wrong[1])
        } else if wrong.count == 1, let z = (0..<3).first(where: { isZero[$0] }) {
            flip(wrong[0]); flip(z)
        }
        return ((v[0], v[1], v[2]), m)
    }

    /// The setting of the Niggli cell of the lattice of `setting` (unchanged
    /// when the reduction fails, which happens only for degenerate cells).
    public static func niggli(_ setting: Mat3) -> Mat3 {
        guard let crystal = Crystal(A: setting), let cell = try? UnitCell(crystal: crystal),
              let reduction = try? cell.niggliReduction(),
              let reduced = try? crystal.changedBasis(reduction.changeOfBasis) else { return setting }
        return reduced.A
    }
}
