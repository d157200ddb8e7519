// End-to-end tests of `mxflow process` on the bundled testdata sweeps:
// results against the truth, the failure record, and resuming after a kill.
import Foundation
import XCTest

final class ProcessCommandTests: XCTestCase {
    /// The sweep's master file and its truth.json as a dictionary.
    func sweep(_ name: String) throws -> (master: String, truth: [String: Any]) {
        let dir = CLITest.packageRoot() + "/testdata/" + name
        let master = dir + "/" + name + "_master.h5"
        guard FileManager.default.fileExists(atPath: master) else { throw XCTSkip("\(master) is missing") }
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/truth.json"))
        return (master, try JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    func summary(_ dir: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/mxflow.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testProcessFindsTheTrueSpaceGroupAndCell() throws {
        let exe = try CLITest.mxflowBinary()
        let (master, truth) = try sweep("sim_p43212_se_nxmx")
        let out = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(exe, ["process", master, "output_dir=\(out)", "nproc=2"], in: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Merged data: \(out)/merged.mtz"), r.stdout)
        let s = try summary(out)
        XCTAssertEqual(s["status"] as? String, "success")
        let result = try XCTUnwrap(s["result"] as? [String: Any])
        // P 43 21 2 (96) or its enantiomorph P 41 21 2 (92): intensities cannot tell them apart.
        let number = try XCTUnwrap(result["space_group_number"] as? Int)
        XCTAssertTrue([92, 96].contains(number), "space group \(number)")
        let cell = try XCTUnwrap(result["unit_cell"] as? [Double])
        let trueCell = try XCTUnwrap(truth["unit_cell"] as? [Double])
        for k in 0..<3 { XCTAssertEqual(cell[k], trueCell[k], accuracy: 0.003 * trueCell[k], "cell \(cell)") }
        for k in 3..<6 { XCTAssertEqual(cell[k], trueCell[k], accuracy: 0.2) }
        let overall = try XCTUnwrap(result["overall"] as? [String: Any])
        XCTAssertGreaterThan(overall["cc_half"] as? Double ?? 0, 0.95)
        // Every decision has its evidence; the Bravais and space-group choices are among them.
        let decisions = try XCTUnwrap(s["decisions"] as? [[String: Any]])
        XCTAssertTrue(decisions.allSatisfy { !(($0["reason"] as? String) ?? "").isEmpty })
        XCTAssertTrue(decisions.contains { ($0["decision"] as? String)?.hasPrefix("lattice tP") == true }, "\(decisions)")
        for file in ["merged.mtz", "scaled_unmerged.mtz", "mxflow.log", "mxflow.html", "scaled.expt", "scaled.refl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let html = try String(contentsOfFile: out + "/mxflow.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
    }

    func testUnreadableInputIsRecordedAsAFailure() throws {
        let exe = try CLITest.mxflowBinary()
        let out = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(exe, ["process", out + "/missing_master.h5", "output_dir=\(out)"], in: out)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("failed at import"), r.stderr)
        let s = try summary(out)
        XCTAssertEqual(s["status"] as? String, "failed")
        let failure = try XCTUnwrap(s["failure"] as? [String: Any])
        XCTAssertEqual(failure["step"] as? String, "import")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/imported.expt"))
    }

    func testUnknownStepParameterIsRefusedBeforeAnyWork() throws {
        let exe = try CLITest.mxflowBinary()
        let (master, _) = try sweep("sim_p212121_ice_nxmx")
        let out = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(exe, ["process", master, "output_dir=\(out)", "index.max_cel=100"], in: out)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("max_cel"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/imported.expt"))
    }

    /// A run killed after indexing resumes from its files and ends with the
    /// same result as an uninterrupted run.
    func testKilledRunResumesAndFinishesWithTheSameResult() throws {
        let exe = try CLITest.mxflowBinary()
        let (master, _) = try sweep("sim_p212121_ice_nxmx")
        let fresh = try CLITest.temporaryFolder(self)
        let whole = try CLITest.runProcess(exe, ["process", master, "output_dir=\(fresh)", "nproc=1"], in: fresh)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let out = try CLITest.temporaryFolder(self)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["process", master, "output_dir=\(out)", "nproc=1"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoints = out + "/mxflow.checkpoints.json"
        var killedAfterIndex = false
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning && Date() < deadline {
            if let text = try? String(contentsOfFile: checkpoints, encoding: .utf8), text.contains("\"index\"") {
                kill(p.processIdentifier, SIGKILL)
                killedAfterIndex = true
                break
            }
            usleep(5_000)
        }
        p.waitUntilExit()
        guard killedAfterIndex, p.terminationReason == .uncaughtSignal else {
            throw XCTSkip("the run ended before it could be killed after indexing (machine too fast for this test)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/merged.mtz"))

        let resumed = try CLITest.runProcess(exe, ["process", master, "output_dir=\(out)", "nproc=1"], in: out)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("=== index: resumed"), resumed.stdout)
        XCTAssertFalse(resumed.stdout.contains("=== find_spots\n"), "find_spots ran again")
        let a = try summary(fresh), b = try summary(out)
        let steps = try XCTUnwrap(b["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.first { $0["name"] as? String == "index" }?["status"] as? String, "resumed")
        let ra = try XCTUnwrap(a["result"] as? [String: Any]), rb = try XCTUnwrap(b["result"] as? [String: Any])
        XCTAssertEqual(ra["space_group"] as? String, rb["space_group"] as? String)
        XCTAssertEqual(ra["unit_cell"] as? [Double], rb["unit_cell"] as? [Double])
        let oa = ra["overall"] as? [String: Any], ob = rb["overall"] as? [String: Any]
        XCTAssertEqual(oa?["n_obs"] as? Int, ob?["n_obs"] as? Int)
        XCTAssertEqual(oa?["cc_half"] as? Double ?? 0, ob?["cc_half"] as? Double ?? 1, accuracy: 1e-9)

        // Unchanged inputs and parameters: a third run resumes everything.
        let again = try CLITest.runProcess(exe, ["process", master, "output_dir=\(out)", "nproc=1"], in: out)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("=== merge: resumed"), again.stdout)
        // force=True redoes it all.
        let forced = try CLITest.runProcess(exe, ["process", master, "output_dir=\(out)", "nproc=1", "force=True"], in: out)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertFalse(forced.stdout.contains("resumed"))
    }
}
