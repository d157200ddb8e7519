// End-to-end tests of `mxflow show`, numbers pinned to `dials.show` on the same files.
import Foundation
import XCTest
import MXFormats
import MXMath
import MXModel

final class ShowCommandTests: XCTestCase {
    /// `dials.show /work/shared/data/cbf_p4212/truth.expt` (DIALS 3.12) prints
    /// max resolution 1.725736 (corners) and 2.512219 (inscribed), beam centre
    /// (85.62, 82.53) mm = (497.80, 479.80) px, cell 60.500 60.500 98.300 and
    /// U row 1 {-0.9499, -0.1417, 0.2787}.
    func testShowMatchesDialsShowOnCBFTruth() throws {
        let path = CLITest.sharedDataDirectory() + "/cbf_p4212/truth.expt"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no CBF truth.expt") }
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["show", path], in: try CLITest.temporaryFolder(self))
        XCTAssertEqual(r.status, 0, r.stderr)
        for expected in ["Max resolution (at corners): 1.725736 Å", "Max resolution (inscribed):  2.512219 Å",
                         "mm: (85.62,82.53)", "px: (497.80,479.80)", "wavelength: 0.9763 Å",
                         "a = 60.500 Å, b = 60.500 Å, c = 98.300 Å, α = 90.000°, β = 90.000°, γ = 90.000°",
                         "U matrix:  {{-0.9499, -0.1417,  0.2787},", "distance:      200 mm",
                         "pixel size:    0.172 × 0.172 mm", "image range:   1 to 30",
                         "Rotation axis:   {1,0,0}"] {
            XCTAssertTrue(r.stdout.contains(expected), "missing \(expected) in\n\(r.stdout)")
        }
        // dials.show: "Space group: P 4 21 2"; without CCP4's syminfo.lib only the Hall symbol is known.
        let named = FileManager.default.fileExists(atPath: "/usr/share/ccp4/syminfo.lib")
        XCTAssertTrue(r.stdout.contains(named ? "Space group: P 4 21 2 (No. 90, Hall ' P 4ab 2ab')" : "Space group: Hall ' P 4ab 2ab'"),
                      r.stdout)
    }

    /// Multi-axis goniometer: the axes are listed and F is dxtbx's.
    func testShowListsGoniometerAxes() throws {
        let path = CLITest.packageRoot() + "/Tests/MXFormatsTests/Fixtures/multiaxis_hierarchy.expt"
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["show", path], in: try CLITest.temporaryFolder(self))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("* OMEGA: {1,0,0} at -20°"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Fixed rotation:  {0.977786,0.197635,0.0698251,"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Panel 1:"), r.stdout)
    }

    /// A DIALS scan-varying refinement: the cell per scan point on request.
    func testShowScanVaryingCell() throws {
        let path = CLITest.packageRoot() + "/Tests/MXFormatsTests/Fixtures/dials_refined_scan_varying.expt"
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["show", path, "show_scan_varying=True"],
                                       in: try CLITest.temporaryFolder(self))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("A sampled at 31 scan points"), r.stdout)
        XCTAssertTrue(r.stdout.contains("    1    60.509   60.521   98.317   89.992  90.000  90.001"), r.stdout)
        XCTAssertTrue(r.stdout.contains("a = 60.504 Å, b = 60.509 Å, c = 98.309 Å"), r.stdout)
    }

    func testShowOfMissingFileIsOneSentence() throws {
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["show", "nothere.expt"], in: try CLITest.temporaryFolder(self))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "mxflow show: nothere.expt: cannot read the experiment list (no such file, or it cannot be opened)\n")
    }

    /// A reflection table: row count, identifiers, and per-column type and min / max / mean.
    func testShowReflectionTable() throws {
        var table = ReflectionTable()
        table.set("xyzobs.px.value", .vec3([Vec3(1, 2, 3), Vec3(3, 4, 5)]))
        table.set("flags", .size([32, 32]))
        table.set("intensity.sum.value", .double([10, 30]))
        table.experimentIdentifiers = [0: "abc"]
        let work = try CLITest.temporaryFolder(self)
        try ReflectionTableCodec.write(table, path: work + "/strong.refl")
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["show", "strong.refl"], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Reflection table strong.refl: 2 rows, 3 columns"), r.stdout)
        XCTAssertTrue(r.stdout.contains("experiment 0: abc"), r.stdout)
        XCTAssertTrue(r.stdout.contains("std::size_t             32 / 32 / 32"), r.stdout)
        XCTAssertTrue(r.stdout.contains("double                  10 / 30 / 20"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(1 / 3 / 2) (2 / 4 / 3) (3 / 5 / 4)"), r.stdout)
    }
}
