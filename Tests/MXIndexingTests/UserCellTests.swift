// Tests of UserCell.conventional: a primitive reduced lattice taken to the conventional cell of a space group given alone.
import XCTest
import MXMath
import MXModel
import MXSymmetry
@testable import MXIndexing

final class UserCellTests: XCTestCase {
    /// A primitive basis of the lattice of conventional setting `a` with
    /// centring `centring`, Niggli-reduced as indexing hands it over.
    func primitiveReduced(_ a: Mat3, centring: Character) -> Mat3 {
        let real = a.inverse!
        let x = real.row0, y = real.row1, z = real.row2
        let rows: (Vec3, Vec3, Vec3)
        switch centring {
        case "C": rows = ((x - y) * 0.5, (x + y) * 0.5, z)
        case "I": rows = ((y + z - x) * 0.5, (x - y + z) * 0.5, (x + y - z) * 0.5)
        case "F": rows = ((y + z) * 0.5, (x + z) * 0.5, (x + y) * 0.5)
        // Obverse rhombohedral centring of hexagonal axes (ITA Table 5.1.3.1).
        case "R": rows = ((x * 2 + y + z) * (1.0 / 3), (y + z - x) * (1.0 / 3), (z - x - y * 2) * (1.0 / 3))
        default: rows = (x, y, z)
        }
        return BasisReduction.niggli(Mat3(rows: rows.0, rows.1, rows.2).inverse!)
    }

    /// The group's conventional cell comes back from a primitive reduced basis
    /// of the lattice, for a setting of every lattice type a space group can have.
    func testConventionalCellOfEachLatticeType() throws {
        let cases: [(symbol: String, cell: [Double], centring: Character)] = [
            ("C 1 2 1", [117, 62, 48, 90, 112, 90], "C"),   // beam_offset_c2's crystal
            ("P 1 21 1", [42, 65, 51, 90, 104, 90], "P"),
            ("P 1 1 21", [42, 51, 65, 90, 90, 104], "P"),   // c-unique setting kept
            ("P 21 21 21", [47, 58, 71, 90, 90, 90], "P"),
            ("C 2 2 21", [62, 98, 130, 90, 90, 90], "C"),
            ("I 2 2 2", [55, 72, 90, 90, 90, 90], "I"),
            ("F 2 2 2", [60, 85, 110, 90, 90, 90], "F"),
            ("P 41 21 2", [57.8, 57.8, 150.2, 90, 90, 90], "P"),
            ("I 4", [98, 98, 61, 90, 90, 90], "I"),
            ("P 61 2 2", [91, 91, 142, 90, 90, 120], "P"),
            ("P 31 2 1", [65, 65, 80, 90, 90, 120], "P"),
            ("R 3 :H", [81, 81, 210, 90, 90, 120], "R"),
            ("I 21 3", [78, 78, 78, 90, 90, 90], "I"),
            ("F 2 3", [150, 150, 150, 90, 90, 90], "F"),
            ("P 2 3", [70, 70, 70, 90, 90, 90], "P"),
            ("P 1", [28.5, 35.2, 41.7, 82.1, 76.5, 68.9], "P"),
        ]
        for (symbol, cell, centring) in cases {
            let group = try SpaceGroup(symbol)
            let truth = syntheticSetting(cell, axis: Vec3(0.3, -0.5, 0.8), angle: 37)
            let primitive = primitiveReduced(truth, centring: centring)
            let found = try UserCell.conventional(setting: primitive, group: group)
            let p = Indexer.cellParameters(found)
            for i in 0..<3 { XCTAssertEqual(p[i], cell[i], accuracy: 1e-6 * cell[i], "\(symbol): \(p) vs \(cell)") }
            for i in 3..<6 { XCTAssertEqual(p[i], cell[i], accuracy: 1e-6, "\(symbol): \(p) vs \(cell)") }
            // Same lattice: the conventional basis is an integer combination of the primitive one.
            let m = primitive.transposed * found.inverse!.transposed
            for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(m[i, j], m[i, j].rounded(), accuracy: 1e-6, symbol) } }
        }
    }

    /// Rhombohedral axes (R 3 :R): a = b = c and equal angles, the same lattice as R 3 :H.
    func testRhombohedralAxes() throws {
        let hexagonal = [81.0, 81, 210, 90, 90, 120]
        let truth = syntheticSetting(hexagonal, axis: Vec3(-0.2, 0.9, 0.1), angle: 71)
        let primitive = primitiveReduced(truth, centring: "R")
        let found = try UserCell.conventional(setting: primitive, group: try SpaceGroup("R 3 :R"))
        let p = Indexer.cellParameters(found)
        // a_R = √(a²/3 + c²/9), cos α_R = (2c² − 3a²)/(2c² + 6a²) (ITA Table 5.1.3.1).
        let a = hexagonal[0], c = hexagonal[2]
        let aR = (a * a / 3 + c * c / 9).squareRoot()
        let alphaR = acos((2 * c * c - 3 * a * a) / (2 * c * c + 6 * a * a)) * 180 / .pi
        for i in 0..<3 { XCTAssertEqual(p[i], aR, accuracy: 1e-6 * aR, "\(p)") }
        for i in 3..<6 { XCTAssertEqual(p[i], alphaR, accuracy: 1e-6, "\(p)") }
        XCTAssertEqual(abs(found.determinant / primitive.determinant), 1, accuracy: 1e-9)
    }

    /// A lattice a few tenths of a degree from its symmetry (as refined from
    /// spots with a wrong beam centre) still gives the conventional cell.
    func testSlightlyDistortedMonoclinicLattice() throws {
        let truth = syntheticSetting([117.4, 61.8, 48.1, 90.4, 111.7, 89.7], axis: Vec3(1, 0.2, -0.3), angle: 123)
        let found = try UserCell.conventional(setting: primitiveReduced(truth, centring: "C"), group: try SpaceGroup("C 1 2 1"))
        let p = Indexer.cellParameters(found)
        XCTAssertEqual(p[0], 117.4, accuracy: 1e-6)
        XCTAssertEqual(p[1], 61.8, accuracy: 1e-6)
        XCTAssertEqual(p[2], 48.1, accuracy: 1e-6)
        XCTAssertEqual(p[4], 111.7, accuracy: 1e-6)
    }

    /// An orthorhombic lattice given a tetragonal group: refused, naming the
    /// lattice the group needs and the settings the lattice has.
    func testLatticeWithoutTheGroupsSymmetryIsRefused() throws {
        let truth = syntheticSetting([47, 58, 71, 90, 90, 90], axis: Vec3(0.3, -0.5, 0.8), angle: 37)
        XCTAssertThrowsError(try UserCell.conventional(setting: primitiveReduced(truth, centring: "P"),
                                                       group: try SpaceGroup("P 41 21 2"))) { e in
            guard case IndexingError.symmetryDoesNotFit(_, let lattice, _, _, let available) = e else {
                return XCTFail("unexpected \(e)")
            }
            XCTAssertEqual(lattice, "tP")
            XCTAssertTrue(available.contains { $0.hasPrefix("oP") }, "\(available)")
            XCTAssertTrue("\(e)".contains("space_group="), "\(e)")
        }
        // A centred group on a primitive lattice with no such centred setting is refused too.
        XCTAssertThrowsError(try UserCell.conventional(setting: primitiveReduced(truth, centring: "P"),
                                                       group: try SpaceGroup("I 2 2 2")))
    }

    func testBravaisLatticeOfSpaceGroups() throws {
        let expected: [(String, BravaisLattice)] = [
            ("P 1", .aP), ("P 1 1 21", .mP), ("C 1 2 1", .mC), ("I 1 2 1", .mC), ("A 1 2 1", .mC), ("C 2 2 21", .oC),
            ("I 21 21 21", .oI), ("F 2 2 2", .oF), ("P 43 21 2", .tP), ("I 41", .tI), ("P 32 2 1", .hP),
            ("P 65", .hP), ("R 3 :H", .hR), ("R 3 2 :R", .hR), ("I 21 3", .cI), ("F 41 3 2", .cF), ("P 21 3", .cP),
        ]
        for (symbol, lattice) in expected {
            XCTAssertEqual(try BravaisLattice(spaceGroup: try SpaceGroup(symbol)), lattice, symbol)
        }
    }
}
