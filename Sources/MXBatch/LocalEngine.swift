// LocalEngine: a pool of `mxflow process` children on this machine, each with its share of the cores.
import Foundation
import MXLogging
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM/SIGHUP once `BatchSignals.install()` ran: the
/// batch stops its children, records them as pending and exits.
public enum BatchSignals {
    /// The signal received, 0 while none.
    public static var received: Int32 { batchSignalReceived }

    /// Installs the handlers (the command layer calls this; tests do not).
    public static func install() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { batchSignalReceived = $0 }
        }
    }
}

/// Written only by the signal handler; a plain word store is async-signal-safe.
nonisolated(unsafe) private var batchSignalReceived: Int32 = 0

/// Runs sweeps as local child processes, `jobs` at a time, each child
/// given `perChild` cores. Single-threaded: one loop starts children,
/// polls them with waitpid and records each result in the database as it ends.
public final class LocalEngine {
    public let database: BatchDatabase
    public let invocation: ProcessInvocation
    public let jobs: Int
    public let perChild: Int
    let logger: Logger
    private var running: [Int64: (child: ChildProcess, record: SweepRecord)] = [:]

    public init(database: BatchDatabase, invocation: ProcessInvocation, jobs: Int, perChild: Int, logger: Logger) {
        self.database = database; self.invocation = invocation
        self.jobs = max(1, jobs); self.perChild = max(1, perChild); self.logger = logger
    }

    public var runningCount: Int { running.count }
    public var hasFreeSlot: Bool { running.count < jobs }

    /// Starts one sweep's `mxflow process`.
    public func start(_ record: SweepRecord) throws {
        try BatchFolders.prepare(record)
        let args = invocation.arguments(sweep: record.path, outputDir: record.outputDir, nproc: perChild)
        do {
            let child = try ChildProcess.start(invocation.executable, args,
                                               log: record.outputDir + "/" + BatchFolders.consoleLog)
            try database.markRunning(id: record.id, engine: "local", pid: Int(child.pid), pidStart: child.startTime,
                                     host: ChildProcess.hostName)
            running[record.id] = (child, record)
            logger.info("started \(record.name) (pid \(child.pid), nproc=\(perChild))")
        } catch let e as BatchError {
            // The executable itself is missing: every sweep would fail the same way.
            try database.markRunning(id: record.id, engine: "local")
            try database.markFinished(id: record.id, outcome: SweepOutcome(
                succeeded: false, reason: e.description, failedStep: nil, exitCode: nil,
                statistics: SweepStatistics(), machineFailure: false))
            throw e
        }
    }

    /// Records the children that have ended; returns their outcomes.
    @discardableResult
    public func reap() throws -> [(SweepRecord, SweepOutcome)] {
        var finished: [(SweepRecord, SweepOutcome)] = []
        for (id, entry) in running {
            guard let termination = entry.child.poll() else { continue }
            running[id] = nil
            let outcome = SweepOutcome.judge(termination, summary: ProcessRunSummary.read(folder: entry.record.outputDir))
            try database.markFinished(id: id, outcome: outcome)
            logger.info(outcome.succeeded ? "done \(entry.record.name)" + BatchReport.brief(outcome.statistics)
                        : "FAILED \(entry.record.name): \(outcome.reason ?? "")")
            finished.append((entry.record, outcome))
        }
        return finished.sorted { $0.0.id < $1.0.id }
    }

    /// Stops every running child and puts its sweep back to pending.
    public func stopAll(reason: String) throws {
        for (id, entry) in running {
            _ = entry.child.stop()
            try database.markPending(id: id, reason: reason)
            logger.warning("stopped \(entry.record.name): \(reason)")
        }
        running = [:]
    }

    /// Runs `records` to the end (or until a signal), at most `jobs` at once.
    public func run(_ records: [SweepRecord], stop: () -> Bool = { BatchSignals.received != 0 }) throws -> Bool {
        var queue = records[...]
        while !queue.isEmpty || !running.isEmpty {
            if stop() {
                try stopAll(reason: "interrupted: the batch was stopped while it ran")
                return false
            }
            try reap()
            while hasFreeSlot, let next = queue.popFirst() { try start(next) }
            usleep(100_000)
        }
        return true
    }
}

/// The files the batch keeps in each sweep's output folder.
public enum BatchFolders {
    /// stdout and stderr of `mxflow process`.
    public static let consoleLog = "process_console.log"
    /// The exit status of `mxflow process`, written by the Slurm job script.
    public static let exitStatus = "batch_exit_status"

    /// Creates the output folder and removes the summary of an earlier
    /// attempt, so that a stale mxflow.json is never read as this run's.
    static func prepare(_ record: SweepRecord) throws {
        do {
            try FileManager.default.createDirectory(atPath: record.outputDir, withIntermediateDirectories: true)
        } catch {
            throw BatchError.outputFolder(path: record.outputDir, reason: error.localizedDescription)
        }
        unlink(record.outputDir + "/mxflow.json")
        unlink(record.outputDir + "/" + exitStatus)
    }
}
