// Symmetry determination on DIALS-integrated data committed as small fixtures, compared with dials.symmetry's answers.
import XCTest
import MXFormats
import MXLogging
import MXModel
@testable import MXSymmetryAnalysis
import MXSymmetry

/// Fixtures (Fixtures/): columns miller_index, intensity.{sum,prf}.{value,variance},
/// lp, qe, partiality, flags, id of DIALS 3.12's integrated.refl, cut with
/// `t.select(t['d'] >= 5.0)` for lysozyme_p43212 (3958 rows) and whole for
/// testdata/sim_c2_cbf_offset (1131 rows), with their integrated.expt.
final class DIALSIntegratedFixtureTests: XCTestCase {
    let logger = Logger { _, _ in }

    func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    func run(_ expt: String, _ refl: String) throws -> SymmetryResult {
        let table: SpaceGroupTable
        do { table = try SpaceGroupTable.shared() } catch { throw XCTSkip("syminfo.lib not available") }
        let list = try ExperimentListCodec.read(path: fixture(expt))
        let crystal = try XCTUnwrap(list.experiments.first?.crystal)
        let reflections = try ReflectionTableCodec.read(path: fixture(refl))
        let selection = try IntensityObservation.select(from: reflections, experimentID: 0)
        let group = try table.spaceGroup(crystal.spaceGroupHall)
        return try SymmetryDetermination.determine(selection.observations, cell: try UnitCell(crystal: crystal),
                                                   centring: group.centringType, table: table, logger: logger)
    }

    func testLysozymeIsP41212OrP43212() throws {
        // dials.symmetry on the full integrated.refl: P 4/m m m (likelihood 0.999),
        // every element *** (likelihood > 0.9), P 41 21 2 with P 43 21 2 as enantiomorph.
        let r = try run("lysozyme_integrated.expt", "lysozyme_integrated_d5.refl")
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "P 4/mmm")
        XCTAssertGreaterThan(r.chosenLaueClass.likelihood, 0.99)
        XCTAssertEqual(r.laue.elements.count, 7)
        for e in r.laue.elements { XCTAssertGreaterThan(e.likelihood, 0.9, "\(e.order)|\(e.axis)") }
        XCTAssertEqual(r.spaceGroup.xHM, "P 41 21 2")
        XCTAssertEqual(r.absences?.equivalent.map(\.xHM), ["P 43 21 2"])
        // The fourfold becomes c: 79.1, 79.1, 37.9.
        let cell = try UnitCell(crystal: try XCTUnwrap(ExperimentListCodec.read(
            path: fixture("lysozyme_integrated.expt")).experiments.first?.crystal))
        XCTAssertEqual(try cell.changeBasis(r.changeOfBasis).c, 37.90, accuracy: 0.01)
    }

    func testCentredMonoclinicSweepIsC2WithTheTrueCell() throws {
        // DIALS indexed this sweep in I 1 2 1 (48.0, 62.0, 108.6, β 92.2); dials.symmetry keeps
        // I 1 2/m 1. The truth (testdata/sim_c2_cbf_offset/truth.json) is C 1 2 1, 117, 62, 48, β 112.
        let r = try run("sim_c2_integrated.expt", "sim_c2_integrated.refl")
        XCTAssertEqual(r.chosenLaueClass.pattersonGroupName, "C 2/m")
        XCTAssertEqual(r.spaceGroup.xHM, "C 1 2 1")
        let list = try ExperimentListCodec.read(path: fixture("sim_c2_integrated.expt"))
        let crystal = try SymmetryDetermination.reindexed(try XCTUnwrap(list.experiments.first?.crystal),
                                                          by: r.changeOfBasis, group: r.spaceGroup)
        let p = try UnitCell(crystal: crystal).parameters
        XCTAssertEqual(p[0], 117.03, accuracy: 0.05); XCTAssertEqual(p[2], 48.02, accuracy: 0.05)
        XCTAssertEqual(p[4], 112.0, accuracy: 0.1)
        XCTAssertEqual(crystal.spaceGroupHall, r.spaceGroup.hall)
    }
}
