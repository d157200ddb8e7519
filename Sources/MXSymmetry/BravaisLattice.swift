// BravaisLattice: the 14 Bravais lattice types (plus DIALS' mI monoclinic
// setting) and the lowest-symmetry space group DIALS assigns to each.

/// A Bravais lattice type in Pearson-like notation, as
/// `dials.refine_bravais_settings` prints it. `mI` is the body-centred
/// setting of the mC lattice that DIALS (best_monoclinic_beta=True) picks
/// when it gives a β nearer 90°.
public enum BravaisLattice: String, CaseIterable, Sendable, CustomStringConvertible {
    case aP, mP, mC, mI, oP, oC, oF, oI, tP, tI, hP, hR, cP, cF, cI

    /// Crystal family letter → crystal system of the lattice.
    public var crystalSystem: CrystalSystem {
        switch self {
        case .aP: return .triclinic
        case .mP, .mC, .mI: return .monoclinic
        case .oP, .oC, .oF, .oI: return .orthorhombic
        case .tP, .tI: return .tetragonal
        case .hP: return .hexagonal
        case .hR: return .trigonal
        case .cP, .cF, .cI: return .cubic
        }
    }
    /// Centring letter of the conventional cell (P, C, I, F, R).
    public var centring: Character { rawValue.last! }

    /// Symbol of the lowest-symmetry (chiral) space group with this lattice,
    /// as DIALS' `lowest_symmetry_space_group_for_bravais_lattice` chooses:
    /// P1, P2, C2, I2, P222, C222, F222, I222, P4, I4, P3, R3 (hexagonal
    /// axes), P23, F23, I23.
    public var lowestSymmetrySpaceGroupSymbol: String {
        switch self {
        case .aP: return "P 1"
        case .mP: return "P 1 2 1"
        case .mC: return "C 1 2 1"
        case .mI: return "I 1 2 1"
        case .oP: return "P 2 2 2"
        case .oC: return "C 2 2 2"
        case .oF: return "F 2 2 2"
        case .oI: return "I 2 2 2"
        case .tP: return "P 4"
        case .tI: return "I 4"
        case .hP: return "P 3"
        case .hR: return "R 3 :H"
        case .cP: return "P 2 3"
        case .cF: return "F 2 3"
        case .cI: return "I 2 3"
        }
    }
    /// The lowest-symmetry space group from the table.
    public func lowestSymmetrySpaceGroup(table: SpaceGroupTable? = nil) throws -> SpaceGroup {
        try (table ?? SpaceGroupTable.shared()).spaceGroup(lowestSymmetrySpaceGroupSymbol)
    }
    /// Number of the lattice's holohedry (centrosymmetric) space group,
    /// e.g. 123 (P4/mmm) for tP; cctbx sorts metric subgroups by it.
    public var holohedryNumber: Int {
        switch self {
        case .aP: return 2
        case .mP: return 10
        case .mC, .mI: return 12
        case .oP: return 47
        case .oC: return 65
        case .oF: return 69
        case .oI: return 71
        case .tP: return 123
        case .tI: return 139
        case .hR: return 166
        case .hP: return 191
        case .cP: return 221
        case .cF: return 225
        case .cI: return 229
        }
    }
    /// Number of the lattice's point group as a space group in the
    /// conventional cell (P2 = 3, C2 = 5, I222 = 23, I422 = 97, R32 = 155, …),
    /// which cctbx uses to order metric subgroups of equal order.
    public var acentricNumber: Int {
        switch self {
        case .aP: return 1
        case .mP: return 3
        case .mC, .mI: return 5
        case .oP: return 16
        case .oC: return 21
        case .oF: return 22
        case .oI: return 23
        case .tP: return 89
        case .tI: return 97
        case .hR: return 155
        case .hP: return 177
        case .cP: return 207
        case .cF: return 209
        case .cI: return 211
        }
    }
    /// Lattice points per conventional cell (1 P, 2 C/I, 3 R, 4 F).
    public var latticePointsPerCell: Int {
        switch centring {
        case "P": return 1
        case "R": return 3
        case "F": return 4
        default: return 2
        }
    }
    public var description: String { rawValue }
}
