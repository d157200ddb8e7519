// Tests of the complete set of unique reflections against counts worked out by hand.
import XCTest
import MXSymmetry
@testable import MXScaling

final class CompleteSetTests: XCTestCase {
    let cube = try! UnitCell(parameters: [10, 10, 10, 90, 90, 90])

    func testP1CubeToFiveAngstrom() throws {
        // h² + k² + l² ≤ 4: 32 non-zero lattice points, halved by Friedel symmetry.
        XCTAssertEqual(CompleteSet.count(spaceGroup: try SpaceGroup("P 1"), unitCell: cube, dMin: 4.99), 16)
        // All P1 reflections are acentric: anomalous doubles the count.
        XCTAssertEqual(CompleteSet.count(spaceGroup: try SpaceGroup("P 1"), unitCell: cube, dMin: 4.99, anomalous: true), 32)
    }

    func testP212121ExcludesAbsences() throws {
        let g = try SpaceGroup("P 21 21 21")
        // Octant h,k,l ≥ 0 with h²+k²+l² ≤ 4: (100)×3, (110)×3, (111), (200)×3 = 10; the odd axials are absent.
        let set = CompleteSet.indices(spaceGroup: g, unitCell: cube, dMin: 4.99)
        XCTAssertEqual(Set(set), Set([Miller(1, 1, 0), Miller(1, 0, 1), Miller(0, 1, 1), Miller(1, 1, 1),
                                      Miller(2, 0, 0), Miller(0, 2, 0), Miller(0, 0, 2)]))
        // Only (1,1,1) is acentric.
        XCTAssertEqual(CompleteSet.count(spaceGroup: g, unitCell: cube, dMin: 4.99, anomalous: true), 8)
        // A d range excludes the inner reflections: 4.9 Å ≤ d ≤ 6 Å keeps the three d = 5 Å axials and (1,1,1) at 5.77 Å.
        XCTAssertEqual(CompleteSet.count(spaceGroup: g, unitCell: cube, dMin: 4.9, dMax: 6), 4)
    }

    func testMatchesCctbxForLysozyme() throws {
        // cctbx: miller.build_set(crystal.symmetry((79.1,79.1,37.9,90,90,90), "P 43 21 2"),
        //   anomalous_flag=False, d_min=3.0).size() → 2656; anomalous_flag=True → 4612.
        let g = try SpaceGroup("P 43 21 2")
        let c = try UnitCell(parameters: [79.1, 79.1, 37.9, 90, 90, 90])
        XCTAssertEqual(CompleteSet.count(spaceGroup: g, unitCell: c, dMin: 3.0), 2656)
        XCTAssertEqual(CompleteSet.count(spaceGroup: g, unitCell: c, dMin: 3.0, anomalous: true), 4612)
    }
}
