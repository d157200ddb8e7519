// End-to-end tests of `mxflow refine` on the committed DIALS-indexed insulin fixture.
import Foundation
import XCTest
import MXFormats
import MXModel

final class RefineCommandTests: XCTestCase {
    static let fixtures = CLITest.packageRoot() + "/Tests/MXRefinementTests/Fixtures/"

    /// Writes refined.expt/refined.refl that read back, prints the RMSD tables,
    /// cell with e.s.d.s and parameter shifts; numbers as dials.refine
    /// outlier.algorithm=null gives on the same files (see DialsComparisonTests).
    func testRefineWritesOutputsAndReports() throws {
        let dir = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["refine", Self.fixtures + "insulin_indexed.expt", Self.fixtures + "insulin_indexed.refl",
                                        "outlier.algorithm=null"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        for expected in ["RMSDs by experiment:", "    0    598       0.12586       0.13012           0.22221",
                         "Crystal 1 refined cell: 67.569", "Crystal1g*11", "Detector1Dist", "Beam1Mu2",
                         "Stopped: RMSDs converged"] {
            XCTAssertTrue(r.stdout.contains(expected), "missing \(expected) in\n\(r.stdout)")
        }
        let list = try ExperimentListCodec.read(path: dir + "/refined.expt")
        XCTAssertEqual(list.count, 1)
        // Static then scan-varying by default: A at every frame boundary.
        XCTAssertTrue(r.stdout.contains("Scan-varying refinement"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Crystal1Phi1_sample0"), r.stdout)
        XCTAssertEqual(list[0].crystal!.aAtScanPoints.count, list[0].scan!.numberOfImages + 1)
        let table = try ReflectionTableCodec.read(path: dir + "/refined.refl")
        XCTAssertEqual(table.count, 602)
        XCTAssertEqual(table.hasFlags(.usedInRefinement).filter { $0 }.count, 598)
        XCTAssertNotNil(table.vec3s("xyzcal.px"))
    }

    /// scan_varying=False stops after static refinement: no scan points written.
    func testScanVaryingOff() throws {
        let dir = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["refine", Self.fixtures + "insulin_indexed.expt", Self.fixtures + "insulin_indexed.refl",
                                        "outlier.algorithm=null", "scan_varying=False"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("No scan-varying refinement"), r.stdout)
        let list = try ExperimentListCodec.read(path: dir + "/refined.expt")
        XCTAssertTrue(list[0].crystal!.aAtScanPoints.isEmpty)
    }

    func testRefineWithoutReflectionsIsOneSentence() throws {
        let dir = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["refine", Self.fixtures + "insulin_indexed.expt", "missing.refl"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("mxflow refine: "), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/refined.expt"))
    }
}
