// BatchRun: `mxflow batch` end to end: find sweeps, register them, recover an interrupted run, run the rest on an engine.
import Foundation
import MXLogging
import MXPipeline

/// What a batch run left behind.
public struct BatchResult: Equatable, Sendable {
    public var records: [SweepRecord]
    /// The run stopped on a signal (the unfinished sweeps are pending).
    public var interrupted: Bool
    public func count(_ s: SweepStatus) -> Int { records.filter { $0.status == s }.count }
}

public enum BatchRun {
    /// Runs a batch into `output`: the sweeps of `inputs` (none: resume the
    /// sweeps already in the folder's database), skipping those done, and
    /// those failed unless `retry_failed=True`.
    /// - Parameter runningExecutable: this mxflow, run for each sweep unless `batch.mxflow=` says otherwise.
    public static func run(inputs: [String], output: String, parameters set: ParameterSet, runningExecutable: String,
                           logger: Logger, runner: CommandRunner = SystemCommandRunner(),
                           stop: @escaping () -> Bool = { BatchSignals.received != 0 }) throws -> BatchResult {
        let out = SweepDiscovery.absolute(output)
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw BatchError.outputFolder(path: out, reason: error.localizedDescription)
        }
        let lock = try BatchLock(folder: out)
        defer { withExtendedLifetime(lock) {} }
        let database: BatchDatabase
        if inputs.isEmpty {
            database = try BatchDatabase.existing(folder: out)
            logger.info("resuming the batch in \(out)")
        } else {
            let sweeps = try SweepDiscovery.discover(inputs, skipping: [out], warn: { logger.warning($0) })
            database = try BatchDatabase(folder: out)
            try database.register(sweeps) { out + "/" + $0.name }
            logger.info("found \(sweeps.count) sweep\(sweeps.count == 1 ? "" : "s") in \(inputs.joined(separator: " "))")
        }
        try recoverInterrupted(database, logger: logger, runner: runner)
        if set.bool("retry_failed") == true {
            let n = try database.requeueFailed()
            if n > 0 { logger.info("retrying \(n) failed sweep\(n == 1 ? "" : "s")") }
        }
        let all = try database.records()
        let todo = all.filter { $0.status == .pending }
        let skipped = all.count - todo.count
        if skipped > 0 {
            logger.info("\(all.filter { $0.status == .done }.count) done and \(all.filter { $0.status == .failed }.count) "
                        + "failed already; \(todo.count) to run" + (set.bool("retry_failed") == true ? "" :
                            all.contains { $0.status == .failed } ? " (retry_failed=True reruns the failed ones)" : ""))
        }
        let invocation = BatchParameterDefinitions.invocation(set, running: runningExecutable)
        var finished = true
        switch set.text("engine") {
        case "slurm":
            let engine = SlurmEngine(database: database, invocation: invocation,
                                     options: BatchParameterDefinitions.slurmOptions(set), folder: out + "/slurm",
                                     runner: runner, logger: logger)
            if todo.isEmpty { try engine.checkSlurm() }
            finished = try engine.run(todo, stop: stop)
        default:
            let shares = BatchParameterDefinitions.localShares(set)
            if !todo.isEmpty {
                logger.info("running \(todo.count) sweep\(todo.count == 1 ? "" : "s"), \(shares.jobs) at a time, "
                            + "nproc=\(shares.perChild) each (\(shares.cores) cores)")
            }
            let engine = LocalEngine(database: database, invocation: invocation, jobs: shares.jobs,
                                     perChild: shares.perChild, logger: logger)
            finished = try engine.run(todo, stop: stop)
        }
        return BatchResult(records: try database.records(), interrupted: !finished)
    }

    /// Sweeps left `running` by a batch that was killed: stops their child
    /// if it still runs here (same pid and start time) or cancels their
    /// Slurm task, and puts them back to pending.
    public static func recoverInterrupted(_ database: BatchDatabase, logger: Logger,
                                          runner: CommandRunner = SystemCommandRunner()) throws {
        for r in try database.records() where r.status == .running {
            if let pid = r.pid, r.host == nil || r.host == ChildProcess.hostName,
               ChildProcess.stopStale(pid: pid, startTime: r.pidStart) {
                logger.warning("\(r.name): stopped pid \(pid) left running by an earlier batch")
            }
            if let job = r.slurmJob, r.engine == "slurm" {
                _ = try? runner.run("scancel", [job], timeout: 60)
                logger.warning("\(r.name): cancelled Slurm task \(job) left by an earlier batch")
            }
            try database.markPending(id: r.id, reason: "interrupted: the batch stopped while it ran")
        }
    }
}
