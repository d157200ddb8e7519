// The local engine through BatchRun: a pool of children, failures recorded, resuming and retrying.
import Foundation
import MXBatch
import MXLogging
import MXPipeline
import XCTest

final class LocalEngineTests: XCTestCase {
    func parameters(_ items: [String]) throws -> ParameterSet {
        var set = ParameterSet(BatchParameterDefinitions.batch)
        try set.parse(items)
        return set
    }

    func testSixSweepsTwoAtATimeAFailureDoesNotStopTheBatch() throws {
        let dir = try BatchTest.folder(self)
        let names = ["s1", "s2", "bad", "s4", "s5", "s6"]
        for n in names { try BatchTest.fakeCBFSeries(dir + "/data", n) }
        let (script, ledger) = try BatchTest.standIn(dir, sleep: 0.4)
        let result = try BatchRun.run(inputs: [dir + "/data"], output: dir + "/out",
                                      parameters: try parameters(["jobs=2", "nproc=4", "batch.mxflow=\(script)"]),
                                      runningExecutable: "/nonexistent", logger: .silent, stop: { false })
        XCTAssertFalse(result.interrupted)
        XCTAssertEqual(result.count(.done), 5)
        let bad = try XCTUnwrap(result.records.first { $0.name == "bad" })
        XCTAssertEqual(bad.status, .failed)
        XCTAssertEqual(bad.reason, "index: no lattice fits the spots")
        XCTAssertEqual(bad.exitCode, 1)
        for r in result.records where r.name != "bad" {
            XCTAssertEqual(r.statistics.dMin ?? 0, BatchTest.expectedDMin(r.name), accuracy: 1e-9, r.name)
            XCTAssertEqual(r.statistics.spaceGroup, "P 41 21 2")
            XCTAssertEqual(r.outputDir, dir + "/out/" + r.name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: r.outputDir + "/mxflow.json"))
        }
        let runs = BatchTest.ledger(ledger)
        XCTAssertEqual(runs.map(\.name).sorted(), names.sorted())
        // nproc=4 over jobs=2: each child gets 2 cores.
        XCTAssertEqual(Set(runs.map(\.nproc)), [2])
        // Never more than two at once, and two at once some of the time.
        var events: [(time: Double, change: Int)] = []
        for r in runs { events += [(r.start, 1), (r.end, -1)] }
        events.sort { $0.time < $1.time || ($0.time == $1.time && $0.change < $1.change) }
        var live = 0, most = 0
        for e in events { live += e.change; most = max(most, live) }
        XCTAssertEqual(most, 2)
    }

    func testResumeRunsOnlyWhatIsLeftAndRetryFailedOnlyTheFailures() throws {
        let dir = try BatchTest.folder(self)
        for n in ["a", "b", "bad"] { try BatchTest.fakeCBFSeries(dir + "/data", n) }
        let (script, ledger) = try BatchTest.standIn(dir, sleep: 1.0)
        let set = try parameters(["jobs=1", "nproc=1", "batch.mxflow=\(script)"])
        // Stop after the first sweep has started: it is put back to pending.
        var looks = 0
        let first = try BatchRun.run(inputs: [dir + "/data"], output: dir + "/out", parameters: set, runningExecutable: "",
                                     logger: .silent, stop: { looks += 1; return looks > 1 })
        XCTAssertTrue(first.interrupted)
        XCTAssertEqual(first.records.map(\.status), [.pending, .pending, .pending])
        XCTAssertEqual(first.records[0].reason, "interrupted: the batch was stopped while it ran")
        XCTAssertEqual(first.records[0].attempts, 1)
        // Resume with no inputs: the folder's database is the batch.
        let second = try BatchRun.run(inputs: [], output: dir + "/out", parameters: set, runningExecutable: "",
                                      logger: .silent, stop: { false })
        XCTAssertEqual(second.records.map(\.status), [.done, .done, .failed])
        XCTAssertEqual(BatchTest.ledger(ledger).map(\.name), ["a", "b", "bad"])
        // Again: nothing to do.
        _ = try BatchRun.run(inputs: [dir + "/data"], output: dir + "/out", parameters: set, runningExecutable: "",
                             logger: .silent, stop: { false })
        XCTAssertEqual(BatchTest.ledger(ledger).count, 3)
        // retry_failed reruns the failure alone.
        let third = try BatchRun.run(inputs: [], output: dir + "/out",
                                     parameters: try parameters(["jobs=1", "batch.mxflow=\(script)", "retry_failed=True"]),
                                     runningExecutable: "", logger: .silent, stop: { false })
        XCTAssertEqual(BatchTest.ledger(ledger).map(\.name), ["a", "b", "bad", "bad"])
        XCTAssertEqual(third.records.first { $0.name == "bad" }?.attempts, 2)
    }

    func testAMissingExecutableStopsWithAClearError() throws {
        let dir = try BatchTest.folder(self)
        try BatchTest.fakeCBFSeries(dir + "/data", "a")
        XCTAssertThrowsError(try BatchRun.run(inputs: [dir + "/data"], output: dir + "/out",
                                              parameters: try parameters(["batch.mxflow=/no/such/mxflow"]),
                                              runningExecutable: "", logger: .silent, stop: { false })) { e in
            XCTAssertEqual("\(e)", "cannot start /no/such/mxflow: No such file or directory")
        }
    }

    func testSharesNeverOversubscribe() throws {
        XCTAssertEqual(BatchParameterDefinitions.localShares(try parameters(["nproc=8", "jobs=3"])).perChild, 2)
        XCTAssertEqual(BatchParameterDefinitions.localShares(try parameters(["nproc=2", "jobs=4"])).perChild, 1)
        XCTAssertEqual(BatchParameterDefinitions.localShares(try parameters(["nproc=16"])).jobs, 4)
    }
}
