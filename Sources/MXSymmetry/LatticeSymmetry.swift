// LatticeSymmetry: metric symmetry of a lattice by Le Page's method and the
// list of Bravais settings dials.refine_bravais_settings considers.
import MXMath
import MXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An integer 3×3 rotation acting on fractional coordinates, x′ = R·x, row-major.
public typealias LatticeRotation = [Int]

/// A twofold axis the lattice (nearly) has: direct lattice row u along the
/// axis and reciprocal row h normal to the perpendicular lattice plane
/// (Le Page 1982, J. Appl. Cryst. 15, 255).
public struct TwofoldAxis: Hashable, Sendable {
    /// Direct-space lattice vector along the axis (fractional, primitive).
    public let direct: [Int]
    /// Reciprocal lattice vector normal to the plane perpendicular to the axis.
    public let reciprocal: [Int]
    /// The rotation R = 2·u·hᵀ/(h·u) − I, exact when the lattice has the axis.
    public let rotation: LatticeRotation
    /// Le Page's δ: angle (degrees) between u and h in Cartesian space; 0 for an exact axis.
    public let deltaDegrees: Double
}

/// One candidate lattice symmetry, a row of `dials.refine_bravais_settings`' table.
public struct BravaisSetting: Sendable {
    /// The Bravais lattice type (DIALS' label).
    public let lattice: BravaisLattice
    /// Largest Le Page δ (degrees) over the twofold axes of this lattice symmetry.
    public let maxDeltaDegrees: Double
    /// Change of basis from the input cell to the conventional cell of this lattice.
    public let changeOfBasis: ChangeOfBasis
    /// The input cell in the conventional basis, not symmetrized.
    public let unidealisedCell: UnitCell
    /// `unidealisedCell` averaged over the lattice's point group, so it obeys
    /// the lattice's constraints exactly (a = b, α = 90°, …).
    public let bestCell: UnitCell
    /// Proper rotations of the lattice point group in the conventional basis
    /// (integer, acting on fractional coordinates); identity first.
    public let rotations: [LatticeRotation]
    /// DIALS' lowest-symmetry space group for the lattice (P2, C2, P222, …).
    public var spaceGroupSymbol: String { lattice.lowestSymmetrySpaceGroupSymbol }
    /// That space group from the table, in the conventional setting.
    public func spaceGroup(table: SpaceGroupTable? = nil) throws -> SpaceGroup {
        try lattice.lowestSymmetrySpaceGroup(table: table)
    }
}

/// The order of a Bravais settings list.
public enum BravaisSettingOrder: Sendable {
    /// `dials.refine_bravais_settings`' table, top row first.
    case dials
    /// cctbx `metric_subgroups.result_groups`: highest symmetry first, aP last.
    case cctbx
}

/// Le Page's search for the metric symmetry of a lattice.
public enum LatticeSymmetry {
    /// DIALS' default angular tolerance for `refine_bravais_settings` (lepage_max_delta), degrees.
    public static let refineBravaisSettingsMaxDelta = 5.0
    /// DIALS' default for `dials.symmetry` (lattice_symmetry_max_delta), degrees.
    public static let symmetryMaxDelta = 2.0

    /// All twofold axes of the lattice of `reducedCell` with δ ≤ `maxDeltaDegrees`,
    /// best first. Candidates are the rows u and h with indices in −2…2 and
    /// |u·h| ∈ {1, 2}, which covers every twofold of a Buerger-reduced
    /// (e.g. Niggli) cell (Le Page 1982).
    public static func twofoldAxes(of reducedCell: UnitCell, maxDeltaDegrees: Double) -> [TwofoldAxis] {
        var rows: [[Int]] = []
        for x in -2...2 { for y in -2...2 { for z in -2...2 {
            let v = [x, y, z]
            guard let f = v.first(where: { $0 != 0 }), f > 0, gcd3(v) == 1 else { continue }
            rows.append(v)
        } } }
        var best: [LatticeRotation: TwofoldAxis] = [:]
        for u in rows {
            for var h in rows {
                var uh = u[0] * h[0] + u[1] * h[1] + u[2] * h[2]
                guard abs(uh) == 1 || abs(uh) == 2 else { continue }
                if uh < 0 { h = h.map { -$0 }; uh = -uh }
                let delta = lePageDelta(cell: reducedCell, direct: u, reciprocal: h)
                guard delta <= maxDeltaDegrees else { continue }
                var r = [Int](repeating: 0, count: 9)
                for i in 0..<3 { for j in 0..<3 { r[3 * i + j] = 2 * u[i] * h[j] / uh - (i == j ? 1 : 0) } }
                if let old = best[r], old.deltaDegrees <= delta { continue }
                best[r] = TwofoldAxis(direct: u, reciprocal: h, rotation: r, deltaDegrees: delta)
            }
        }
        return best.values.sorted {
            $0.deltaDegrees != $1.deltaDegrees ? $0.deltaDegrees < $1.deltaDegrees
                : ($0.direct != $1.direct ? $0.direct.lexicographicallyPrecedes($1.direct)
                   : $0.reciprocal.lexicographicallyPrecedes($1.reciprocal))
        }
    }

    /// Le Page's δ (degrees) between direct row u and reciprocal row h, in [0°, 90°].
    public static func lePageDelta(cell: UnitCell, direct u: [Int], reciprocal h: [Int]) -> Double {
        let t = cell.orthogonalise(Vec3(Double(u[0]), Double(u[1]), Double(u[2])))
        let tau = cell.fractionalisationMatrix.transposed * Vec3(Double(h[0]), Double(h[1]), Double(h[2]))
        let c = abs(t.dot(tau)) / (t.length * tau.length)
        return acos(min(1, c)) * 180 / .pi
    }

    /// δ of a twofold rotation given as a matrix (its axis and its plane found from R).
    public static func lePageDelta(cell: UnitCell, twofold r: LatticeRotation) -> Double {
        lePageDelta(cell: cell, direct: rotationAxis(r), reciprocal: rotationAxis(transpose(r)))
    }

    /// The lattice point group (proper rotations) of `reducedCell` within
    /// `maxDeltaDegrees`: twofolds are added best first, each kept only when
    /// the group they generate stays a finite lattice group and (as cctbx's
    /// `enforce_max_delta_for_generated_two_folds`) every twofold it then
    /// contains is itself within the tolerance.
    public static func latticeGroup(of reducedCell: UnitCell, maxDeltaDegrees: Double) -> [LatticeRotation] {
        var group: [LatticeRotation] = [identity]
        for axis in twofoldAxes(of: reducedCell, maxDeltaDegrees: maxDeltaDegrees) {
            if group.contains(axis.rotation) { continue }
            guard let g = closure(group + [axis.rotation], limit: 24) else { continue }
            let ok = g.allSatisfy { !isTwofold($0) || lePageDelta(cell: reducedCell, twofold: $0) <= maxDeltaDegrees + 1e-9 }
            if ok { group = g }
        }
        return group
    }

    /// The Bravais settings of the lattice of `cell` within `maxDeltaDegrees`,
    /// as `dials.refine_bravais_settings` lists them (rstbx/cctbx
    /// `metric_subgroups` with best_monoclinic_beta): every subgroup of the
    /// lattice point group that is itself the point group of a lattice.
    /// `cell` may be in any setting; each change of basis starts from it.
    /// As in DIALS the aP setting is the input cell itself ("a,b,c"), so pass
    /// a reduced cell (indexing does) to get a reduced aP cell.
    /// With `ordering: .dials` (default) the list is in DIALS' table order
    /// (top row first: largest δ first, δ within 0.01° ordered by higher
    /// symmetry); `.cctbx` gives cctbx's metric_subgroups order (highest
    /// symmetry first, aP last).
    /// - Throws: `SymmetryError.invalidCell` when the cell cannot be reduced.
    public static func bravaisSettings(of cell: UnitCell,
                                       maxDeltaDegrees: Double = refineBravaisSettingsMaxDelta,
                                       ordering: BravaisSettingOrder = .dials) throws -> [BravaisSetting] {
        let reduction = try cell.niggliReduction()
        let reduced = reduction.reducedCell
        let group = latticeGroup(of: reduced, maxDeltaDegrees: maxDeltaDegrees)
        var subgroups: [[LatticeRotation]] = []
        var seen = Set<Set<LatticeRotation>>()
        for g1 in group {
            for g2 in group {
                guard let s = closure([identity, g1, g2], limit: 24), seen.insert(Set(s)).inserted else { continue }
                subgroups.append(s)
            }
        }
        var out: [(key: Int, setting: BravaisSetting)] = []
        for h in subgroups {
            guard let (lattice, basis) = conventionalBasis(of: h, reducedCell: reduced) else { continue }
            let toConventional = try ChangeOfBasis(basisIntegers: basis)
            // DIALS keeps the input cell for aP (cctbx's best cell for P-1 is the identity).
            var op = lattice == .aP ? .identity : toConventional * reduction.changeOfBasis
            let unidealised = try cell.changeBasis(op)
            let conventionalRotations = h.compactMap { r -> LatticeRotation? in
                (toConventional.coordinateMatrix * RationalMatrix3(integers: r) * toConventional.basis).integerElements
            }
            // Like cctbx: keep the identity operator when the input cell already is this
            // conventional cell and the operator maps the lattice's point group onto itself.
            // Similarity as cctbx's unit_cell.is_similar_to defaults: 1 % on lengths, 1° on angles.
            if !op.isIdentity, zip(unidealised.parameters.prefix(3), cell.parameters.prefix(3))
                .allSatisfy({ abs($0 - $1) <= 0.01 * $1 }),
               unidealised.maxParameterDifference(cell).angleDegrees <= 1 {
                let back = op.inverse
                let moved = Set(conventionalRotations.compactMap {
                    (back.coordinateMatrix * RationalMatrix3(integers: $0) * back.basis).integerElements })
                if moved == Set(conventionalRotations) { op = .identity }
            }
            let cellNow = try cell.changeBasis(op)
            let delta = h.filter(isTwofold).map { lePageDelta(cell: reduced, twofold: $0) }.max() ?? 0
            let setting = BravaisSetting(lattice: lattice, maxDeltaDegrees: delta, changeOfBasis: op,
                                         unidealisedCell: cellNow,
                                         bestCell: try symmetrized(cellNow, rotations: conventionalRotations),
                                         rotations: conventionalRotations)
            out.append((2 * h.count * 1000 + lattice.acentricNumber, setting))
        }
        // cctbx orders by the order of the (primitive-basis) subgroup·1000 plus the number of the
        // acentric lattice group, descending: cI, cF, cP, hP, hR, tI, tP, oI, oF, oC, oP, mC, mP, aP.
        let cctbxOrder = out.enumerated().sorted { ($0.element.key, -$0.offset) > ($1.element.key, -$1.offset) }
            .map(\.element.setting)
        return ordering == .cctbx ? cctbxOrder : dialsOrdered(cctbxOrder)
    }

    /// DIALS' table order (rstbx `lepage.bestcmp` applied by Python's list
    /// sort): a before b when their δ differ by 0.01° or more and a's is
    /// larger, or when they are within 0.01° and a's lattice has the higher
    /// holohedry number. That relation is not transitive, so the sort is
    /// replayed as CPython does it for short lists (initial run, then binary
    /// insertion) starting from cctbx's order.
    public static func dialsOrdered(_ settings: [BravaisSetting]) -> [BravaisSetting] {
        func less(_ a: BravaisSetting, _ b: BravaisSetting) -> Bool {
            if abs(a.maxDeltaDegrees - b.maxDeltaDegrees) < 0.01 {
                return a.lattice.holohedryNumber > b.lattice.holohedryNumber
            }
            return a.maxDeltaDegrees > b.maxDeltaDegrees
        }
        var a = settings
        guard a.count > 1 else { return a }
        // count_run: a strictly descending run is reversed; otherwise a non-descending run is kept.
        var run = 2
        if less(a[1], a[0]) {
            while run < a.count, less(a[run], a[run - 1]) { run += 1 }
            a[0..<run].reverse()
        } else {
            while run < a.count, !less(a[run], a[run - 1]) { run += 1 }
        }
        // binarysort over the rest.
        for start in run..<a.count {
            let pivot = a[start]
            var l = 0, r = start
            while l < r {
                let p = l + (r - l) / 2
                if less(pivot, a[p]) { r = p } else { l = p + 1 }
            }
            a.remove(at: start)
            a.insert(pivot, at: l)
        }
        return a
    }

    /// The cell averaged over `rotations` (fractional, x′ = R·x): G ← mean of Rᵀ·G·R.
    public static func symmetrized(_ cell: UnitCell, rotations: [LatticeRotation]) throws -> UnitCell {
        guard !rotations.isEmpty else { return cell }
        let g = cell.metricTensor
        var sum = Mat3(0, 0, 0, 0, 0, 0, 0, 0, 0)
        for r in rotations {
            let m = Mat3(r.map(Double.init))
            sum = sum + m.transposed * g * m
        }
        return try UnitCell(metricTensor: sum * (1 / Double(rotations.count)))
    }

    // MARK: conventional settings

    /// For a subgroup H of the lattice group (in the reduced basis), the
    /// Bravais type it is the point group of and the conventional basis
    /// (columns in the reduced basis, row-major), or nil when H is not the
    /// rotation part of a lattice holohedry (4, 3, 6, 23, or 32 on a P lattice).
    static func conventionalBasis(of h: [LatticeRotation], reducedCell: UnitCell) -> (BravaisLattice, [Int])? {
        let g = reducedCell.metricTensor
        func length2(_ v: [Int]) -> Double {
            let x = Vec3(Double(v[0]), Double(v[1]), Double(v[2]))
            return x.dot(g * x)
        }
        func angle(_ u: [Int], _ v: [Int]) -> Double {
            let x = Vec3(Double(u[0]), Double(u[1]), Double(u[2])), y = Vec3(Double(v[0]), Double(v[1]), Double(v[2]))
            return acos(max(-1, min(1, x.dot(g * y) / (length2(u) * length2(v)).squareRoot()))) * 180 / .pi
        }
        // Lengths quantised so that equal lengths compare equal, letting the
        // tie-breakers (fewest negative coefficients, as cctbx's choices tend to be) decide.
        let scale = pow(reducedCell.volume, 2.0 / 3.0)
        func quantised(_ x: Double) -> Double { (x / scale * 1e6).rounded() }
        let orders = h.map(rotationOrder)
        let twofolds = h.filter(isTwofold)
        switch h.count {
        case 1:
            return (.aP, identity)
        case 2:
            // Monoclinic: b along the twofold, a and c a basis of the lattice plane R·x = −x.
            let r = twofolds[0]
            let axis = rotationAxis(r)
            let plane = shortVectors(limit: 3).filter { apply(r, $0) == $0.map { -$0 } }
                .sorted { length2($0) < length2($1) }.prefix(16)
            var best: (score: (Double, Int, Int, Double, Int), lattice: BravaisLattice, basis: [Int])?
            for a in plane {
                for c in plane { for b in [axis, axis.map { -$0 }] {
                    guard gcd3(cross(a, c)) == 1 else { continue }
                    let basis = columns(a, b, c)
                    let d = det(basis)
                    guard d > 0 else { continue }
                    let type = centringType(basis)
                    let lattice: BravaisLattice
                    switch (d, type) {
                    case (1, "P"): lattice = .mP
                    case (2, "C"): lattice = .mC
                    case (2, "I"): lattice = .mI
                    default: continue
                    }
                    let beta = angle(c, a)
                    guard beta >= 90 - 1e-9 else { continue }
                    // β nearest 90° first (best_monoclinic_beta), then C before I, then a ≤ c, then short.
                    let score = (((beta - 90) * 1000).rounded(), lattice == .mI ? 1 : 0,
                                 length2(a) <= length2(c) * (1 + 1e-9) ? 0 : 1, quantised(length2(a) + length2(c)),
                                 negatives(basis))
                    if best == nil || score < best!.score { best = (score, lattice, basis) }
                } }
            }
            return best.map { ($0.lattice, $0.basis) }
        case 4 where twofolds.count == 3:
            // Orthorhombic: axes along the three twofolds.
            let axes = twofolds.map(rotationAxis)
            var best: (score: [Double], lattice: BravaisLattice, basis: [Int])?
            for perm in permutations3 {
                for signs in signCombinations {
                    let a = axes[perm[0]].map { $0 * signs[0] }, b = axes[perm[1]].map { $0 * signs[1] },
                        c = axes[perm[2]].map { $0 * signs[2] }
                    let basis = columns(a, b, c)
                    guard det(basis) > 0 else { continue }
                    let lattice: BravaisLattice
                    switch centringType(basis) {
                    case "P": lattice = .oP
                    case "C": lattice = .oC
                    case "I": lattice = .oI
                    case "F": lattice = .oF
                    default: continue
                    }
                    let score = [quantised(length2(a)), quantised(length2(b)), quantised(length2(c))]
                    if lattice != .oC, !(score[0] <= score[1] && score[1] <= score[2]) { continue }
                    if lattice == .oC, !(score[0] <= score[1]) { continue }
                    let key = score + [Double(negatives(basis)), Double(perm[0] * 100 + perm[1] * 10 + perm[2])]
                    if best == nil || key.lexicographicallyPrecedes(best!.score) { best = (key, lattice, basis) }
                }
            }
            return best.map { ($0.lattice, $0.basis) }
        case 8 where orders.contains(4):
            // Tetragonal: c along the fourfold, a along a twofold, b = R₄·a.
            let r4 = h.first { rotationOrder($0) == 4 }!
            let c = rotationAxis(r4)
            return axialSetting(h: h, c: c, turn: r4, wanted: [1: .tP, 2: .tI], allowed: ["P", "I"],
                                length2: { quantised(length2($0)) })
        case 6 where orders.contains(3) && twofolds.count == 3:
            // Rhombohedral (hexagonal axes, obverse): c along the threefold, a along a twofold, b = R₃·a.
            let r3 = h.first { rotationOrder($0) == 3 }!
            let c = rotationAxis(r3)
            return axialSetting(h: h, c: c, turn: r3, wanted: [3: .hR], allowed: ["R"],
                                length2: { quantised(length2($0)) })
        case 12 where orders.contains(6):
            // Hexagonal: c along the sixfold, a along a twofold, b = R₃·a (γ = 120°).
            let r3 = h.first { rotationOrder($0) == 3 }!
            let c = rotationAxis(r3)
            return axialSetting(h: h, c: c, turn: r3, wanted: [1: .hP], allowed: ["P"],
                                length2: { quantised(length2($0)) })
        case 24:
            // Cubic: axes along the three fourfolds.
            var axes: [[Int]] = []
            for r in h where rotationOrder(r) == 4 {
                let u = rotationAxis(r)
                if !axes.contains(u) { axes.append(u) }
            }
            guard axes.count == 3 else { return nil }
            var best: (Int, BravaisLattice, [Int])?
            for perm in permutations3 {
                for signs in signCombinations {
                    let basis = columns(axes[perm[0]].map { $0 * signs[0] }, axes[perm[1]].map { $0 * signs[1] },
                                        axes[perm[2]].map { $0 * signs[2] })
                    guard det(basis) > 0 else { continue }
                    let lattice: BravaisLattice
                    switch centringType(basis) {
                    case "P": lattice = .cP
                    case "I": lattice = .cI
                    case "F": lattice = .cF
                    default: continue
                    }
                    if best == nil || negatives(basis) < best!.0 { best = (negatives(basis), lattice, basis) }
                }
            }
            return best.map { ($0.1, $0.2) }
        default:
            return nil
        }
    }

    /// Settings with c along a rotation axis, a along one of H's twofolds
    /// perpendicular to it and b = turn·a (or turn⁻¹·a): among choices whose
    /// volume ratio and centring are wanted, the smallest volume, then the
    /// shortest a, then the fewest negative coefficients.
    private static func axialSetting(h: [LatticeRotation], c: [Int], turn: LatticeRotation,
                                     wanted: [Int: BravaisLattice], allowed: Set<Character>,
                                     length2: ([Int]) -> Double) -> (BravaisLattice, [Int])? {
        let candidates = h.filter(isTwofold).map(rotationAxis).filter { $0 != c && $0 != c.map { -$0 } }
            .sorted { length2($0) < length2($1) }
        let inverseTurn = closure([turn], limit: 24)!.first { multiply($0, turn) == identity }!
        var best: (key: [Double], lattice: BravaisLattice, basis: [Int])?
        for a0 in candidates {
            for sa in [1, -1] {
                let a = a0.map { $0 * sa }
                for t in [turn, inverseTurn] {
                    let b = apply(t, a)
                    for sc in [1, -1] {
                        let basis = columns(a, b, c.map { $0 * sc })
                        let d = det(basis)
                        guard d > 0, let lattice = wanted[d], allowed.contains(centringType(basis)) else { continue }
                        let key = [Double(d), length2(a), Double(negatives(basis))]
                        if best == nil || key.lexicographicallyPrecedes(best!.key) { best = (key, lattice, basis) }
                    }
                }
            }
        }
        return best.map { ($0.lattice, $0.basis) }
    }

    // MARK: integer helpers

    /// Number of negative coefficients in a basis matrix (tie-breaker towards "a,b,c"-like operators).
    static func negatives(_ m: [Int]) -> Int { m.filter { $0 < 0 }.count }

    static let identity: LatticeRotation = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    static let permutations3 = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]]
    static let signCombinations = [[1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1], [1, -1, -1], [-1, 1, -1],
                                   [-1, -1, 1], [-1, -1, -1]]

    static func multiply(_ a: LatticeRotation, _ b: LatticeRotation) -> LatticeRotation {
        var out = [Int](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j] } }
        return out
    }
    static func transpose(_ a: LatticeRotation) -> LatticeRotation { (0..<9).map { a[3 * ($0 % 3) + $0 / 3] } }
    static func apply(_ r: LatticeRotation, _ v: [Int]) -> [Int] {
        (0..<3).map { r[3 * $0] * v[0] + r[3 * $0 + 1] * v[1] + r[3 * $0 + 2] * v[2] }
    }
    static func det(_ m: [Int]) -> Int {
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
    }
    static func cross(_ a: [Int], _ b: [Int]) -> [Int] {
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    }
    static func gcd3(_ v: [Int]) -> Int { gcd(gcd(abs(v[0]), abs(v[1])), abs(v[2])) }
    /// Row-major matrix whose columns are a, b, c.
    static func columns(_ a: [Int], _ b: [Int], _ c: [Int]) -> [Int] { [a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]] }
    static func isTwofold(_ r: LatticeRotation) -> Bool { r[0] + r[4] + r[8] == -1 && det(r) == 1 }
    /// Order of a proper crystallographic rotation from its trace (3→1, 2→6, 1→4, 0→3, −1→2).
    static func rotationOrder(_ r: LatticeRotation) -> Int {
        switch r[0] + r[4] + r[8] { case 3: return 1; case 2: return 6; case 1: return 4; case 0: return 3; default: return 2 }
    }
    /// Primitive integer vector u with R·u = u (first non-zero component positive).
    static func rotationAxis(_ r: LatticeRotation) -> [Int] {
        let m = (0..<9).map { r[$0] - ($0 % 4 == 0 ? 1 : 0) }
        let rows = [[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], m[8]]]
        var best = [0, 0, 0]
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            let v = cross(rows[i], rows[j])
            if v.map(abs).max()! > best.map(abs).max()! { best = v }
        }
        let g = max(gcd3(best), 1)
        var u = best.map { $0 / g }
        if let f = u.first(where: { $0 != 0 }), f < 0 { u = u.map { -$0 } }
        return u
    }
    /// The group generated by `gens`, or nil when it exceeds `limit` elements.
    static func closure(_ gens: [LatticeRotation], limit: Int) -> [LatticeRotation]? {
        var elements: [LatticeRotation] = [identity]
        var set: Set<LatticeRotation> = [identity]
        for g in gens where set.insert(g).inserted { elements.append(g) }
        var i = 0
        while i < elements.count {
            for g in gens {
                let p = multiply(elements[i], g)
                if set.insert(p).inserted {
                    elements.append(p)
                    if elements.count > limit { return nil }
                }
            }
            i += 1
        }
        return elements
    }
    /// Non-zero integer vectors with components in −limit…limit.
    static func shortVectors(limit: Int) -> [[Int]] {
        var out: [[Int]] = []
        for x in -limit...limit { for y in -limit...limit { for z in -limit...limit where x != 0 || y != 0 || z != 0 {
            out.append([x, y, z])
        } } }
        return out
    }
    /// Centring letter of the cell with basis columns `basis` (in a primitive
    /// lattice): P, A, B, C, I, F, R (obverse), or "?".
    static func centringType(_ basis: [Int]) -> Character {
        guard let op = try? ChangeOfBasis(basisIntegers: basis) else { return "?" }
        let t = Set(op.centringTranslations.map { $0.map { Int(($0 * Rational(6)).numerator) } })
        let half = 3, third = 2, twoThirds = 4
        switch t {
        case [[0, 0, 0]]: return "P"
        case [[0, 0, 0], [half, half, 0]]: return "C"
        case [[0, 0, 0], [0, half, half]]: return "A"
        case [[0, 0, 0], [half, 0, half]]: return "B"
        case [[0, 0, 0], [half, half, half]]: return "I"
        case [[0, 0, 0], [half, half, 0], [0, half, half], [half, 0, half]]: return "F"
        case [[0, 0, 0], [twoThirds, third, third], [third, twoThirds, twoThirds]]: return "R"
        default: return "?"
        }
    }
}

extension Crystal {
    /// This (triclinic) crystal re-expressed in a Bravais setting, as
    /// dials.refine_bravais_settings does before refining each candidate:
    /// the basis is changed by `setting.changeOfBasis` (predictions kept),
    /// the space group becomes the lattice's lowest-symmetry group, and
    /// with `idealise` the cell is replaced by `setting.bestCell` keeping the
    /// orientation U = A·B⁻¹ of the re-expressed crystal (A′ = U·B_ideal).
    /// Scan-point A matrices are dropped (they belong to the old model).
    /// - Throws: `SymmetryError` when the crystal is degenerate or the group is not in the table.
    public func inBravaisSetting(_ setting: BravaisSetting, idealise: Bool = true,
                                 table: SpaceGroupTable? = nil) throws -> Crystal {
        var p1 = self
        p1.spaceGroupHall = " P 1"
        p1.aAtScanPoints = []
        var out = try p1.changedBasis(setting.changeOfBasis)
        out.spaceGroupHall = try setting.spaceGroup(table: table).hall
        guard idealise else { return out }
        guard let u = out.U, let ideal = Crystal(A: u * setting.bestCell.bMatrix, spaceGroupHall: out.spaceGroupHall) else {
            throw SymmetryError.invalidCell("crystal with cell \(String(describing: unitCell)) is degenerate")
        }
        var result = ideal
        result.mosaicityDegrees = mosaicityDegrees
        result.mlHalfMosaicityDegrees = mlHalfMosaicityDegrees
        result.mlDomainSizeAngstrom = mlDomainSizeAngstrom
        return result
    }
}

extension BravaisLattice {
    /// The Bravais lattice of a space group's reference setting: crystal
    /// system plus centring, with A, B and C centrings one type (oC, and mC
    /// for every centred monoclinic group: C2, A2 and I2 are settings of one
    /// type) and trigonal groups split into hR (R lattices, whichever axes)
    /// and hP (P lattices, shared with the hexagonal groups).
    /// - Throws: `SymmetryError` when the reference setting is not in the table.
    public init(spaceGroup group: SpaceGroup, table: SpaceGroupTable? = nil) throws {
        let centring = try group.referenceSetting(table: table).centringType
        switch (group.crystalSystem, centring) {
        case (.triclinic, _): self = .aP
        case (.monoclinic, "P"): self = .mP
        case (.monoclinic, _): self = .mC
        case (.orthorhombic, "P"): self = .oP
        case (.orthorhombic, "I"): self = .oI
        case (.orthorhombic, "F"): self = .oF
        case (.orthorhombic, _): self = .oC
        case (.tetragonal, "I"): self = .tI
        case (.tetragonal, _): self = .tP
        case (.trigonal, "R"), (.trigonal, "H"): self = .hR
        case (.trigonal, _), (.hexagonal, _): self = .hP
        case (.cubic, "I"): self = .cI
        case (.cubic, "F"): self = .cF
        case (.cubic, _): self = .cP
        }
    }
}

extension LatticeSymmetry {
    /// The Bravais settings of the lattice of `cell` (within `maxDeltaDegrees`)
    /// whose lattice is that of `group`, best first (smallest δ; DIALS' table
    /// order breaks ties). mI settings count as mC, the one monoclinic centred type.
    /// - Throws: `SymmetryError` when the cell cannot be reduced or the group's
    ///   reference setting is not in the table.
    public static func bravaisSettings(of cell: UnitCell, compatibleWith group: SpaceGroup,
                                       maxDeltaDegrees: Double = refineBravaisSettingsMaxDelta,
                                       table: SpaceGroupTable? = nil) throws -> [BravaisSetting] {
        let wanted = try BravaisLattice(spaceGroup: group, table: table)
        let all = try bravaisSettings(of: cell, maxDeltaDegrees: maxDeltaDegrees, ordering: .cctbx)
        let matching = all.enumerated().filter { $0.element.lattice == wanted || ($0.element.lattice == .mI && wanted == .mC) }
        return matching.sorted {
            $0.element.maxDeltaDegrees != $1.element.maxDeltaDegrees
                ? $0.element.maxDeltaDegrees < $1.element.maxDeltaDegrees : $0.offset < $1.offset
        }.map(\.element)
    }
}
