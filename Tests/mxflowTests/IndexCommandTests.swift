// End-to-end tests of `mxflow index` with a space group given alone, on the bundled C2 sweep.
import Foundation
import XCTest
import MXFormats
import MXModel
import MXTestSupport

final class IndexCommandTests: XCTestCase {
    /// testdata/sim_c2_cbf_offset (C2, 117, 62, 48 Å, β 112°; header beam centre
    /// off by 0.6, −0.4 mm), imported and spot-found by mxflow in a scratch folder.
    func spotFoundC2Sweep() throws -> String {
        let dir = try CLITest.temporaryFolder(self)
        let mxflow = try CLITest.mxflowBinary()
        let images = try FileManager.default.contentsOfDirectory(atPath: TestPaths.testdata + "/sim_c2_cbf_offset")
            .filter { $0.hasSuffix(".cbf") }.sorted().map { TestPaths.testdata + "/sim_c2_cbf_offset/" + $0 }
        let imported = try CLITest.runProcess(mxflow, ["import"] + images, in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let found = try CLITest.runProcess(mxflow, ["find-spots", "imported.expt"], in: dir)
        XCTAssertEqual(found.status, 0, found.stderr)
        return dir
    }

    /// space_group=C2 without unit_cell= gives the conventional C2 cell. The
    /// primitive reduced cell (48, 62, 66.2, 117.9°, 109.3°, 90°) needs a basis
    /// change with a coefficient 2 to reach it, which the earlier search
    /// (coefficients −1…1) could not express, so this used to fail.
    func testSpaceGroupAloneGivesTheConventionalC2Cell() throws {
        let dir = try spotFoundC2Sweep()
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["index", "imported.expt", "strong.refl", "space_group=C2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let list = try ExperimentListCodec.read(path: dir + "/indexed.expt")
        let crystal = try XCTUnwrap(list[0].crystal)
        XCTAssertEqual(crystal.spaceGroupHall.trimmingCharacters(in: .whitespaces), "C 2y")
        let c = crystal.cellParameters
        let p = [c.a, c.b, c.c, c.alpha, c.beta, c.gamma]
        for (found, truth) in zip(p, [117.0, 62.0, 48.0, 90, 112, 90]) { XCTAssertEqual(found, truth, accuracy: 0.2, "\(p)") }
        let table = try ReflectionTableCodec.read(path: dir + "/indexed.refl")
        let ids = try XCTUnwrap(table.ints("id"))
        XCTAssertGreaterThan(Double(ids.filter { $0 == 0 }.count) / Double(ids.count), 0.9)
    }

    /// The conventional C2 cell given with its group: reached although it
    /// needs a basis coefficient of 2 from the reduced cell.
    func testCentredUnitCellGivenWithItsGroupIsMatched() throws {
        let dir = try spotFoundC2Sweep()
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["index", "imported.expt", "strong.refl", "space_group=C2", "unit_cell=117,62,48,90,112,90"],
                                       in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let c = try XCTUnwrap(try ExperimentListCodec.read(path: dir + "/indexed.expt")[0].crystal).cellParameters
        let p = [c.a, c.b, c.c, c.alpha, c.beta, c.gamma]
        for (found, truth) in zip(p, [117.0, 62.0, 48.0, 90, 112, 90]) { XCTAssertEqual(found, truth, accuracy: 0.2, "\(p)") }
    }

    /// A space group whose lattice the spots do not have: one sentence naming
    /// the lattice needed and those found, nothing written.
    func testSpaceGroupWithTheWrongLatticeIsRefused() throws {
        let dir = try spotFoundC2Sweep()
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["index", "imported.expt", "strong.refl", "space_group=P4"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("needs lattice type tP"), r.stderr)
        XCTAssertTrue(r.stderr.contains("mI (δ 0.0°)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/indexed.expt"))
    }

    /// refine-bravais-settings makes its output folder (as process makes
    /// output_dir) instead of failing after all the refinement, and prints
    /// each setting's RMSD with a fixed number of digits.
    func testBravaisSettingsFolderIsMade() throws {
        let dir = try spotFoundC2Sweep()
        let mxflow = try CLITest.mxflowBinary()
        let indexed = try CLITest.runProcess(mxflow, ["index", "imported.expt", "strong.refl"], in: dir)
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        let r = try CLITest.runProcess(mxflow, ["refine-bravais-settings", "indexed.expt", "indexed.refl",
                                                "output.directory=settings/c2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/settings/c2/bravais_setting_1.expt"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/settings/c2/bravais_summary.json"))
        let log = try String(contentsOfFile: dir + "/mxflow.refine_bravais_settings.log", encoding: .utf8)
        let rmsdLines = log.split(separator: "\n").filter { $0.hasPrefix("Bravais setting aP") }
        XCTAssertEqual(rmsdLines.count, 1, log)
        XCTAssertNotNil(rmsdLines.first?.range(of: #"rmsd \d\.\d{5} mm$"#, options: .regularExpression), "\(rmsdLines)")
    }
}
