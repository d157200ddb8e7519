// UserCell: a lattice re-expressed in the user's unit cell or in its space group's conventional cell.
import Foundation
import MXMath
import MXModel
import MXSymmetry

/// Matching a found lattice to the cell the user gave (`unit_cell=`): the
/// new basis is M·(a, b, c) for an integer M with entries in {−1, 0, 1} and
/// det 1–4 (primitive to P, C/I, R(hex), F), accepted within DIALS'
/// known-symmetry tolerances (relative length 0.1, angle 5°).
public enum UserCell {
    static let transforms: [Mat3] = {
        var out: [Mat3] = []
        var e = [Double](repeating: 0, count: 9)
        for code in 0..<19683 {
            var c = code
            for i in 0..<9 { e[i] = Double(c % 3 - 1); c /= 3 }
            let m = Mat3(e)
            let d = m.determinant
            if d > 0.5 && d < 4.5 { out.append(m) }
        }
        return out
    }()

    /// The setting A for the basis closest to `cell` (a, b, c, α, β, γ), or nil.
    public static func match(setting: Mat3, cell: [Double], lengthTolerance: Double = 0.1,
                             angleTolerance: Double = 5) -> Mat3? {
        guard cell.count == 6, let real = setting.inverse else { return nil }
        var best: (Double, Mat3)? = nil
        for m in transforms {
            let basis = m * real
            let a = basis.row0, b = basis.row1, c = basis.row2
            let p = [a.length, b.length, c.length, degrees(b.angle(to: c)), degrees(c.angle(to: a)), degrees(a.angle(to: b))]
            var worst = 0.0, ok = true
            for i in 0..<3 {
                let rel = abs(p[i] - cell[i]) / cell[i]
                if rel > lengthTolerance { ok = false; break }
                worst = max(worst, rel / lengthTolerance)
            }
            if !ok { continue }
            for i in 3..<6 {
                let d = abs(p[i] - cell[i])
                if d > angleTolerance { ok = false; break }
                worst = max(worst, d / angleTolerance)
            }
            if !ok { continue }
            if best == nil || worst < best!.0 - 1e-12 { best = (worst, basis) }
        }
        return best.flatMap { $0.1.inverse }
    }
}

extension UserCell {
    /// DIALS' default δ for indexing with a known space group and no cell
    /// (indexing.known_symmetry.max_delta), degrees.
    public static let spaceGroupMaxDeltaDegrees = 5.0

    /// The setting of the lattice of `setting` (any primitive basis) in the
    /// conventional cell of `group`, in the group's own setting (C 1 2 1,
    /// P 1 1 21, R 3 :R, …). The basis comes from the lattice's Bravais
    /// settings (Le Page, `LatticeSymmetry.bravaisSettings`): among those
    /// within `maxDeltaDegrees` whose lattice is the group's (mP, mC, oI, tP,
    /// hR, cI, …) the one with the smallest δ, taken to the group's reference
    /// setting and from there to the group's setting. The result is checked:
    /// the group's rotations keep its metric and its centring vectors are the
    /// lattice's.
    /// - Throws: `IndexingError.symmetryDoesNotFit` listing the lattices the
    ///   spots do have when none is the group's.
    public static func conventional(setting: Mat3, group: SpaceGroup,
                                    maxDeltaDegrees: Double = spaceGroupMaxDeltaDegrees) throws -> Mat3 {
        let found = Indexer.cellParameters(setting)
        func refuse(_ available: [BravaisSetting]) -> IndexingError {
            let wanted = (try? BravaisLattice(spaceGroup: group))?.rawValue ?? "?"
            return .symmetryDoesNotFit(spaceGroup: group.description, lattice: wanted, found: found,
                                       maxDeltaDegrees: maxDeltaDegrees,
                                       available: available.map { "\($0.lattice.rawValue) (δ " + String(format: "%.1f°)", $0.maxDeltaDegrees) })
        }
        guard let crystal = Crystal(A: setting), let cell = try? UnitCell(crystal: crystal) else { throw refuse([]) }
        let candidates: [BravaisSetting]
        do {
            candidates = try LatticeSymmetry.bravaisSettings(of: cell, compatibleWith: group, maxDeltaDegrees: maxDeltaDegrees)
        } catch {
            throw refuse([])
        }
        let userToReference = group.changeOfBasisToReference
        for candidate in candidates {
            // The lattice's conventional cell in its lowest-symmetry group's setting
            // (an mI cell is taken to C 1 2 1, the reference of its type).
            guard var conventional = try? crystal.changedBasis(candidate.changeOfBasis),
                  let lowest = try? candidate.spaceGroup() else { continue }
            conventional = (try? conventional.changedBasis(lowest.changeOfBasisToReference)) ?? conventional
            // Reference → user setting; the opposite direction too, which the check
            // below rejects unless it also fits (syminfo's basisop direction is easy to misread).
            var best: (Double, Mat3)? = nil
            for op in [userToReference.inverse, userToReference] {
                guard let moved = try? conventional.changedBasis(op),
                      let deviation = misfit(moved.A, group: group, primitiveReal: crystal.realSpaceMatrix) else { continue }
                if best == nil || deviation < best!.0 { best = (deviation, moved.A) }
            }
            if let best { return group.crystalSystem == .monoclinic ? shortestMonoclinic(best.1, group: group, primitiveReal: crystal.realSpaceMatrix) : best.1 }
        }
        throw refuse((try? LatticeSymmetry.bravaisSettings(of: cell, maxDeltaDegrees: maxDeltaDegrees, ordering: .cctbx)) ?? [])
    }

    /// How far setting `a` is from having `group`'s symmetry: the largest
    /// change of the metric G under the group's rotations, |RᵀGR − G|
    /// relative to the longest axis², or nil when the cell's lattice is not
    /// the one `primitiveReal` (rows: a primitive basis) spans with the
    /// group's centring (each primitive vector must be integer plus a
    /// centring translation in the new basis, and the volume ratio equal the
    /// number of centring vectors) or the metric changes by more than 0.2.
    static func misfit(_ a: Mat3, group: SpaceGroup, primitiveReal: Mat3) -> Double? {
        guard let real = a.inverse else { return nil }
        let ratio = abs(real.determinant / primitiveReal.determinant)
        guard abs(ratio - Double(group.centringOperations.count)) < 0.01 else { return nil }
        let centring = group.centringOperations.map {
            Vec3(Double($0.translation24[0]), Double($0.translation24[1]), Double($0.translation24[2]))
                * (1 / Double(SymmetryOperation.translationDenominator))
        }
        let aT = a.transposed
        for v in [primitiveReal.row0, primitiveReal.row1, primitiveReal.row2] {
            let x = aT * v  // fractional coordinates in the new basis: x_i = v · a_i*
            let onLattice = centring.contains { t in
                let d = x - t
                return [d.x, d.y, d.z].allSatisfy { abs($0 - $0.rounded()) < 0.05 }
            }
            if !onLattice { return nil }
        }
        let g = real * real.transposed
        let scale = max(g[0, 0], g[1, 1], g[2, 2])
        var worst = 0.0
        for op in group.pointGroupRotations {
            let r = Mat3(op.rotation.map(Double.init))
            let d = r.transposed * g * r - g
            for i in 0..<3 { for j in 0..<3 { worst = max(worst, abs(d[i, j]) / scale) } }
        }
        return worst <= 0.2 ? worst : nil
    }

    /// The monoclinic cell of the same lattice and group with the shortest
    /// two axes perpendicular to the unique one, their angle non-acute: the
    /// conventional cell. The Bravais setting of a centred monoclinic lattice
    /// may be I-centred (β nearest 90°), and taking it to C 1 2 1 by the fixed
    /// operator of I 1 2 1 can give a long, very oblique C cell (β 156° for
    /// beam_offset_c2's 117, 62, 48, β 112°). Combinations with coefficients
    /// −2…2 of the two axes are tried; each must keep the group's centring.
    static func shortestMonoclinic(_ a: Mat3, group: SpaceGroup, primitiveReal: Mat3) -> Mat3 {
        guard let real = a.inverse,
              let twofold = group.pointGroupRotations.first(where: { $0.rotation != SymmetryOperation.identity.rotation })
        else { return a }
        let unique = (0..<3).first { twofold.rotation[4 * $0] == 1 } ?? 1
        let (i1, i2) = ((unique + 1) % 3, (unique + 2) % 3)
        let rows = [real.row0, real.row1, real.row2]
        // Shortest pair, then β nearest 90°, then the shorter axis first (a < c
        // for b unique, a < b for c unique), so that the choice does not depend on the order the
        // settings came in.
        func score(_ m: Mat3) -> (Double, Double, Double) {
            let r = [m.row0, m.row1, m.row2]
            return (r[i1].length + r[i2].length, abs(degrees(r[i1].angle(to: r[i2])) - 90), r[min(i1, i2)].length)
        }
        var best = (real, score(real))
        // The unique axis may turn round (with a determinant −1 in the plane) so
        // that the two axes in the plane can be swapped keeping a right-handed basis.
        for flip in [1, -1] { for p in -2...2 { for q in -2...2 { for r in -2...2 { for t in -2...2 where p * t - q * r == flip {
            for sign in [1.0, -1.0] {
                var new = rows
                new[unique] = rows[unique] * Double(flip)
                new[i1] = (rows[i1] * Double(p) + rows[i2] * Double(q)) * sign
                new[i2] = (rows[i1] * Double(r) + rows[i2] * Double(t)) * sign
                let m = Mat3(rows: new[0], new[1], new[2])
                // β ≥ 90°: the angle between the two axes must not be acute.
                guard new[i1].dot(new[i2]) <= 1e-9 * new[i1].length * new[i2].length,
                      let setting = m.inverse, misfit(setting, group: group, primitiveReal: primitiveReal) != nil else { continue }
                let s = score(m)
                let shorter = s.0 < best.1.0 - 1e-6 * s.0, tied = abs(s.0 - best.1.0) <= 1e-6 * s.0
                let squarer = s.1 < best.1.1 - 1e-6, level = abs(s.1 - best.1.1) <= 1e-6
                if shorter || (tied && squarer) || (tied && level && s.2 < best.1.2 - 1e-6 * s.2) { best = (m, s) }
            }
        } } } } }
        return best.0.inverse ?? a
    }
}
