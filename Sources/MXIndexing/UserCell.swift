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
    /// The setting of the lattice in the conventional cell of `group`: the
    /// basis M·(a, b, c) with det M equal to the centring's multiplicity whose
    /// metric deviates least from the crystal system's constraints (within
    /// 5 % in lengths and 3° in angles), or nil when none fits.
    public static func conventional(setting: Mat3, group: SpaceGroup) -> Mat3? {
        guard let real = setting.inverse else { return nil }
        let multiplicity: Double
        switch group.centringType {
        case "P": multiplicity = 1
        case "R": multiplicity = group.xHM.contains(":R") ? 1 : 3
        case "F": multiplicity = 4
        default: multiplicity = 2
        }
        var best: (Double, Mat3)? = nil
        for m in transforms where abs(m.determinant - multiplicity) < 1e-6 {
            let basis = m * real
            let a = basis.row0.length, b = basis.row1.length, c = basis.row2.length
            let al = degrees(basis.row1.angle(to: basis.row2)), be = degrees(basis.row2.angle(to: basis.row0))
            let ga = degrees(basis.row0.angle(to: basis.row1))
            var lengthDev = 0.0, angleDev = 0.0
            switch group.crystalSystem {
            case .triclinic: break
            case .monoclinic: angleDev = max(abs(al - 90), abs(ga - 90))
            case .orthorhombic: angleDev = max(abs(al - 90), abs(be - 90), abs(ga - 90))
            case .tetragonal:
                angleDev = max(abs(al - 90), abs(be - 90), abs(ga - 90)); lengthDev = abs(a - b) / a
            case .trigonal, .hexagonal:
                angleDev = max(abs(al - 90), abs(be - 90), abs(ga - 120)); lengthDev = abs(a - b) / a
            case .cubic:
                angleDev = max(abs(al - 90), abs(be - 90), abs(ga - 90))
                lengthDev = max(abs(a - b), abs(b - c), abs(a - c)) / a
            }
            if lengthDev > 0.05 || angleDev > 3 { continue }
            // Prefer small deviations, then short cells.
            let score = lengthDev / 0.05 + angleDev / 3 + 1e-6 * (a + b + c)
            if best == nil || score < best!.0 { best = (score, basis) }
        }
        return best.flatMap { $0.1.inverse }
    }
}
