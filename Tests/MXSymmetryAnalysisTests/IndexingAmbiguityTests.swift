// Tests of the indexing ambiguity: the settings a lattice allows for a Laue
// group, and the choice between them from intensities.
import MXMath
import MXSymmetry
@testable import MXSymmetryAnalysis
import XCTest

final class IndexingAmbiguityTests: XCTestCase {
    func rotations(_ symbol: String) throws -> [[Int]] {
        Array(Set(try SpaceGroup(symbol).operations.map(\.rotation)).filter { r in
            SymmetryOperation(rotation: r).determinant == 1
        })
    }

    func testSettingsAreTheCosetsOfTheLaueGroupInTheLatticeGroup() throws {
        let tetragonal = try UnitCell(parameters: [60, 60, 90, 90, 90, 90])
        let tLattice = LatticeSymmetry.latticeGroup(of: tetragonal, maxDeltaDegrees: 2)
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 4"), latticeRotations: tLattice).count, 2)
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 4 2 2"), latticeRotations: tLattice).count, 1)
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 2"), latticeRotations: tLattice).count, 4)
        let orthorhombic = try UnitCell(parameters: [50, 60, 70, 90, 90, 90])
        let oLattice = LatticeSymmetry.latticeGroup(of: orthorhombic, maxDeltaDegrees: 2)
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 2 2 2"), latticeRotations: oLattice).count, 1)
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 1"), latticeRotations: oLattice).count, 4)
        let cubic = try UnitCell(parameters: [70, 70, 70, 90, 90, 90])
        let cLattice = LatticeSymmetry.latticeGroup(of: cubic, maxDeltaDegrees: 2)
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 2 3"), latticeRotations: cLattice).count, 2)
        // The identity's setting comes first.
        XCTAssertEqual(IndexingAmbiguity.alternatives(laueRotations: try rotations("P 4"), latticeRotations: tLattice).first,
                       SymmetryOperation.identity.rotation)
    }

    func testTheReindexingThatRestoresTheReferenceSettingIsChosen() throws {
        let cell = try UnitCell(parameters: [60, 60, 90, 90, 90, 90])
        let group = try SpaceGroup("P 4")
        let reference = syntheticObservations(group: group, cell: cell, dMin: 4, seed: 3)
        let twisted = try ChangeOfBasis(parsing: "b,a,-c")
        let other = syntheticObservations(group: group, cell: cell, dMin: 4, seed: 3, observedBasis: twisted)
        let laue = try rotations("P 4")
        let alternatives = IndexingAmbiguity.alternatives(
            laueRotations: laue, latticeRotations: LatticeSymmetry.latticeGroup(of: cell, maxDeltaDegrees: 2))
        let choice = try IndexingAmbiguity.choose(reference: reference, candidate: other, toReduced: .identity, reducedCell: cell,
                                                  laueRotations: laue, alternatives: alternatives)
        XCTAssertTrue(choice.decided)
        XCTAssertNotEqual(choice.chosen, 0)
        XCTAssertGreaterThan(choice.candidates[choice.chosen].cc ?? 0, 0.9)
        XCTAssertLessThan(choice.candidates[0].cc ?? 1, 0.5)
        // The chosen reindexing brings the twisted indices back to an equivalent of the original.
        let h = Miller(3, 7, 2)
        let back = try XCTUnwrap(choice.changeOfBasis.apply(to: try XCTUnwrap(twisted.apply(to: h))))
        let ops = laue.map { SymmetryOperation(rotation: $0) }
        XCTAssertEqual(IndexingAmbiguity.canonical(back, ops), IndexingAmbiguity.canonical(h, ops))

        // Data already in the reference setting keep their indexing.
        let same = syntheticObservations(group: group, cell: cell, dMin: 4, seed: 3)
        let keep = try IndexingAmbiguity.choose(reference: reference, candidate: same, toReduced: .identity, reducedCell: cell,
                                                laueRotations: laue, alternatives: alternatives)
        XCTAssertEqual(keep.chosen, 0)
    }
}
