// End-to-end tests of `mxflow find-spots`: the built binary on the shared CBF sweep, and its bad-input errors.
import Foundation
import XCTest

final class FindSpotsCommandTests: XCTestCase {
    func testFindsSpotsAndWritesStrongRefl() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 3)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["find-spots", expt, "nproc=2"], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        // dials.find_spots on images 1–3 of this sweep (DIALS 3.12, dials.import of the three files) saves 1906 reflections;
        // mxflow's thresholds and filters are DIALS' own, so the count is the same.
        XCTAssertTrue(r.stdout.contains("Saved 1906 reflections to strong.refl"), r.stdout)
        XCTAssertTrue(r.stdout.contains("| image | strong pixels | spots | d_min (Å) |"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Peak memory"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/strong.refl"))
        if let show = CLITest.which("dials.show") {
            let s = try CLITest.runProcess(show, ["strong.refl"], in: work)
            XCTAssertEqual(s.status, 0, s.stderr)
            XCTAssertTrue(s.stdout.contains("Reflection list contains 1906 reflections"), s.stdout)
        }
    }

    /// Pipes given as the log and as the output are written into and stay
    /// pipes (as root, a log of /dev/null once replaced the system's device
    /// with a plain file).
    func testPipesAsLogAndOutputStayPipes() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 3)
        let log = work + "/log.pipe", out = work + "/refl.pipe"
        XCTAssertEqual(mkfifo(log, 0o600), 0); XCTAssertEqual(mkfifo(out, 0o600), 0)
        final class Box: @unchecked Sendable { var data = Data() }
        let group = DispatchGroup()
        let received = [Box(), Box()]
        for (path, box) in zip([log, out], received) {
            group.enter()
            DispatchQueue.global().async {
                box.data = FileHandle(forReadingAtPath: path)?.readDataToEndOfFile() ?? Data()
                group.leave()
            }
        }
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["find-spots", expt, "output.log=" + log, "output.reflections=" + out], in: work)
        // Should the command never open a pipe, its reader is waiting: opening the pipe's other end frees it.
        for path in [log, out] { let fd = open(path, O_WRONLY | O_NONBLOCK); if fd >= 0 { close(fd) } }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(String(decoding: received[0].data, as: UTF8.self).contains("Saved 1906 reflections"))
        XCTAssertTrue(received[1].data.count > 1906 * 8, "\(received[1].data.count) bytes of strong.refl")
        for path in [log, out] {
            var st = stat()
            XCTAssertEqual(stat(path, &st), 0)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "\(path) is still a pipe")
        }
    }

    func testMissingImageNamesFileAndWritesNothing() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 3)
        try FileManager.default.removeItem(atPath: work + "/cbf_p4212_00002.cbf")
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["find-spots", expt], in: work)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("cbf_p4212_00002.cbf"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/strong.refl"))
    }

    /// An output in a folder that does not exist is refused before any image is read.
    func testOutputInAMissingFolderIsRefusedAtOnce() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 2)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["find-spots", expt, "output.reflections=no/such/strong.refl"], in: work)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("output.reflections=no/such/strong.refl: the folder no/such does not exist"), r.stderr)
        XCTAssertFalse(r.stdout.contains("Found"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/no"))
    }

    func testEmptyFrameRangeIsAnError() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 2)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["find-spots", expt, "scan_range=10,20"], in: work)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("the frame range 10–20 selects no images (the scan has images 1–2)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/strong.refl"))
    }

    /// A very high threshold finds nothing: an empty table is written and the log says so.
    func testNoSpotsWritesEmptyTable() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 1)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["find-spots", expt, "global_threshold=1000000"], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("No strong spots were found: wrote an empty table to strong.refl"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/strong.refl"))
    }
}
