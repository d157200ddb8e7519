// ChangeOfBasis: a change-of-basis operator (rational matrix and origin
// shift) in cctbx's conventions, its "a,b,c"/"x,y,z"/"h,k,l" notation, and its
// action on Miller indices, unit cells, crystal models and space groups.
import MXMath
import MXModel

/// A change of basis, as cctbx's `sgtbx.change_of_basis_op`.
///
/// Conventions (ITfC A §5.1, the same as cctbx, pinned by tests):
/// - `basis` is the matrix P whose columns are the new basis vectors in the
///   old basis: (a′, b′, c′) = (a, b, c)·P. "a+b,-a+b,c" means a′ = a+b, b′ = −a+b.
/// - Fractional coordinates change as x′ = P⁻¹·x + t (`coordinateMatrix`,
///   `translation`); this is cctbx's `c()`, printed by `xyzDescription`.
/// - Miller indices change as the row vector h′ = h·P:
///   `/usr/bin/python3 -c "from cctbx import sgtbx; op=sgtbx.change_of_basis_op('a+b,-a+b,c'); print(op.apply((1,2,3)))"`
///   prints `(3, 1, 3)`.
/// - `op2 * op1` applies `op1` first, then `op2`, as cctbx's `*` does.
///
/// `description` uses the "a,b,c" form DIALS prints in cb_op columns.
public struct ChangeOfBasis: Hashable, Sendable, CustomStringConvertible {
    /// P: column j holds new basis vector j in the old basis.
    public let basis: RationalMatrix3
    /// P⁻¹, acting on fractional coordinates.
    public let coordinateMatrix: RationalMatrix3
    /// t in x′ = P⁻¹·x + t (fractions of the new cell); zero for pure basis changes.
    public let translation: [Rational]

    /// An operator from its basis matrix P and coordinate shift t.
    /// - Throws: `SymmetryError.badOperation` when P is singular.
    public init(basis: RationalMatrix3, translation: [Rational] = [0, 0, 0]) throws {
        guard let inv = basis.inverse else { throw SymmetryError.badOperation("singular change of basis \(basis)") }
        self.basis = basis
        self.coordinateMatrix = inv
        self.translation = translation
    }
    /// An operator from an integer basis matrix P (row-major; columns are the new vectors).
    public init(basisIntegers p: [Int]) throws { try self.init(basis: RationalMatrix3(integers: p)) }

    /// The identity, "a,b,c".
    public static let identity = try! ChangeOfBasis(basis: .identity)

    /// Parses "a,b,c"-style (`-b,a+b,c`, `a-b,a+b,2c`, `1/2*a+1/2*b,...`),
    /// "h,k,l"-style (same coefficients as a,b,c: h′ = h·P) or
    /// "x,y,z"-style (rows of P⁻¹ plus translations, cctbx's `c()`).
    /// Case, spaces and a `*` between coefficient and letter are ignored;
    /// a translation such as `+1/4` is allowed in the a,b,c and x,y,z forms.
    /// - Throws: `SymmetryError.badOperation` naming the text.
    public init(parsing text: String) throws {
        let parts = text.lowercased().filter { !$0.isWhitespace }.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw SymmetryError.badOperation(text) }
        let alphabets: [[Character]] = [["a", "b", "c"], ["h", "k", "l"], ["x", "y", "z"]]
        let letters = Set(text.lowercased().filter { $0.isLetter })
        guard let kind = alphabets.firstIndex(where: { letters.isSubset(of: Set($0)) }), !letters.isEmpty else {
            throw SymmetryError.badOperation(text)
        }
        let alphabet = alphabets[kind]
        var rows = [Rational](repeating: .zero, count: 9)
        var shifts = [Rational](repeating: .zero, count: 3)
        for (row, part) in parts.enumerated() {
            guard !part.isEmpty else { throw SymmetryError.badOperation(text) }
            for (sign, term) in try signedTerms(part, of: text) {
                if let li = term.firstIndex(where: { $0.isLetter }), let column = alphabet.firstIndex(of: term[li]) {
                    // coefficient before the letter ("2", "1/2*", ""), optional divisor after it ("/2").
                    var before = String(term[..<li])
                    if before.hasSuffix("*") { before.removeLast() }
                    let after = String(term[term.index(after: li)...])
                    guard var c = before.isEmpty ? Rational.one : Self.fraction(before) else {
                        throw SymmetryError.badOperation(text)
                    }
                    if !after.isEmpty {
                        guard after.hasPrefix("/"), let d = Int(after.dropFirst()), d != 0 else {
                            throw SymmetryError.badOperation(text)
                        }
                        c = c / Rational(d)
                    }
                    rows[3 * row + column] = rows[3 * row + column] + Rational(sign) * c
                } else {
                    guard let f = Self.fraction(String(term)) else { throw SymmetryError.badOperation(text) }
                    shifts[row] = shifts[row] + Rational(sign) * f
                }
            }
        }
        let m = RationalMatrix3(rows)
        switch kind {
        case 2:
            // x,y,z: rows are P⁻¹, shifts are t.
            guard let p = m.inverse else { throw SymmetryError.badOperation(text) }
            try self.init(basis: p, translation: shifts)
        default:
            // a,b,c or h,k,l: row j lists the coefficients of new vector j, i.e. column j of P.
            // Shifts s belong to x = P·x′ + s (cctbx's c_inv()), so t = −P⁻¹·s.
            if kind == 1, shifts.contains(where: { $0 != .zero }) { throw SymmetryError.badOperation(text) }
            guard let pInv = m.transposed.inverse else { throw SymmetryError.badOperation(text) }
            try self.init(basis: m.transposed, translation: pInv.times(shifts).map { -$0 })
        }
    }

    /// "3", "-1/2" → Rational.
    private static func fraction(_ s: String) -> Rational? {
        let f = s.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(f.count), let n = Int(f[0]) else { return nil }
        guard f.count == 2 else { return Rational(n) }
        guard let d = Int(f[1]), d != 0 else { return nil }
        return Rational(n, d)
    }

    // MARK: algebra

    /// True for "a,b,c" with no shift.
    public var isIdentity: Bool { basis == .identity && translation.allSatisfy { $0 == .zero } }
    /// det P: the volume of the new cell over the old one.
    public var volumeRatio: Rational { basis.determinant }
    /// The inverse operator (new → old).
    public var inverse: ChangeOfBasis {
        // x = P·x′ − P·t
        let p = basis
        return try! ChangeOfBasis(basis: coordinateMatrix, translation: p.times(translation).map { -$0 })
    }
    /// `lhs * rhs`: apply `rhs` first, then `lhs` (cctbx order).
    public static func * (lhs: ChangeOfBasis, rhs: ChangeOfBasis) -> ChangeOfBasis {
        // x″ = C₂(C₁x + t₁) + t₂ with C = P⁻¹; the combined basis is P₁·P₂.
        let t = zip(lhs.coordinateMatrix.times(rhs.translation), lhs.translation).map { $0 + $1 }
        return try! ChangeOfBasis(basis: rhs.basis * lhs.basis, translation: t)
    }
    /// `self` followed by `next` (same as `next * self`).
    public func followed(by next: ChangeOfBasis) -> ChangeOfBasis { next * self }

    // MARK: actions

    /// h′ = h·P, or nil when h·P is not integral (h is not a lattice row of the new cell,
    /// e.g. a reflection absent by the new centring).
    public func apply(to h: Miller) -> Miller? {
        let p = basis
        var out = [Int]()
        for j in 0..<3 {
            let v = Rational(h.h) * p[0, j] + Rational(h.k) * p[1, j] + Rational(h.l) * p[2, j]
            guard v.isInteger else { return nil }
            out.append(v.numerator)
        }
        return Miller(out[0], out[1], out[2])
    }
    /// h′ = h·P for non-integral indices (e.g. fractional hkl of an unindexed spot).
    public func apply(toFractionalMiller h: Vec3) -> Vec3 {
        let p = basis.doubleElements
        return Vec3(h.x * p[0] + h.y * p[3] + h.z * p[6], h.x * p[1] + h.y * p[4] + h.z * p[7],
                    h.x * p[2] + h.y * p[5] + h.z * p[8])
    }
    /// x′ = P⁻¹·x + t for fractional coordinates.
    public func apply(toFractional x: Vec3) -> Vec3 {
        let c = coordinateMatrix.doubleElements
        return Vec3(c[0] * x.x + c[1] * x.y + c[2] * x.z + translation[0].doubleValue,
                    c[3] * x.x + c[4] * x.y + c[5] * x.z + translation[1].doubleValue,
                    c[6] * x.x + c[7] * x.y + c[8] * x.z + translation[2].doubleValue)
    }
    /// P as a Mat3 (columns are the new basis vectors).
    public var basisMatrix: Mat3 { Mat3(basis.doubleElements) }

    /// The operator transformed into this new basis: W′ = C·W·C⁻¹ with
    /// C = (P⁻¹, t), i.e. R′ = P⁻¹RP and t′ = P⁻¹w + t − R′t; nil when R′ is
    /// not integral or t′ is not a multiple of 1/24.
    public func transform(_ op: SymmetryOperation) -> SymmetryOperation? {
        let r = RationalMatrix3(integers: op.rotation)
        let rNew = coordinateMatrix * r * basis
        guard let ri = rNew.integerElements else { return nil }
        let w = op.translation24.map { Rational($0, SymmetryOperation.translationDenominator) }
        let pw = coordinateMatrix.times(w), rt = rNew.times(translation)
        var t24 = [Int]()
        for i in 0..<3 {
            let v = (pw[i] + translation[i] - rt[i]) * Rational(SymmetryOperation.translationDenominator)
            guard v.isInteger else { return nil }
            t24.append(v.numerator)
        }
        return SymmetryOperation(rotation: ri, translation24: t24).normalized
    }

    /// The lattice translations of the old cell seen in the new one, reduced
    /// modulo 1: the new centring vectors (just the origin when P is unimodular).
    public var centringTranslations: [[Rational]] {
        let gens = (0..<3).map { j in (0..<3).map { coordinateMatrix[$0, j].fractionalPart } }
        var set: [[Rational]] = [[0, 0, 0]]
        var i = 0
        while i < set.count {
            for g in gens {
                let s = zip(set[i], g).map { ($0 + $1).fractionalPart }
                if !set.contains(s) { set.append(s) }
            }
            i += 1
        }
        return set
    }

    /// All operations of the group given by `operations` in the new basis,
    /// including the centring translations a larger new cell acquires;
    /// translations reduced into [0, 1), order: transformed input first.
    /// - Throws: `SymmetryError.badOperation` when an operation has no
    ///   integral form in the new basis (the new cell is not compatible).
    public func transform(_ operations: [SymmetryOperation]) throws -> [SymmetryOperation] {
        var out: [SymmetryOperation] = []
        var seen = Set<SymmetryOperation>()
        let d = SymmetryOperation.translationDenominator
        for c in centringTranslations {
            let c24 = try c.map { v -> Int in
                let x = v * Rational(d)
                guard x.isInteger else { throw SymmetryError.badOperation("centring \(c) in \(self)") }
                return x.numerator
            }
            for op in operations {
                guard let t = transform(op) else {
                    throw SymmetryError.badOperation("\(op) in the basis \(self)")
                }
                let shifted = SymmetryOperation(rotation: t.rotation,
                                                translation24: zip(t.translation24, c24).map { $0 + $1 }).normalized
                if seen.insert(shifted).inserted { out.append(shifted) }
            }
        }
        return out
    }

    // MARK: notation

    /// "a,b,c" form, e.g. `a+b,-a+b,c`, `1/2*a+1/2*b,...`, `a-1/4,b,c` (cctbx's `as_abc`).
    public var description: String {
        let s = basis.times(translation).map { -$0 }
        return (0..<3).map { j in Self.row((0..<3).map { basis[$0, j] }, letters: ["a", "b", "c"], shift: s[j]) }
            .joined(separator: ",")
    }
    /// "x,y,z" form of P⁻¹ and t, e.g. `1/2*x+1/2*y,-1/2*x+1/2*y,z` (cctbx's `as_xyz`).
    public var xyzDescription: String {
        (0..<3).map { i in Self.row((0..<3).map { coordinateMatrix[i, $0] }, letters: ["x", "y", "z"],
                                    shift: translation[i]) }
            .joined(separator: ",")
    }
    /// "h,k,l" form (cctbx's `as_hkl`): h′ as combinations of h, k, l; translations omitted.
    public var hklDescription: String {
        (0..<3).map { j in Self.row((0..<3).map { basis[$0, j] }, letters: ["h", "k", "l"], shift: .zero) }
            .joined(separator: ",")
    }

    private static func row(_ coefficients: [Rational], letters: [String], shift: Rational) -> String {
        var s = ""
        for (c, name) in zip(coefficients, letters) where c != .zero {
            let mag = c.numerator.magnitude == 1 && c.denominator == 1 ? name : "\(Rational(abs(c.numerator), c.denominator))*\(name)"
            s += (c < .zero ? "-" : (s.isEmpty ? "" : "+")) + mag
        }
        if shift != .zero {
            s += (shift < .zero ? "-" : (s.isEmpty ? "" : "+")) + Rational(abs(shift.numerator), shift.denominator).description
        }
        return s.isEmpty ? "0" : s
    }
}

extension UnitCell {
    /// The same lattice described in the new basis: G′ = Pᵀ·G·P.
    /// - Throws: `SymmetryError.invalidCell` when P is singular for this cell.
    public func changeBasis(_ op: ChangeOfBasis) throws -> UnitCell {
        let p = op.basisMatrix
        return try UnitCell(metricTensor: p.transposed * metricTensor * p)
    }
}

extension Crystal {
    /// The same crystal described in the new basis, with predictions unchanged:
    /// new real-space vectors (a′, b′, c′) = (a, b, c)·P, so A′ = A·(P⁻¹)ᵀ
    /// and A′·h′ = A·h for h′ = h·P (dxtbx `crystal.change_basis`).
    /// The space group is carried as its transformed operators: P 1 stays
    /// P 1; any other group must be found in `table` in the new setting.
    /// Scan-point A matrices are transformed too.
    /// - Throws: `SymmetryError` when the group has no setting in the table
    ///   matching the new basis.
    public func changedBasis(_ op: ChangeOfBasis, table: SpaceGroupTable? = nil) throws -> Crystal {
        let p = op.basisMatrix
        let rows = [realSpaceA, realSpaceB, realSpaceC]
        func newVector(_ j: Int) -> Vec3 { rows[0] * p[0, j] + rows[1] * p[1, j] + rows[2] * p[2, j] }
        var hall = spaceGroupHall
        if hall.trimmingCharacters(in: .whitespaces) != "P 1" {
            let t = try table ?? SpaceGroupTable.shared()
            let group = try t.spaceGroup(hall: spaceGroupHall)
            let ops = try op.transform(group.operations)
            guard let found = t.spaceGroup(matching: ops) else {
                throw SymmetryError.unknownSpaceGroup("\(group.xHM) in the basis \(op)")
            }
            hall = found.hall
        }
        var out = Crystal(realSpaceA: newVector(0), realSpaceB: newVector(1), realSpaceC: newVector(2),
                          spaceGroupHall: hall)
        out.mosaicityDegrees = mosaicityDegrees
        out.mlHalfMosaicityDegrees = mlHalfMosaicityDegrees
        out.mlDomainSizeAngstrom = mlDomainSizeAngstrom
        if let pInvT = op.basisMatrix.inverse?.transposed {
            out.aAtScanPoints = aAtScanPoints.map { $0 * pInvT }
        }
        return out
    }
}

extension SpaceGroup {
    /// This group's operations in the basis `op` (centrings the new cell
    /// acquires included).
    /// - Throws: `SymmetryError.badOperation` when the basis is incompatible.
    public func operations(in op: ChangeOfBasis) throws -> [SymmetryOperation] {
        try op.transform(operations)
    }
    /// The syminfo setting equal to this group in the basis `op` (e.g.
    /// `P 1 2 1` under "b,c,a" becomes `P 1 1 2`); nil when the transformed
    /// group is a setting the table does not list.
    /// - Throws: `SymmetryError.badOperation` when the basis is incompatible.
    public func changedBasis(_ op: ChangeOfBasis, table: SpaceGroupTable? = nil) throws -> SpaceGroup? {
        let t = try table ?? SpaceGroupTable.shared()
        return t.spaceGroup(matching: try op.transform(operations))
    }

    /// The change of basis from this setting to the reference setting of its
    /// type (syminfo's `basisop`, cctbx's `space_group_info.type().cb_op()`).
    public var changeOfBasisToReference: ChangeOfBasis {
        // syminfo writes basisop as the x,y,z form of the reference → this
        // setting operator (cctbx's cb_op().c_inv(): 'z,x,y' for P 1 1 2,
        // whose cb_op() is 'y,z,x'), so the inverse is wanted.
        ((try? ChangeOfBasis(parsing: basisChange.description)) ?? .identity).inverse
    }
    /// The reference setting of this group's type (the first syminfo block
    /// of its number, e.g. `P 1 2 1` for `P 1 1 2`, `R 3 :H` for `R 3 :R`).
    public func referenceSetting(table: SpaceGroupTable? = nil) throws -> SpaceGroup {
        try (table ?? SpaceGroupTable.shared()).spaceGroup(String(number))
    }
}
