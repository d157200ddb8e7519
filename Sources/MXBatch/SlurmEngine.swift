// SlurmEngine: one Slurm job array per submission (a task per sweep), tracked with squeue and sacct (or scontrol).
import Foundation
import MXFormats
import MXLogging
#if canImport(Glibc)
import Glibc
#endif

/// Resources of each array task and how the engine polls and retries.
public struct SlurmOptions: Equatable, Sendable {
    public var partition: String?
    public var cpusPerTask: Int
    public var mem: String?
    public var time: String?
    /// Seconds between queries.
    public var poll: Double
    /// Reruns of a task that failed by the node's fault.
    public var retries: Int
    public init(partition: String? = nil, cpusPerTask: Int = 2, mem: String? = nil, time: String? = nil,
                poll: Double = 5, retries: Int = 1) {
        self.partition = partition; self.cpusPerTask = cpusPerTask; self.mem = mem; self.time = time
        self.poll = poll; self.retries = retries
    }
}

/// The end state Slurm reports for one array task.
public struct SlurmTaskState: Equatable, Sendable {
    /// COMPLETED, FAILED, NODE_FAIL, … (first word: "CANCELLED by 0" → CANCELLED).
    public var state: String
    public var exitCode: Int?
    /// The signal that ended the task's script, 0 when none.
    public var signal: Int?
    public init(state: String, exitCode: Int? = nil, signal: Int? = nil) {
        self.state = state; self.exitCode = exitCode; self.signal = signal
    }
}

/// Reading what Slurm's commands print, and writing its job script.
public enum SlurmText {
    /// States in which a task is still queued or running.
    public static let active: Set<String> = [
        "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
        "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD",
    ]
    /// End states that are the machine's fault, not the data's.
    public static let nodeFailure: Set<String> = ["NODE_FAIL", "BOOT_FAIL", "PREEMPTED"]

    /// `squeue -h -r -o "%i %T"` → task ("1234_5") → state.
    public static func squeue(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 2 { out[String(f[0])] = String(f[1]) }
        }
        return out
    }

    /// `sacct -n -P -X -o JobID,State,ExitCode` → task → end state.
    public static func sacct(_ text: String) -> [String: SlurmTaskState] {
        var out: [String: SlurmTaskState] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 3, f[0].contains("_"), !f[0].contains("[") else { continue }
            let (code, sig) = exitCode(f[2])
            out[f[0]] = SlurmTaskState(state: firstWord(f[1]), exitCode: code, signal: sig)
        }
        return out
    }

    /// `scontrol show job -o JOB` (one line per task) → task → state, for
    /// clusters without accounting storage, where sacct cannot answer.
    public static func scontrol(_ text: String) -> [String: SlurmTaskState] {
        var out: [String: SlurmTaskState] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            var fields: [String: String] = [:]
            for token in line.split(separator: " ") {
                guard let eq = token.firstIndex(of: "=") else { continue }
                let key = String(token[..<eq])
                if fields[key] == nil { fields[key] = String(token[token.index(after: eq)...]) }
            }
            guard let job = fields["ArrayJobId"], let task = fields["ArrayTaskId"], Int(task) != nil,
                  let state = fields["JobState"] else { continue }
            let (code, sig) = exitCode(fields["ExitCode"] ?? "")
            out["\(job)_\(task)"] = SlurmTaskState(state: firstWord(state), exitCode: code, signal: sig)
        }
        return out
    }

    /// "137:0" → (137, 0); "0:9" → (0, 9).
    static func exitCode(_ s: String) -> (Int?, Int?) {
        let p = s.split(separator: ":")
        return (p.first.flatMap { Int($0) }, p.count > 1 ? Int(p[1]) : nil)
    }

    static func firstWord(_ s: String) -> String {
        String(s.split(separator: " ").first ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "+"))
    }

    /// The job script of one submission: array task i processes line i+1 of
    /// `manifest` (name, sweep, output folder, tab-separated) and records
    /// the exit status of `mxflow process` beside its mxflow.json.
    public static func jobScript(manifest: String, count: Int, logPattern: String, invocation: ProcessInvocation,
                                 options: SlurmOptions) -> String {
        var lines = ["#!/bin/bash",
                     "#SBATCH --job-name=mxflow-batch",
                     "#SBATCH --array=0-\(count - 1)",
                     "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
                     "#SBATCH --output=\(logPattern)"]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let m = options.mem { lines.append("#SBATCH --mem=\(m)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        let pipeline = invocation.pipeline.map { " " + quoted("pipeline=\($0)") } ?? ""
        lines += [
            "# Written by mxflow batch: array task i runs mxflow process on line i+1 of the manifest.",
            "manifest=\(quoted(manifest))",
            "mxflow=\(quoted(invocation.executable))",
            "IFS=$'\\t' read -r name sweep dir < <(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$manifest\")",
            "if [ -z \"${dir:-}\" ]; then echo \"no line $((SLURM_ARRAY_TASK_ID + 1)) in $manifest\" >&2; exit 2; fi",
            "mkdir -p \"$dir\"",
            "rm -f \"$dir/mxflow.json\" \"$dir/\(BatchFolders.exitStatus)\"",
            "echo \"mxflow batch: $name on $(hostname), Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\" >> \"$dir/\(BatchFolders.consoleLog)\"",
            "\"$mxflow\" process \"$sweep\" \"output_dir=$dir\" \"nproc=${SLURM_CPUS_PER_TASK:-1}\"\(pipeline) >> \"$dir/\(BatchFolders.consoleLog)\" 2>&1",
            "status=$?",
            "echo \"$status\" > \"$dir/\(BatchFolders.exitStatus).tmp\" && mv -f \"$dir/\(BatchFolders.exitStatus).tmp\" \"$dir/\(BatchFolders.exitStatus)\"",
            "exit \"$status\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `s` single-quoted for bash.
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// Runs sweeps as Slurm array tasks: submits, polls squeue until each task
/// leaves the queue, reads its end state (sacct, else scontrol), its exit
/// status file and mxflow.json, records the result, and resubmits once the
/// tasks that failed by the node's fault.
public final class SlurmEngine {
    public let database: BatchDatabase
    public let invocation: ProcessInvocation
    public let options: SlurmOptions
    /// Folder for job scripts, manifests and Slurm's task logs.
    public let folder: String
    let runner: CommandRunner
    let logger: Logger
    /// task ("1234_5") → sweep record.
    private var tracked: [String: SweepRecord] = [:]
    private var sacctWorks = true

    public init(database: BatchDatabase, invocation: ProcessInvocation, options: SlurmOptions, folder: String,
                runner: CommandRunner = SystemCommandRunner(), logger: Logger) {
        self.database = database; self.invocation = invocation; self.options = options
        self.folder = folder; self.runner = runner; self.logger = logger
    }

    /// Checks that Slurm is installed and its controller answers.
    /// - Throws: `BatchError.slurmMissing` or `.slurmNotAnswering`.
    public func checkSlurm() throws {
        for c in ["sbatch", "squeue"] where !Self.onPath(c) { throw BatchError.slurmMissing(command: c) }
        let r = try runner.run("sinfo", ["-h", "-o", "%P %a"], timeout: 60)
        guard r.succeeded else {
            let why = r.timedOut ? "no answer within 60 s" : Self.firstLine(r.stderr, or: "\(r.termination)")
            throw BatchError.slurmNotAnswering(command: "sinfo", message: why)
        }
    }

    /// Runs `records` to the end (or until a signal); returns false when interrupted.
    public func run(_ records: [SweepRecord], stop: () -> Bool = { BatchSignals.received != 0 }) throws -> Bool {
        try checkSlurm()
        if !records.isEmpty { try submit(records) }
        var failuresInARow = 0
        while !tracked.isEmpty {
            if stop() {
                try cancelAll(reason: "interrupted: the batch was stopped while its Slurm tasks ran")
                return false
            }
            sleepPolling(options.poll, stop: stop)
            do {
                try pollOnce()
                failuresInARow = 0
            } catch let e as BatchError {
                // A controller restarting must not lose the batch: keep polling for a while.
                failuresInARow += 1
                logger.warning("Slurm query failed (\(failuresInARow)): \(e)")
                if failuresInARow >= 20 { throw e }
            }
        }
        return true
    }

    /// Writes a manifest and job script and submits them as one array.
    func submit(_ records: [SweepRecord]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var n = 1
        while FileManager.default.fileExists(atPath: "\(folder)/submit_\(n).sh") { n += 1 }
        let manifest = "\(folder)/submit_\(n).tsv", script = "\(folder)/submit_\(n).sh"
        for r in records { try BatchFolders.prepare(r) }
        try AtomicFile.write(records.map { "\($0.name)\t\($0.path)\t\($0.outputDir)\n" }.joined(), to: manifest)
        try AtomicFile.write(SlurmText.jobScript(manifest: manifest, count: records.count,
                                                 logPattern: "\(folder)/submit_\(n)_%A_%a.out",
                                                 invocation: invocation, options: options), to: script)
        chmod(script, 0o755)
        let r = try runSlurm("sbatch", ["--parsable", script], timeout: 120)
        guard r.succeeded, let job = r.stdout.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
              Int(job) != nil else {
            throw BatchError.slurmSubmitFailed(message: Self.firstLine(r.stderr, or: r.stdout))
        }
        let tasks = records.indices.map { "\(job)_\($0)" }
        try database.markSubmitted(ids: records.map(\.id), jobs: tasks)
        for (t, rec) in zip(tasks, records) { tracked[t] = rec }
        logger.info("submitted Slurm job array \(job) (\(records.count) task\(records.count == 1 ? "" : "s")): \(script)")
    }

    /// One look at the queue: records every tracked task that has left it.
    func pollOnce() throws {
        let jobs = Set(tracked.keys.map { String($0.split(separator: "_")[0]) }).sorted()
        var queued: [String: String] = [:]
        // One query per job: squeue refuses a whole list when one id in it
        // has been forgotten, and a forgotten job has left the queue.
        for job in jobs {
            let q = try runSlurm("squeue", ["-h", "-r", "-j", job, "-o", "%i %T"], timeout: 60)
            guard q.succeeded || q.stderr.contains("Invalid job id") else {
                throw BatchError.slurmNotAnswering(command: "squeue", message: Self.firstLine(q.stderr, or: "\(q.termination)"))
            }
            if q.succeeded { queued.merge(SlurmText.squeue(q.stdout)) { a, _ in a } }
        }
        let gone = tracked.keys.filter { !(queued[$0].map(SlurmText.active.contains) ?? false) }.sorted()
        guard !gone.isEmpty else { return }
        let states = try endStates(jobs: Set(gone.map { String($0.split(separator: "_")[0]) }).sorted())
        var again: [SweepRecord] = []
        for task in gone {
            guard let record = tracked.removeValue(forKey: task) else { continue }
            let current = try database.record(id: record.id) ?? record
            let outcome = Self.judge(task: states[task], folder: record.outputDir)
            if !outcome.succeeded, outcome.machineFailure, current.attempts <= options.retries {
                let why = "task \(task) failed by the node's fault (\(outcome.reason ?? "")); submitting it again"
                logger.warning("\(record.name): \(why)")
                try database.markPending(id: record.id, reason: why)
                again.append(current)
                continue
            }
            try database.markFinished(id: record.id, outcome: outcome)
            logger.info(outcome.succeeded ? "done \(record.name) (Slurm task \(task))" + BatchReport.brief(outcome.statistics)
                        : "FAILED \(record.name) (Slurm task \(task)): \(outcome.reason ?? "")")
        }
        if !again.isEmpty { try submit(again) }
    }

    /// The end state of a task: Slurm's state, the exit status the job
    /// script wrote, and mxflow.json. mxflow.json decides when present;
    /// NODE_FAIL, BOOT_FAIL, PREEMPTED, a signal or a script that never
    /// finished are the machine's fault; TIMEOUT, OUT_OF_MEMORY and
    /// CANCELLED are final.
    public static func judge(task: SlurmTaskState?, folder: String) -> SweepOutcome {
        let summary = ProcessRunSummary.read(folder: folder)
        let statusText = (try? String(contentsOfFile: folder + "/" + BatchFolders.exitStatus, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let termination: Termination
        if let s = statusText.flatMap({ Int($0) }) {
            termination = .exited(s)
        } else if let sig = task?.signal, sig > 0 {
            termination = .signalled(sig)
        } else {
            termination = .unknown
        }
        var outcome = SweepOutcome.judge(termination, summary: summary)
        guard !outcome.succeeded, let task, summary?.succeeded != false else { return outcome }
        // No verdict from mxflow.json: Slurm's state explains the failure.
        let state = task.state
        if SlurmText.nodeFailure.contains(state) {
            outcome.machineFailure = true
            outcome.reason = "Slurm reports \(state): " + (outcome.reason ?? "")
        } else if state == "TIMEOUT" {
            outcome.machineFailure = false
            outcome.reason = "Slurm's time limit was reached (TIMEOUT); raise slurm.time"
        } else if state == "OUT_OF_MEMORY" {
            outcome.machineFailure = false
            outcome.reason = "the task ran out of memory (OUT_OF_MEMORY); raise slurm.mem"
        } else if state == "CANCELLED" {
            outcome.machineFailure = false
            outcome.reason = "the Slurm task was cancelled (scancel)"
        }
        return outcome
    }

    /// Cancels every tracked task and puts its sweep back to pending.
    func cancelAll(reason: String) throws {
        let tasks = tracked.keys.sorted()
        if !tasks.isEmpty { _ = try? runner.run("scancel", tasks, timeout: 60) }
        for (_, r) in tracked { try database.markPending(id: r.id, reason: reason) }
        tracked = [:]
        logger.warning("cancelled \(tasks.count) Slurm task(s): \(reason)")
    }

    /// End states of the tasks of `jobs`: sacct where accounting storage
    /// is configured, else scontrol (which remembers a job for MinJobAge).
    func endStates(jobs: [String]) throws -> [String: SlurmTaskState] {
        if sacctWorks {
            let r = try runSlurm("sacct", ["-n", "-P", "-X", "-j", jobs.joined(separator: ","), "-o", "JobID,State,ExitCode"],
                                 timeout: 60)
            if r.succeeded { return SlurmText.sacct(r.stdout) }
            sacctWorks = false
            logger.debug("sacct cannot answer (\(Self.firstLine(r.stderr, or: ""))); asking scontrol instead")
        }
        var out: [String: SlurmTaskState] = [:]
        for j in jobs {
            let r = try runSlurm("scontrol", ["show", "job", "-o", j], timeout: 60)
            if r.succeeded { out.merge(SlurmText.scontrol(r.stdout)) { a, _ in a } }
        }
        return out
    }

    /// Runs a Slurm command, turning "not installed" into `slurmMissing`.
    func runSlurm(_ program: String, _ arguments: [String], timeout: Double) throws -> CommandResult {
        do { return try runner.run(program, arguments, timeout: timeout) } catch BatchError.cannotStart {
            throw BatchError.slurmMissing(command: program)
        }
    }

    func sleepPolling(_ seconds: Double, stop: () -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, !stop() { usleep(50_000) }
    }

    static func firstLine(_ s: String, or fallback: String) -> String {
        s.split(whereSeparator: \.isNewline).first.map(String.init) ?? fallback
    }

    static func onPath(_ program: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
    }
}
