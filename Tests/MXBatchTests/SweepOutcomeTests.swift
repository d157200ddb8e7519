// Judging a run from its exit status and mxflow.json; reading Slurm's answers.
import Foundation
import MXBatch
import XCTest

final class SweepOutcomeTests: XCTestCase {
    let success = """
    {"mxflow_version": "0.1", "status": "success", "failure": null, "inputs": ["/x_master.h5"],
     "result": {"space_group": "C 1 2 1", "unit_cell": [117.0, 62.0, 48.0, 90, 112.0, 90], "d_min": 1.83,
                "overall": {"cc_half": 0.995, "i_over_sigma": 11.0, "completeness": 0.93, "multiplicity": 3.4,
                            "r_merge": 0.07, "n_obs": 1, "n_unique": 1}, "shells": []}}
    """
    let failure = """
    {"mxflow_version": "0.1", "status": "failed", "failure": {"step": "index", "reason": "no lattice"}, "result": null}
    """

    func folder(with json: String?) throws -> String {
        let dir = try BatchTest.folder(self)
        if let json { try json.write(toFile: dir + "/mxflow.json", atomically: true, encoding: .utf8) }
        return dir
    }

    func testSuccessNeedsExitZeroAndTheSummarySayingSo() throws {
        let dir = try folder(with: success)
        let summary = try XCTUnwrap(ProcessRunSummary.read(folder: dir))
        let ok = SweepOutcome.judge(.exited(0), summary: summary)
        XCTAssertTrue(ok.succeeded)
        XCTAssertEqual(ok.statistics, SweepStatistics(spaceGroup: "C 1 2 1", unitCell: [117, 62, 48, 90, 112, 90], dMin: 1.83,
                                                      ccHalf: 0.995, completeness: 0.93, iOverSigma: 11, multiplicity: 3.4,
                                                      rMerge: 0.07))
        let odd = SweepOutcome.judge(.exited(3), summary: summary)
        XCTAssertFalse(odd.succeeded)
        XCTAssertEqual(odd.reason, "mxflow process exited with status 3 although mxflow.json says success")
    }

    func testTheSummarysFailureIsTheDatasNotTheMachines() throws {
        let summary = try XCTUnwrap(ProcessRunSummary.read(folder: try folder(with: failure)))
        for t in [Termination.exited(1), .signalled(9), .unknown] {
            let o = SweepOutcome.judge(t, summary: summary)
            XCTAssertFalse(o.succeeded)
            XCTAssertFalse(o.machineFailure)
            XCTAssertEqual(o.reason, "index: no lattice")
            XCTAssertEqual(o.failedStep, "index")
        }
    }

    func testSignalsWithoutASummaryAreTheMachines() throws {
        XCTAssertNil(ProcessRunSummary.read(folder: try folder(with: nil)))
        XCTAssertNil(ProcessRunSummary.read(folder: try folder(with: "{\"status\": ")))
        let killed = SweepOutcome.judge(.signalled(9), summary: nil)
        XCTAssertTrue(killed.machineFailure)
        XCTAssertEqual(killed.reason, "mxflow process was killed by signal 9 (SIGKILL) before writing mxflow.json")
        // bash reports a child killed by SIGKILL as 137.
        XCTAssertTrue(SweepOutcome.judge(.exited(137), summary: nil).machineFailure)
        let plain = SweepOutcome.judge(.exited(1), summary: nil)
        XCTAssertFalse(plain.machineFailure)
        XCTAssertEqual(plain.reason, "mxflow process exited with status 1 without writing mxflow.json (see process_console.log)")
    }

    func testSlurmTextIsRead() {
        // Lines as Slurm 22.05 prints them (scontrol from the local cluster of scripts/slurm-local.sh).
        XCTAssertEqual(SlurmText.squeue("12_0 RUNNING\n12_1 PENDING\n"), ["12_0": "RUNNING", "12_1": "PENDING"])
        let sacct = SlurmText.sacct("12_0|COMPLETED|0:0\n12_1|NODE_FAIL|0:0\n12_2|CANCELLED by 0|0:9\n12_[3-5]|PENDING|0:0\n")
        XCTAssertEqual(sacct, ["12_0": SlurmTaskState(state: "COMPLETED", exitCode: 0, signal: 0),
                               "12_1": SlurmTaskState(state: "NODE_FAIL", exitCode: 0, signal: 0),
                               "12_2": SlurmTaskState(state: "CANCELLED", exitCode: 0, signal: 9)])
        let scontrol = SlurmText.scontrol("""
        JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=t.sh UserId=root(0) JobState=FAILED Reason=JobLaunchFailure Dependency=(null) ExitCode=0:9
        JobId=1 ArrayJobId=1 ArrayTaskId=2 JobName=t.sh JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0
        """)
        XCTAssertEqual(scontrol, ["1_1": SlurmTaskState(state: "FAILED", exitCode: 0, signal: 9),
                                  "1_2": SlurmTaskState(state: "FAILED", exitCode: 3, signal: 0)])
    }

    func testSlurmEndStatesDecideWhatIsRetried() throws {
        let empty = try folder(with: nil)
        XCTAssertTrue(SlurmEngine.judge(task: SlurmTaskState(state: "NODE_FAIL", exitCode: 0, signal: 0), folder: empty).machineFailure)
        XCTAssertTrue(SlurmEngine.judge(task: SlurmTaskState(state: "PREEMPTED", exitCode: 0, signal: 0), folder: empty).machineFailure)
        XCTAssertTrue(SlurmEngine.judge(task: SlurmTaskState(state: "FAILED", exitCode: 0, signal: 9), folder: empty).machineFailure)
        let timeout = SlurmEngine.judge(task: SlurmTaskState(state: "TIMEOUT", exitCode: 0, signal: 15), folder: empty)
        XCTAssertFalse(timeout.machineFailure)
        XCTAssertEqual(timeout.reason, "Slurm's time limit was reached (TIMEOUT); raise slurm.time")
        // A node failure after mxflow.json said the data failed is still the data's failure.
        let failed = try folder(with: failure)
        XCTAssertFalse(SlurmEngine.judge(task: SlurmTaskState(state: "NODE_FAIL", exitCode: 0, signal: 0), folder: failed).machineFailure)
        // The job script's exit status file: 137 is a SIGKILL.
        try "137\n".write(toFile: empty + "/batch_exit_status", atomically: true, encoding: .utf8)
        XCTAssertTrue(SlurmEngine.judge(task: SlurmTaskState(state: "FAILED", exitCode: 137, signal: 0), folder: empty).machineFailure)
        let done = try folder(with: success)
        try "0\n".write(toFile: done + "/batch_exit_status", atomically: true, encoding: .utf8)
        XCTAssertTrue(SlurmEngine.judge(task: SlurmTaskState(state: "COMPLETED", exitCode: 0, signal: 0), folder: done).succeeded)
    }
}
