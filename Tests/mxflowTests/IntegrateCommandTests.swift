// End-to-end tests of `mxflow integrate` on the DIALS-refined fixture of testdata/sim_p43212_se_nxmx.
import Foundation
import XCTest
import MXFormats
import MXModel

final class IntegrateCommandTests: XCTestCase {
    static let fixtures = CLITest.packageRoot() + "/Tests/MXIntegrationTests/Fixtures/"

    /// Copies the fixture's experiments into `dir` with the image template pointed at this checkout.
    func experiments(in dir: String, imageRange: ClosedRange<Int>? = nil) throws -> String? {
        var list = try ExperimentListCodec.read(path: Self.fixtures + "se_refined.expt")
        let master = CLITest.packageRoot() + "/testdata/sim_p43212_se_nxmx/sim_p43212_se_nxmx_master.h5"
        guard FileManager.default.fileExists(atPath: master) else { return nil }
        list[0].imageSet?.template = master
        if let imageRange { list[0].scan?.imageRange = imageRange }
        try ExperimentListCodec.write(list, to: dir + "/refined.expt")
        return dir + "/refined.expt"
    }

    func testIntegrateWritesFilesAndSummary() throws {
        let dir = try CLITest.temporaryFolder(self)
        guard let expt = try experiments(in: dir) else { throw XCTSkip("testdata sweep absent") }
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["integrate", expt, Self.fixtures + "se_refined.refl", "prediction.d_min=4",
                                        "nproc=2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        for expected in ["profile model: sigma_b = 0.03", "Summary vs image number:", "Summary vs resolution:",
                         "integrated by summation", "peak resident memory"] {
            XCTAssertTrue(r.stdout.contains(expected), "missing \(expected) in\n\(r.stdout)")
        }
        let list = try ExperimentListCodec.read(path: dir + "/integrated.expt")
        XCTAssertNotNil(list[0].profile)
        let table = try ReflectionTableCodec.read(path: dir + "/integrated.refl")
        XCTAssertGreaterThan(table.hasFlags(.integratedPrf).filter { $0 }.count, 1000)
    }

    func testMissingFramesExitOneAndWriteNothing() throws {
        let dir = try CLITest.temporaryFolder(self)
        guard let expt = try experiments(in: dir, imageRange: 1...40) else { throw XCTSkip("testdata sweep absent") }
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["integrate", expt, Self.fixtures + "se_refined.refl"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("mxflow integrate: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("frames missing"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/integrated.expt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/integrated.refl"))
    }

    func testNothingPredictedIsOneSentence() throws {
        let dir = try CLITest.temporaryFolder(self)
        guard let expt = try experiments(in: dir) else { throw XCTSkip("testdata sweep absent") }
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["integrate", expt, Self.fixtures + "se_refined.refl", "prediction.d_min=500"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("predicts no reflection"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/integrated.refl"))
    }
}
