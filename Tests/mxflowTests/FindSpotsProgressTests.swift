// End-to-end: `mxflow find-spots` with stderr on a pipe writes plain progress
// lines (never terminal redraws), and never into stdout or the log file.
import Foundation
import XCTest

final class FindSpotsProgressTests: XCTestCase {
    func testPipeGetsPlainLinesWhenAskedAndNoneForAShortDefaultRun() throws {
        let work = try CLITest.temporaryFolder(self)
        let expt = try CLITest.importCopiedCBFImages(into: work, count: 2)
        let exe = try CLITest.mxflowBinary()

        // MXFLOW_PROGRESS=lines: a line at each tenth passed (1 of 2 is 50%), then the final line.
        let lines = try CLITest.runProcess(exe, ["find-spots", expt, "nproc=2"], in: work,
                                           environment: ["MXFLOW_PROGRESS": "lines"])
        XCTAssertEqual(lines.status, 0, lines.stderr)
        let progress = lines.stderr.split(separator: "\n").filter { $0.hasPrefix("find-spots: ") }
        XCTAssertEqual(progress.count, 2, lines.stderr)
        XCTAssertTrue(progress.first?.hasPrefix("find-spots: 1/2 frames (50%), ") ?? false, lines.stderr)
        XCTAssertTrue(progress.last?.hasPrefix("find-spots: 2/2 frames in ") ?? false, lines.stderr)
        XCTAssertFalse(lines.stderr.contains("\r"), lines.stderr)
        let log = try String(contentsOfFile: work + "/mxflow.find_spots.log", encoding: .utf8)
        for text in [lines.stdout, log] {
            XCTAssertFalse(text.contains("frames/s") || text.contains("\r"), text)
        }
        XCTAssertTrue(log.contains("Saved "), log)

        // The default on a pipe: plain lines only for steps of 5 s or more, so
        // this sub-second run prints none (and never a carriage return).
        let quiet = try CLITest.runProcess(exe, ["find-spots", expt, "nproc=2"], in: work)
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("\r") || quiet.stdout.contains("\r"), quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("find-spots: 2/2 frames in"), quiet.stderr)
    }
}
