// `mxflow process` when the output disk fills up: the failure is recorded in
// mxflow.json with the step and what to do, nothing is left half-written, and
// with room again the same command resumes and finishes.
import Foundation
import XCTest

final class ProcessDiskFullTests: XCTestCase {
    func testAFullDiskIsRecordedAndTheSameCommandResumesOnceThereIsRoom() throws {
        let exe = try CLITest.mxflowBinary()
        let name = "sim_p212121_ice_nxmx"
        let master = CLITest.packageRoot() + "/testdata/\(name)/\(name)_master.h5"
        guard FileManager.default.fileExists(atPath: master) else { throw XCTSkip("\(master) is missing") }
        guard getuid() == 0 else { throw XCTSkip("a small file system for the test is mounted as root only") }
        let work = try CLITest.temporaryFolder(self)
        let disk = work + "/small"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // 12 MB: room for the spots and the indexing (about 10 MB), not for refinement's reflections.
        let mount = try CLITest.runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=12m", "tmpfs", disk], in: work)
        guard mount.status == 0 else { throw XCTSkip("cannot mount a tmpfs here: \(mount.stderr)") }
        defer { _ = try? CLITest.runProcess("/bin/umount", [disk], in: work) }

        let full = try CLITest.runProcess(exe, ["process", master, "output_dir=\(disk)", "nproc=2"], in: work)
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("No space left on device"), full.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: disk + "/mxflow.json"))
        let s = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertEqual(s["status"] as? String, "failed")
        let failure = try XCTUnwrap(s["failure"] as? [String: Any])
        XCTAssertFalse((failure["step"] as? String ?? "").isEmpty)
        XCTAssertTrue((failure["reason"] as? String ?? "").contains("run the same command again"), "\(failure)")
        let left = try FileManager.default.contentsOfDirectory(atPath: disk)
        XCTAssertFalse(left.contains { $0.hasSuffix(".tmp") }, "temporary files left: \(left)")
        XCTAssertFalse(left.contains("merged.mtz"))

        let grow = try CLITest.runProcess("/bin/mount", ["-o", "remount,size=64m", disk], in: work)
        XCTAssertEqual(grow.status, 0, grow.stderr)
        let again = try CLITest.runProcess(exe, ["process", master, "output_dir=\(disk)", "nproc=2"], in: work)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("=== find_spots: resumed"), again.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: disk + "/merged.mtz"))
    }
}
