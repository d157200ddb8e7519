// mxflow batch, batch-report and watch as a user runs them: kill and resume, bad inputs, Slurm, a sweep written frame by frame.
import Foundation
import MXBatch
import MXTestSupport
import XCTest

final class BatchCommandTests: XCTestCase {
    func testKillingABatchMidwayAndResumingFinishesOnlyWhatWasLeft() throws {
        let dir = try BatchTest.folder(self)
        let names = (1...6).map { "k\($0)" }
        for n in names { try BatchTest.fakeCBFSeries(dir + "/data", n) }
        // Each run lasts 1.5 s, so the children orphaned by the kill still run when the batch resumes.
        let (script, ledger) = try BatchTest.standIn(dir, sleep: 1.5)
        let args = ["batch", dir + "/data", dir + "/out", "jobs=2", "nproc=2", "batch.mxflow=\(script)"]
        let p = try BatchTest.start(args, in: dir)
        XCTAssertTrue(BatchTest.wait(30) {
            // Read the database while the batch writes it (WAL lets readers in).
            let r = (try? BatchDatabase.existing(folder: dir + "/out").records()) ?? []
            return r.filter { $0.status == .done }.count >= 2 && r.contains { $0.status == .running }
        }, "two sweeps should finish while others run")
        kill(p.processIdentifier, SIGKILL)
        let killed = BatchTest.finish(p)
        XCTAssertEqual(killed.status, SIGKILL, killed.stderr)
        let before = Dictionary(grouping: BatchTest.ledger(ledger).map(\.name)) { $0 }.mapValues(\.count)
        let db = try BatchDatabase.existing(folder: dir + "/out")
        let states = try db.records()
        let doneBefore = Set(states.filter { $0.status == .done }.map(\.name))
        XCTAssertGreaterThanOrEqual(doneBefore.count, 1)
        XCTAssertLessThan(doneBefore.count, 6, "the kill came too late to test resuming")
        // The killed batch left its running sweeps marked running, their children orphaned.
        XCTAssertTrue(states.contains { $0.status == .running })

        let resumed = try BatchTest.run(args, in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let after = try db.records()
        XCTAssertEqual(after.map(\.status), Array(repeating: .done, count: 6))
        let runs = Dictionary(grouping: BatchTest.ledger(ledger).map(\.name)) { $0 }.mapValues(\.count)
        for n in names {
            if doneBefore.contains(n) {
                XCTAssertEqual(runs[n], 1, "\(n) was done before the kill and must not run again")
            } else {
                XCTAssertEqual(runs[n], (before[n] ?? 0) + 1, "\(n) must run once more")
            }
        }
        XCTAssertTrue(resumed.stdout.contains("6 done"), resumed.stdout)
        // The log of a resumed batch keeps the first run's lines.
        let log = try String(contentsOfFile: dir + "/out/mxflow_batch.log", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains(" mxflow ") && $0.hasSuffix(" batch") }.count, 2, log)
        XCTAssertTrue(resumed.stderr.contains("left running by an earlier batch"), "orphans must be stopped: \(resumed.stderr)")
        // The report of the finished batch.
        let report = try BatchTest.run(["batch-report", dir + "/out"], in: dir)
        XCTAssertEqual(report.status, 0, report.stderr)
        let csv = try String(contentsOfFile: dir + "/out/batch_report.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 7)
        XCTAssertTrue(csv[0].hasPrefix("sweep,status,space_group,a,b,c,alpha,beta,gamma,d_min,cc_half,completeness,i_over_sigma"))
        XCTAssertTrue(csv[1].hasPrefix("k1,done,P 41 21 2,79.100,79.100,37.900,90.000,90.000,90.000,"
                                       + String(format: "%.2f", BatchTest.expectedDMin("k1")) + ",0.9900,0.9700,12.50"), String(csv[1]))
        let html = try String(contentsOfFile: dir + "/out/batch_report.html", encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"done\">").count, 7)
        XCTAssertFalse(html.contains("<script") || html.contains("<link"), "the page must be self-contained")
    }

    func testSIGTERMStopsTheChildrenAndLeavesThemPending() throws {
        let dir = try BatchTest.folder(self)
        for n in ["p1", "p2", "p3"] { try BatchTest.fakeCBFSeries(dir + "/data", n) }
        let (script, ledger) = try BatchTest.standIn(dir, sleep: 3)
        let p = try BatchTest.start(["batch", dir + "/data", dir + "/out", "jobs=2", "batch.mxflow=\(script)"], in: dir)
        XCTAssertTrue(BatchTest.wait(20) {
            ((try? BatchDatabase.existing(folder: dir + "/out").records()) ?? []).filter { $0.status == .running }.count == 2
        })
        // A second batch on the same folder is refused while the first runs.
        let second = try BatchTest.run(["batch", dir + "/out", "batch.mxflow=\(script)"], in: dir)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("another mxflow batch or watch is running in \(dir)/out (pid \(p.processIdentifier) on "),
                      second.stderr)
        p.terminate()
        let r = BatchTest.finish(p)
        XCTAssertEqual(r.status, 130)
        XCTAssertTrue(r.stderr.contains("interrupted: run the same command again to finish the 3 pending sweep(s)"), r.stderr)
        let records = try BatchDatabase.existing(folder: dir + "/out").records()
        XCTAssertEqual(records.map(\.status), [.pending, .pending, .pending])
        XCTAssertEqual(records.map(\.attempts), [1, 1, 0])
        XCTAssertEqual(records[0].reason, "interrupted: the batch was stopped while it ran")
        usleep(3_500_000)
        XCTAssertTrue(BatchTest.ledger(ledger).isEmpty, "the children must have been stopped with the batch")
    }

    func testBadInputsGiveClearMessagesAndNonZeroExit() throws {
        let dir = try BatchTest.folder(self)
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        let empty = try BatchTest.run(["batch", dir + "/empty", dir + "/out"], in: dir)
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("mxflow batch: no sweep found in \(dir)/empty"), empty.stderr)

        try "\(dir)/nowhere_master.h5\n".write(toFile: dir + "/list.txt", atomically: true, encoding: .utf8)
        let list = try BatchTest.run(["batch", dir + "/list.txt", dir + "/out"], in: dir)
        XCTAssertEqual(list.status, 1)
        XCTAssertTrue(list.stderr.contains("the list \(dir)/list.txt names file that does not exist: \(dir)/nowhere_master.h5"), list.stderr)

        let resume = try BatchTest.run(["batch", dir + "/empty"], in: dir)
        XCTAssertEqual(resume.status, 64)
        XCTAssertTrue(resume.stderr.contains("holds no earlier batch to resume: name the inputs before the output folder"), resume.stderr)

        let noOut = try BatchTest.run(["batch-report", dir + "/empty"], in: dir)
        XCTAssertEqual(noOut.status, 1)
        XCTAssertTrue(noOut.stderr.contains("holds no batch database"), noOut.stderr)
    }

    func testAFailingSweepIsRecordedAndTheExitStatusSaysSo() throws {
        let dir = try BatchTest.folder(self)
        for n in ["good", "bad", "crash"] { try BatchTest.fakeCBFSeries(dir + "/data", n) }
        let (script, _) = try BatchTest.standIn(dir, sleep: 0.1)
        let r = try BatchTest.run(["batch", dir + "/data", dir + "/out", "jobs=3", "batch.mxflow=\(script)"], in: dir)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stdout.contains("bad: index: no lattice fits the spots"), r.stdout)
        XCTAssertTrue(r.stdout.contains("crash: mxflow process was killed by signal 9 (SIGKILL) before writing mxflow.json"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 done, 2 failed"), r.stdout)
    }

    func testSlurmMissingOrNotAnsweringIsAClearError() throws {
        let dir = try BatchTest.folder(self)
        try BatchTest.fakeCBFSeries(dir + "/data", "a")
        // No Slurm on PATH at all.
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let missing = try BatchTest.run(["batch", dir + "/data", dir + "/out", "engine=slurm"], in: dir,
                                        environment: ["PATH": bin])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("Slurm is not installed: 'sbatch' is not on PATH"), missing.stderr)
        // Installed, but the controller is down: sinfo fails as Slurm's does.
        for c in ["sbatch", "squeue"] {
            try "#!/bin/sh\nexit 1\n".write(toFile: "\(bin)/\(c)", atomically: true, encoding: .utf8)
            chmod("\(bin)/\(c)", 0o755)
        }
        try "#!/bin/sh\necho 'sinfo: error: Unable to contact slurm controller (connect failure)' >&2\nexit 1\n"
            .write(toFile: "\(bin)/sinfo", atomically: true, encoding: .utf8)
        chmod("\(bin)/sinfo", 0o755)
        let down = try BatchTest.run(["batch", dir + "/data", dir + "/out2", "engine=slurm"], in: dir,
                                     environment: ["PATH": bin + ":/usr/bin:/bin"])
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stderr.contains("Slurm is not answering: 'sinfo' failed (sinfo: error: Unable to contact slurm controller (connect failure))"),
                      down.stderr)
    }

    func testSlurmEngineRunsAnArrayAndRetriesANodeFailureOnce() throws {
        guard BatchTest.hasSbatch else { throw XCTSkip("sbatch is not installed (Slurm: scripts/slurm-local.sh)") }
        let dir = try BatchTest.folder(self)
        let names = ["t1", "t2", "bad", "flaky", "t5", "t6"]
        for n in names { try BatchTest.fakeCBFSeries(dir + "/data", n) }
        let (script, _) = try BatchTest.standIn(dir, sleep: 0.2)
        let slurm = try BatchTest.run(["batch", dir + "/data", dir + "/slurm", "engine=slurm", "slurm.cpus_per_task=1",
                                       "slurm.poll=0.5", "slurm.time=10", "batch.mxflow=\(script)"], in: dir)
        XCTAssertEqual(slurm.status, 2, slurm.stdout + slurm.stderr)
        let local = try BatchTest.run(["batch", dir + "/data", dir + "/local", "engine=local", "jobs=2",
                                       "batch.mxflow=\(script)"], in: dir)
        XCTAssertEqual(local.status, 2, local.stdout + local.stderr)
        let s = try BatchDatabase.existing(folder: dir + "/slurm").records()
        let l = try BatchDatabase.existing(folder: dir + "/local").records()
        XCTAssertEqual(s.map(\.name), l.map(\.name))
        for (a, b) in zip(s, l) where a.name != "flaky" {
            XCTAssertEqual(a.status, b.status, a.name)
            XCTAssertEqual(a.statistics, b.statistics, a.name)
            XCTAssertEqual(a.engine, "slurm")
            XCTAssertNotNil(a.slurmJob)
        }
        // The local engine does not retry: the same kill is a failure there.
        XCTAssertEqual(l.first { $0.name == "flaky" }?.reason,
                       "mxflow process was killed by signal 9 (SIGKILL) before writing mxflow.json")
        let flaky = try XCTUnwrap(s.first { $0.name == "flaky" })
        XCTAssertEqual(flaky.status, .done)
        XCTAssertEqual(flaky.attempts, 2, "a task killed by a signal is the node's failure: run once more")
        let bad = try XCTUnwrap(s.first { $0.name == "bad" })
        XCTAssertEqual(bad.status, .failed)
        XCTAssertEqual(bad.attempts, 1, "the data's failure is not retried")
        XCTAssertEqual(bad.reason, "index: no lattice fits the spots")
        XCTAssertEqual(s.filter { $0.status == .done }.count, 5)
        let jobScript = try String(contentsOfFile: dir + "/slurm/slurm/submit_1.sh", encoding: .utf8)
        XCTAssertTrue(jobScript.contains("#SBATCH --array=0-5\n#SBATCH --cpus-per-task=1\n"), jobScript)
        XCTAssertTrue(jobScript.contains("#SBATCH --time=10\n"), jobScript)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/slurm/slurm/submit_2.sh"), "the retry is a second array")
    }

    func testWatchProcessesACBFSweepWrittenFrameByFrameOnlyOnceComplete() throws {
        let dir = try BatchTest.folder(self)
        let (script, ledger) = try BatchTest.standIn(dir, sleep: 0.1)
        let watched = dir + "/beamline"
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        let p = try BatchTest.start(["watch", watched, "results=\(dir)/results", "poll=0.2", "settle=1.5",
                                     "batch.mxflow=\(script)"], in: dir)
        defer { if p.isRunning { p.terminate() } }
        // Frames arrive 0.4 s apart: shorter than settle, many polls each.
        let source = TestPaths.testdata + "/sim_c2_cbf_offset"
        let frames = 10
        for i in 1...frames {
            let name = String(format: "sim_c2_cbf_offset_%05d.cbf", i)
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: watched + "/" + name)
            usleep(400_000)
            XCTAssertTrue(BatchTest.ledger(ledger).isEmpty, "processed after \(i) of \(frames) frames")
        }
        XCTAssertTrue(BatchTest.wait(20) { BatchTest.ledger(ledger).count == 1 }, "the complete sweep was not processed")
        usleep(1_000_000)
        p.terminate()
        let out = BatchTest.finish(p)
        XCTAssertEqual(BatchTest.ledger(ledger).map(\.name), ["sim_c2_cbf_offset"], "processed more than once: \(out.stdout)")
        let records = try BatchDatabase.existing(folder: dir + "/results").records()
        XCTAssertEqual(records.map(\.status), [.done])
        XCTAssertEqual(records[0].outputDir, dir + "/results/sim_c2_cbf_offset")
        XCTAssertEqual(records[0].path, watched + "/sim_c2_cbf_offset_#####.cbf")
        // The process started after the last frame had been written.
        let lastFrame = try FileManager.default.attributesOfItem(atPath: watched + String(format: "/sim_c2_cbf_offset_%05d.cbf", frames))[.modificationDate] as! Date
        XCTAssertGreaterThan(BatchTest.ledger(ledger)[0].start, lastFrame.timeIntervalSince1970 + 1.4)
    }

    func testWatchWaitsForTheNXmxDataFileAndProcessesBesideTheData() throws {
        let dir = try BatchTest.folder(self)
        let (script, ledger) = try BatchTest.standIn(dir, sleep: 0.1)
        let watched = dir + "/beamline"
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        let source = TestPaths.testdata + "/sim_p43212_se_nxmx/sim_p43212_se_nxmx"
        try FileManager.default.copyItem(atPath: source + "_master.h5", toPath: watched + "/sim_p43212_se_nxmx_master.h5")
        let snap = SweepCompleteness.snapshot(Sweep(name: "x", kind: .nxmx, path: watched + "/sim_p43212_se_nxmx_master.h5"))
        XCTAssertFalse(snap.complete)
        XCTAssertEqual(snap.declared, 20)
        let args = ["watch", watched, "once=True", "settle=0", "batch.mxflow=\(script)"]
        let first = try BatchTest.run(args, in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(BatchTest.ledger(ledger).isEmpty, "processed without its data file: \(first.stdout)")
        try FileManager.default.copyItem(atPath: source + "_data_000001.h5", toPath: watched + "/sim_p43212_se_nxmx_data_000001.h5")
        let done = SweepCompleteness.snapshot(Sweep(name: "x", kind: .nxmx, path: watched + "/sim_p43212_se_nxmx_master.h5"))
        XCTAssertTrue(done.complete)
        XCTAssertEqual(done.frames, 20)
        let second = try BatchTest.run(args, in: dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(BatchTest.ledger(ledger).map(\.name), ["sim_p43212_se_nxmx"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: watched + "/sim_p43212_se_nxmx_mxflow/mxflow.json"))
        // Once processed, never again.
        _ = try BatchTest.run(args, in: dir)
        XCTAssertEqual(BatchTest.ledger(ledger).count, 1)
    }
}
