// SpaceGroup: one space-group setting from syminfo.lib with its operators and
// the reflection-level questions crystallography asks of it (absences,
// centric zones, epsilon, equivalents, CCP4 reciprocal asymmetric unit).

/// Crystal system, from the space-group number as ITA assigns it.
public enum CrystalSystem: String, Sendable, CaseIterable {
    case triclinic, monoclinic, orthorhombic, tetragonal, trigonal, hexagonal, cubic

    /// The system of space-group type `number` (1–230).
    public init(spaceGroupNumber number: Int) {
        switch number {
        case ...2: self = .triclinic
        case 3...15: self = .monoclinic
        case 16...74: self = .orthorhombic
        case 75...142: self = .tetragonal
        case 143...167: self = .trigonal
        case 168...194: self = .hexagonal
        default: self = .cubic
        }
    }
}

/// A space group in one setting, as one `begin_spacegroup … end_spacegroup`
/// block of CCP4's syminfo.lib defines it. Obtain one from
/// `SpaceGroupTable.spaceGroup(_:)` or `SpaceGroup("P43212")`.
///
/// Reflection methods follow CCP4/cctbx conventions: Miller indices transform
/// as h' = h·R; epsilon counts primitive operators only (centring excluded).
public struct SpaceGroup: Hashable, Sendable, CustomStringConvertible {
    /// Space-group type number, 1–230.
    public let number: Int
    /// CCP4's number for this setting (e.g. 1003 for `P 1 1 2`, 5005 …); 0 when CCP4 has none.
    public let ccp4Number: Int
    /// Hall symbol as the file spells it, e.g. `" P 4nw 2abw"`.
    public let hall: String
    /// Extended Hermann–Mauguin symbol, e.g. `"P 43 21 2"`, `"R 3 :H"`; may be empty for a few settings.
    public let xHM: String
    /// CCP4's old symbols (`"H 3"`, `"P 21 21 2 (a)"`…), empty strings dropped.
    public let oldSymbols: [String]
    /// Laue class (e.g. `"4/mmm"`), Patterson group name and point group (e.g. `"422"`), as syminfo names them.
    public let laueGroupName: String
    public let pattersonGroupName: String
    public let pointGroupName: String
    /// Hall symbols of the Laue and point groups, as syminfo gives them.
    public let laueGroupHall: String
    public let pointGroupHall: String
    /// The primitive operators (`symop` lines) in file order: ISYM numbering follows this order.
    public let primitiveOperations: [SymmetryOperation]
    /// The centring translations (`cenop` lines), identity first.
    public let centringOperations: [SymmetryOperation]
    /// The change of basis from this setting to the reference setting (`basisop`), used
    /// to evaluate the reference-setting asymmetric-unit rule.
    public let basisChange: SymmetryOperation
    /// CCP4's reciprocal-space ASU rule text (`hklasu ccp4`), e.g. `"h>=k and k>=0 and l>=0"`.
    public let asuDescription: String
    /// The ASU rule as a value.
    public let reciprocalAsu: ReciprocalAsu

    /// All operations: each centring composed with each primitive operator,
    /// translations reduced into [0, 1), ordered centring-major as csymlib does.
    public let operations: [SymmetryOperation]

    init(fields: [String: [String]], symops: [SymmetryOperation], cenops: [SymmetryOperation]) throws {
        func first(_ key: String) throws -> String {
            guard let v = fields[key]?.first else {
                throw SymmetryError.syminfoMalformed(path: "", line: 0, reason: "block lacks '\(key)'")
            }
            return v
        }
        guard let number = Int(try first("number")) else {
            throw SymmetryError.syminfoMalformed(path: "", line: 0, reason: "bad 'number'")
        }
        guard !symops.isEmpty else {
            throw SymmetryError.syminfoMalformed(path: "", line: 0, reason: "space group \(number) has no symop lines")
        }
        self.number = number
        self.ccp4Number = Int(try first("symbol ccp4")) ?? 0
        self.hall = Self.quoted(try first("symbol Hall")).first ?? ""
        self.xHM = Self.quoted(fields["symbol xHM"]?.first ?? "").first ?? ""
        self.oldSymbols = Self.quoted(fields["symbol old"]?.first ?? "").filter { !$0.isEmpty }
        let laue = Self.quoted(fields["symbol laue"]?.first ?? "")
        let patt = Self.quoted(fields["symbol patt"]?.first ?? "")
        let pgrp = Self.quoted(fields["symbol pgrp"]?.first ?? "")
        self.laueGroupHall = laue.first ?? ""
        self.laueGroupName = laue.count > 1 ? laue[1] : ""
        self.pattersonGroupName = patt.count > 1 ? patt[1] : ""
        self.pointGroupHall = pgrp.first ?? ""
        self.pointGroupName = pgrp.count > 1 ? pgrp[1] : ""
        self.basisChange = try SymmetryOperation(parsing: fields["basisop"]?.first ?? "x,y,z")
        let asuText = Self.quoted(try first("hklasu ccp4")).first ?? ""
        guard let asu = ReciprocalAsu(ccp4Rule: asuText) else {
            throw SymmetryError.syminfoMalformed(path: "", line: 0, reason: "unknown hklasu rule '\(asuText)'")
        }
        self.asuDescription = asuText
        self.reciprocalAsu = asu
        self.primitiveOperations = symops
        self.centringOperations = cenops.isEmpty ? [.identity] : cenops
        self.operations = centringOperations.flatMap { c in symops.map { c.composed(with: $0).normalized } }
    }

    /// The single-quoted strings of a syminfo line remainder, e.g. `'-P 4 2' '4/mmm'`.
    static func quoted(_ s: String) -> [String] {
        let parts = s.split(separator: "'", omittingEmptySubsequences: false)
        // Odd-indexed pieces lie between quotes.
        return stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) }
    }

    // MARK: names

    /// Number of operations, centring included (P1 = 1, C2 = 4, I213 = 24).
    public var order: Int { operations.count }
    /// Lattice centring letter (P, A, B, C, I, F, R, H), from the Hermann–Mauguin symbol.
    public var centringType: Character {
        if let c = xHM.first { return c }
        return hall.first { $0.isLetter } ?? "P"
    }
    public var crystalSystem: CrystalSystem { CrystalSystem(spaceGroupNumber: number) }
    /// True when the group has no improper operations (a Sohncke group, the only
    /// kind a chiral macromolecular crystal can have).
    public var isChiral: Bool { primitiveOperations.allSatisfy { $0.determinant == 1 } }
    /// True when −1 is in the point group.
    public var isCentrosymmetric: Bool {
        primitiveOperations.contains { $0.rotation == [-1, 0, 0, 0, -1, 0, 0, 0, -1] }
    }
    /// The point-group rotations (translation-free), one per primitive operator.
    public var pointGroupRotations: [SymmetryOperation] {
        var seen = Set<[Int]>()
        return primitiveOperations.compactMap { seen.insert($0.rotation).inserted ? SymmetryOperation(rotation: $0.rotation) : nil }
    }
    /// `xHM` with any `:1`, `:2` or `:H` setting suffix removed.
    var xHMWithoutSettingSuffix: String {
        guard let colon = xHM.firstIndex(of: ":"), xHM[xHM.index(after: colon)...] != "R" else { return xHM }
        return String(xHM[..<colon])
    }
    /// `C 1 2 1` → `C 2`: the short monoclinic form, for b-unique settings only.
    var shortMonoclinicSymbol: String? {
        let t = xHM.split(separator: " ")
        guard t.count == 4, t[1] == "1", t[3] == "1" else { return nil }
        return "\(t[0]) \(t[2])"
    }
    /// The compact symbol without spaces, e.g. `P43212`, `C121`, `R3:H`.
    public var compactSymbol: String { xHM.filter { $0 != " " } }
    public var description: String { xHM.isEmpty ? hall.trimmingCharacters(in: .whitespaces) : xHM }

    // MARK: reflections

    /// True when `m` is systematically absent: some operation (R, t) with
    /// h·R = h has h·t ∉ ℤ (ITfC A §2.13), centring translations included.
    /// h = (0,0,0) is never absent.
    public func isSystematicallyAbsent(_ m: Miller) -> Bool {
        let d = SymmetryOperation.translationDenominator
        return operations.contains { op in op.apply(to: m) == m && op.phaseShift24(for: m) % d != 0 }
    }

    /// True when the lattice centring alone makes `m` absent (h·t ∉ ℤ for a
    /// centring translation t: h+k odd in C, h+k+l odd in I, −h+k+l ≠ 3n in
    /// R obverse). These reflections never diffract whatever the screw axes
    /// and glides, so they are known as soon as the Bravais lattice is.
    public func isCentringAbsent(_ m: Miller) -> Bool {
        let d = SymmetryOperation.translationDenominator
        return centringOperations.contains { $0.phaseShift24(for: m) % d != 0 }
    }

    /// True when `m` is centric: some operator maps h to −h, so its phase is
    /// restricted and its Friedel mate is symmetry-equivalent.
    public func isCentric(_ m: Miller) -> Bool {
        let minus = -m
        return primitiveOperations.contains { $0.apply(to: m) == minus }
    }

    /// The statistical weight ε(h): how many primitive operators leave h
    /// unchanged (1 for a general reflection; 4 for (0,0,l) in P4). Centring
    /// is not counted, as in cctbx's `epsilon` and CCP4's.
    public func epsilon(_ m: Miller) -> Int {
        primitiveOperations.reduce(0) { $0 + ($1.apply(to: m) == m ? 1 : 0) }
    }

    /// The distinct reflections symmetry-equivalent to `m` (h·R over the point
    /// group), `m` itself first; with `includeFriedelMates` also their −h. The
    /// count is the multiplicity of the form.
    public func equivalents(_ m: Miller, includeFriedelMates: Bool = false) -> [Miller] {
        var seen = Set<Miller>()
        var out: [Miller] = []
        for op in primitiveOperations {
            let e = op.apply(to: m)
            if seen.insert(e).inserted { out.append(e) }
        }
        if includeFriedelMates {
            for e in out where seen.insert(-e).inserted { out.append(-e) }
        }
        return out
    }

    /// Whether `m` lies in CCP4's reciprocal asymmetric unit of this group's
    /// Laue class (evaluated in the reference setting via `basisChange`).
    public func isInAsymmetricUnit(_ m: Miller) -> Bool {
        reciprocalAsu.contains(basisChange.apply(to: m))
    }

    /// Maps `m` into CCP4's reciprocal ASU, exactly as csymlib's
    /// `ccp4spg_put_in_asu` does: primitive operator i (0-based, file order)
    /// is tried in turn; if h·Rᵢ lies in the ASU the result is (h·Rᵢ, 2i+1),
    /// else if −h·Rᵢ does it is (−h·Rᵢ, 2i+2). The second value is MTZ's
    /// M/ISYM symmetry number: odd for I(+), even for I(−) of a Friedel pair.
    /// Every reflection has an image in the ASU, so ISYM is always ≥ 1.
    public func asymmetricUnitIndex(_ m: Miller) -> (index: Miller, isym: Int) {
        for (i, op) in primitiveOperations.enumerated() {
            let e = op.apply(to: m)
            if isInAsymmetricUnit(e) { return (e, 2 * i + 1) }
            if isInAsymmetricUnit(-e) { return (-e, 2 * i + 2) }
        }
        // Unreachable for a consistent table (the ASU rules cover every
        // orbit); keep the identity rather than trap on odd input files.
        return (m, 1)
    }

    /// The original index from an ASU index and its ISYM (the inverse of
    /// `asymmetricUnitIndex`, as csymlib's `ccp4spg_generate_indices`):
    /// h = ±h_asu·Rᵢ⁻¹. Returns nil for an ISYM outside 1…2·(primitive operators).
    public func originalIndex(asu: Miller, isym: Int) -> Miller? {
        let i = (isym - 1) / 2
        guard isym >= 1, i < primitiveOperations.count else { return nil }
        let signed = isym % 2 == 1 ? asu : -asu
        return primitiveOperations[i].inverseRotation.apply(to: signed)
    }
}

extension SymmetryOperation {
    /// The inverse rotation (translation dropped); integer because det R = ±1.
    var inverseRotation: SymmetryOperation {
        let d = determinant
        var inv = [Int](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                // inverse[i][j] = cofactor[j][i] / det
                let r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3
                inv[3 * i + j] = (r(r0, c0) * r(r1, c1) - r(r0, c1) * r(r1, c0)) / d
            }
        }
        return SymmetryOperation(rotation: inv)
    }
}
