// Cross-check against DIALS: scripts/compare_dials_geometry.py on shared sweeps.
import Foundation
import XCTest

/// Runs `dials.import` and `mxflow import` on the same data and requires
/// every geometry number to agree within 1e-6 (and `dials.show` to read
/// mxflow's file). Skips where DIALS or the data are not installed.
final class DialsGeometryTests: XCTestCase {
    func compare(_ relative: String) throws {
        guard CLITest.which("dials.import") != nil, CLITest.which("dials.show") != nil,
              FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("DIALS is not installed")
        }
        let data = CLITest.sharedDataDirectory() + "/" + relative
        guard FileManager.default.fileExists(atPath: data) else { throw XCTSkip("no shared data at \(data)") }
        let script = CLITest.packageRoot() + "/scripts/compare_dials_geometry.py"
        let r = try CLITest.runProcess("/usr/bin/python3", [script, "--mxflow", try CLITest.mxflowBinary(), data],
                                       in: try CLITest.temporaryFolder(self))
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("all geometry agrees within 1e-06"), r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("dials.show reads mxflow's imported.expt cleanly"), r.stdout)
    }

    func testInsulinNXmxMatchesDials() throws { try compare("insulin_i213/insulin_i213_master.h5") }
    func testCBFSweepMatchesDials() throws { try compare("cbf_p4212") }
}
