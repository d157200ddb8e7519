// Tests of symmetry determination on synthetic intensities with known groups.
import XCTest
import MXLogging
@testable import MXSymmetryAnalysis
import MXSymmetry

final class SymmetryDeterminationTests: XCTestCase {
    let logger = Logger { _, _ in }

    func table() throws -> SpaceGroupTable {
        do { return try SpaceGroupTable.shared() } catch { throw XCTSkip("syminfo.lib not available: \(error)") }
    }

    func testTetragonalScrewAxesGiveP41212OrItsEnantiomorph() throws {
        let t = try table()
        let group = try t.spaceGroup("P 41 21 2")
        let cell = try UnitCell(a: 50, b: 50, c: 70, alpha: 90, beta: 90, gamma: 90)
        let obs = syntheticObservations(group: group, cell: cell, dMin: 4)
        let r = try SymmetryDetermination.determine(obs, cell: cell, table: t, logger: logger)
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "P 4/mmm")
        XCTAssertGreaterThan(r.chosenLaueClass.likelihood, 0.9)
        XCTAssertEqual(r.spaceGroup.number, 92)
        XCTAssertEqual(r.absences?.equivalent.map(\.number), [96], "P43212 is the enantiomorph")
        // Every element of 4/mmm correlates; the identity is the repeat CC.
        XCTAssertEqual(r.laue.elements.count, 7, "1, 4, and the 2s along c, a, b and both diagonals")
        for e in r.laue.elements { XCTAssertGreaterThan(e.cc, 0.9, "element \(e.order)|\(e.axis)") }
        // The setting keeps c as the fourfold: the reindexed cell is 50, 50, 70.
        let p = try cell.changeBasis(r.changeOfBasis).parameters
        XCTAssertEqual(p[2], 70, accuracy: 1e-6)
        XCTAssertEqual(p[0], 50, accuracy: 1e-6)
    }

    func testOrthorhombicSettingIsFoundFromPermutedIndexing() throws {
        let t = try table()
        let group = try t.spaceGroup("P 21 21 21")
        let cell = try UnitCell(a: 40, b: 55, c: 70, alpha: 90, beta: 90, gamma: 90)
        // Index the crystal as (c, a, b): the analysis must undo it.
        let permute = try ChangeOfBasis(parsing: "c,a,b")
        let obs = syntheticObservations(group: group, cell: cell, dMin: 3.5, observedBasis: permute)
        let r = try SymmetryDetermination.determine(obs, cell: try cell.changeBasis(permute), table: t, logger: logger)
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "P mmm")
        XCTAssertEqual(r.spaceGroup.xHM, "P 21 21 21")
        XCTAssertTrue(r.absences?.equivalent.isEmpty ?? false)
        XCTAssertEqual(r.absences?.tests.count, 3, "one test per screw axis")
        for test in r.absences?.tests ?? [] { XCTAssertGreaterThan(test.probabilityAbsent, 0.9, test.label) }
        // Reindexed cell is a < b < c again.
        let p = try cell.changeBasis(permute).changeBasis(r.changeOfBasis).parameters
        XCTAssertEqual(p[0], 40, accuracy: 1e-6); XCTAssertEqual(p[1], 55, accuracy: 1e-6)
        XCTAssertEqual(p[2], 70, accuracy: 1e-6)
    }

    func testPseudoTetragonalOrthorhombicIsNotTetragonal() throws {
        // a ≈ b within 2°-tolerance metric, but intensities only 222.
        let t = try table()
        let group = try t.spaceGroup("P 2 2 2")
        let cell = try UnitCell(a: 50, b: 50.2, c: 70, alpha: 90, beta: 90, gamma: 90)
        let obs = syntheticObservations(group: group, cell: cell, dMin: 4, seed: 11)
        let r = try SymmetryDetermination.determine(obs, cell: cell, table: t, logger: logger)
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "P mmm")
        XCTAssertTrue(r.laue.candidates.contains { $0.pattersonGroupName == "P 4/mmm" }, "lattice allows 4/mmm")
        XCTAssertEqual(r.spaceGroup.xHM, "P 2 2 2")
    }

    func testCentredMonoclinicInputIsMadePrimitive() throws {
        let t = try table()
        let group = try t.spaceGroup("C 1 2 1")
        let cell = try UnitCell(a: 117, b: 62, c: 48, alpha: 90, beta: 112, gamma: 90)
        let obs = syntheticObservations(group: group, cell: cell, dMin: 5)
        let r = try SymmetryDetermination.determine(obs, cell: cell, centring: "C", table: t, logger: logger)
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "C 2/m")
        XCTAssertEqual(r.spaceGroup.xHM, "C 1 2 1")
        let p = try cell.changeBasis(r.changeOfBasis).parameters
        XCTAssertEqual(p[4], 112, accuracy: 1e-6, "β nearest 90° among C cells")
    }

    func testUserSpaceGroupIsImposedAndIncompatibleOneRefused() throws {
        let t = try table()
        let group = try t.spaceGroup("P 41 21 2")
        let cell = try UnitCell(a: 50, b: 50, c: 70, alpha: 90, beta: 90, gamma: 90)
        let obs = syntheticObservations(group: group, cell: cell, dMin: 5)
        var p = SymmetryParameters()
        p.spaceGroup = "P43212"
        let r = try SymmetryDetermination.determine(obs, cell: cell, parameters: p, table: t, logger: logger)
        XCTAssertEqual(r.spaceGroup.number, 96)
        XCTAssertTrue(r.userImposed)
        p.spaceGroup = "P6122"
        XCTAssertThrowsError(try SymmetryDetermination.determine(obs, cell: cell, parameters: p, table: t,
                                                                 logger: logger)) { error in
            guard case SymmetryAnalysisError.incompatibleSpaceGroup(_, _, let possible)? = error as? SymmetryAnalysisError
            else { return XCTFail("\(error)") }
            XCTAssertTrue(possible.contains("P 4/mmm"))
            XCTAssertTrue(String(describing: error).contains("P 61 2 2"))
        }
    }

    func testTooFewReflectionsIsAClearError() throws {
        let t = try table()
        let cell = try UnitCell(a: 50, b: 50, c: 70, alpha: 90, beta: 90, gamma: 90)
        let obs = Array(syntheticObservations(group: try t.spaceGroup("P 4"), cell: cell, dMin: 6).prefix(30))
        XCTAssertThrowsError(try SymmetryDetermination.determine(obs, cell: cell, table: t, logger: logger)) { error in
            guard case SymmetryAnalysisError.tooFewReflections(let n, 50)? = error as? SymmetryAnalysisError
            else { return XCTFail("\(error)") }
            XCTAssertLessThanOrEqual(n, 30)
        }
    }

    func testTruncatedCauchyIsNormalisedOnMinusOneToOne() {
        var sum = 0.0
        let n = 20000
        for i in 0..<n {
            let x = -1 + 2 * (Double(i) + 0.5) / Double(n)
            sum += LaueGroupAnalysis.truncatedCauchy(x, centre: 0.9, width: 0.1) * 2 / Double(n)
        }
        XCTAssertEqual(sum, 1, accuracy: 1e-4)
        // A CC near the expected value favours the element; a CC near 0 the alternative.
        XCTAssertGreaterThan(LaueGroupAnalysis.truncatedCauchy(0.9, centre: 0.9, width: 0.1),
                             LaueGroupAnalysis.probabilityWithoutElement(0.9, ccTrue: 0.9, width: 0.1))
        XCTAssertLessThan(LaueGroupAnalysis.truncatedCauchy(0.05, centre: 0.9, width: 0.1),
                          LaueGroupAnalysis.probabilityWithoutElement(0.05, ccTrue: 0.9, width: 0.1))
    }
}

final class SymmetryDeterminationHexagonalTests: XCTestCase {
    let logger = Logger { _, _ in }

    func testHexagonalSixOneScrewAndItsEnantiomorph() throws {
        let t: SpaceGroupTable
        do { t = try SpaceGroupTable.shared() } catch { throw XCTSkip("syminfo.lib not available") }
        let cell = try UnitCell(a: 60, b: 60, c: 90, alpha: 90, beta: 90, gamma: 120)
        let obs = syntheticObservations(group: try t.spaceGroup("P 61"), cell: cell, dMin: 4.5, seed: 3)
        let r = try SymmetryDetermination.determine(obs, cell: cell, table: t, logger: logger)
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "P 6/m")
        XCTAssertEqual(Set([r.spaceGroup.number] + (r.absences?.equivalent.map(\.number) ?? [])), [169, 170],
                       "P61 with its enantiomorph P65")
    }

    func testRhombohedralIndexedInPrimitiveCellIsR3() throws {
        let t: SpaceGroupTable
        do { t = try SpaceGroupTable.shared() } catch { throw XCTSkip("syminfo.lib not available") }
        let cell = try UnitCell(a: 80, b: 80, c: 120, alpha: 90, beta: 90, gamma: 120)
        let obs = syntheticObservations(group: try t.spaceGroup("R 3 :H"), cell: cell, dMin: 5, seed: 5)
        // Indexed on the hexagonal cell with centring R, as DIALS would after refine_bravais_settings.
        let r = try SymmetryDetermination.determine(obs, cell: cell, centring: "R", table: t, logger: logger)
        XCTAssertEqual(r.spaceGroup.number, 146)
        let p = try cell.changeBasis(r.changeOfBasis).parameters
        XCTAssertEqual(p[2], 120, accuracy: 1e-6)
        XCTAssertEqual(p[5], 120, accuracy: 1e-6)
    }
}
