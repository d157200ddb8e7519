// End-to-end tests of `mxflow process` on the bundled testdata sweeps:
// results against the truth, the failure record, and resuming after a kill.
import Foundation
import MXFormats
import MXModel
import MXSymmetry
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

    /// `mxflow process` with nproc=2 on testdata sweep `name` in a new folder, which it returns with its
    /// stdout and the sweep's truth; the run must succeed.
    func processed(_ name: String) throws -> (out: String, stdout: String, truth: [String: Any]) {
        let exe = try CLITest.mxflowBinary()
        let (master, truth) = try sweep(name)
        let out = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(exe, ["process", master, "output_dir=\(out)", "nproc=2"], in: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (out, r.stdout, truth)
    }

    func testProcessFindsTheTrueSpaceGroupAndCell() throws {
        let (out, stdout, truth) = try processed("sim_p43212_se_nxmx")
        XCTAssertTrue(stdout.contains("Merged data: \(out)/merged.mtz"), stdout)
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
        // No ice on this sweep: no ice rings named.
        XCTAssertFalse(decisions.contains { $0["step"] as? String == "integrate" }, "\(decisions)")
        for file in ["merged.mtz", "scaled_unmerged.mtz", "mxflow.log", "mxflow.html", "scaled.expt", "scaled.refl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let html = try String(contentsOfFile: out + "/mxflow.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
    }

    /// A sweep with ice rings (3.90, 3.67, 3.44 Å and weaker ones): process
    /// names them among its decisions, and the boxes across them follow the
    /// radial background profile.
    func testIceRingsAreNamedAndFollowed() throws {
        let out = try processed("sim_p212121_ice_nxmx").out
        let decisions = try XCTUnwrap(try summary(out)["decisions"] as? [[String: Any]])
        let ice = try XCTUnwrap(decisions.first { $0["step"] as? String == "integrate" }, "\(decisions)")
        let reason = try XCTUnwrap(ice["reason"] as? String)
        for d in ["3.90", "3.67", "3.44"] { XCTAssertTrue(reason.contains(d), reason) }
        let log = try String(contentsOfFile: out + "/mxflow.log", encoding: .utf8)
        XCTAssertTrue(log.contains("whose background follows it"), "no radial background line in the log")
    }

    /// A C-centred crystal on a Pilatus CBF sweep whose header beam centre is
    /// off: the lattice's centring absences are never predicted, so neither
    /// the integrated table nor the merged file (C 1 2 1: h+k odd) holds them.
    func testCentredLatticeLeavesItsAbsencesUnmeasured() throws {
        let exe = try CLITest.mxflowBinary()
        let dir = CLITest.packageRoot() + "/testdata/sim_c2_cbf_offset"
        guard FileManager.default.fileExists(atPath: dir + "/truth.json") else { throw XCTSkip("\(dir) is missing") }
        let out = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(exe, ["process", dir, "output_dir=\(out)", "nproc=2"], in: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let result = try XCTUnwrap(try summary(out)["result"] as? [String: Any])
        XCTAssertEqual(result["space_group_number"] as? Int, 5)
        let integrated = try ReflectionTableCodec.read(path: out + "/integrated.refl")
        // Integrated in the centred setting refinement chose (I 1 2 1 or C 1 2 1): none of its absences.
        let expt = try ExperimentListCodec.read(path: out + "/integrated.expt")
        let group = try SpaceGroup(try XCTUnwrap(expt[0].crystal).spaceGroupHall)
        XCTAssertNotEqual(group.centringType, "P", group.xHM)
        let hkl = try XCTUnwrap(integrated.millerIndices(ReflectionTable.Name.millerIndex))
        XCTAssertGreaterThan(hkl.count, 1000)
        XCTAssertFalse(hkl.contains { group.isCentringAbsent(Miller($0.h, $0.k, $0.l)) }, "\(group.xHM) absences integrated")
        let merged = try MTZReader.read(path: out + "/merged.mtz")
        XCTAssertGreaterThan(merged.reflectionCount, 500)
        XCTAssertTrue(merged.millerIndices.allSatisfy { ($0.h + $0.k) % 2 == 0 }, "h+k odd in merged.mtz")
    }

    /// A header beam centre 3.8 mm off, beyond the ±2 mm the indexer's own
    /// grid reaches: the beam-centre search finds it from a start 3 mm away.
    func testBeamCentreFarOffIsFound() throws {
        let exe = try CLITest.mxflowBinary()
        let spec = CLITest.packageRoot() + "/testdata/specs/sim_c2_cbf_offset.json"
        let work = try CLITest.temporaryFolder(self)
        let sim = try CLITest.runProcess(exe, ["simulate", spec, work + "/s", "name=s", "header_beam_offset_mm=-3.1,-2.2",
                                               "nproc=2"], in: work)
        XCTAssertEqual(sim.status, 0, sim.stderr)
        let out = work + "/out"
        let r = try CLITest.runProcess(exe, ["process", work + "/s", "output_dir=\(out)", "nproc=2"], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try summary(out)
        let decisions = try XCTUnwrap(s["decisions"] as? [[String: Any]])
        let search = try XCTUnwrap(decisions.compactMap { $0["decision"] as? String }
            .first { $0.hasPrefix("search the beam centre") }, "\(decisions)")
        // "search the beam centre (shift 3.10, 2.20 mm) and index again": the centre moves back by the offset.
        let numbers = search.split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
        XCTAssertEqual(numbers.count, 2, search)
        XCTAssertEqual(numbers.first ?? 0, 3.1, accuracy: 0.05, search)
        XCTAssertEqual(numbers.last ?? 0, 2.2, accuracy: 0.05, search)
        let result = try XCTUnwrap(s["result"] as? [String: Any])
        XCTAssertEqual(result["space_group_number"] as? Int, 5, "\(result)")
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
