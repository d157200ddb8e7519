// Watcher: `mxflow watch`, the beamline hook: notices each sweep once its files are complete and processes it once.
import Foundation
import MXLogging
import MXPipeline

/// Watches a folder (recursively) for sweeps. A sweep is ready when its
/// snapshot is complete and its files have not changed for `settle`
/// seconds (NXmx: all declared frames present; CBF: the series stopped
/// growing, or reached the frame count its header declares). Each ready
/// sweep is registered in the results folder's database and processed by
/// the local engine; a sweep in the database is never processed again.
public final class Watcher {
    public let directory: String
    /// Where the database lives (the results folder, or the watched one).
    public let stateFolder: String
    /// Results folder; nil: beside the data (`<sweep folder>/<name>_mxflow`).
    public let results: String?
    public let settle: Double
    public let poll: Double
    let engine: LocalEngine
    let database: BatchDatabase
    let lock: BatchLock
    let logger: Logger
    /// The last snapshot of each sweep not yet processed, by path.
    private var seen: [String: SweepSnapshot] = [:]
    private var waitingReported: [String: String] = [:]

    public init(directory: String, results: String?, settle: Double, poll: Double, invocation: ProcessInvocation,
                jobs: Int, perChild: Int, logger: Logger) throws {
        let dir = SweepDiscovery.absolute(directory)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw BatchError.missingInputs([directory], listFile: nil)
        }
        self.directory = dir
        self.results = results.map(SweepDiscovery.absolute)
        self.stateFolder = self.results ?? dir
        do {
            try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        } catch {
            throw BatchError.outputFolder(path: stateFolder, reason: error.localizedDescription)
        }
        self.settle = settle; self.poll = poll; self.logger = logger
        lock = try BatchLock(folder: stateFolder)
        database = try BatchDatabase(folder: stateFolder)
        try BatchRun.recoverInterrupted(database, logger: logger)
        engine = LocalEngine(database: database, invocation: invocation, jobs: jobs, perChild: perChild, logger: logger)
    }

    /// The output folder of a sweep.
    func outputDir(_ s: Sweep) -> String {
        if let results { return results + "/" + s.name }
        return (s.path as NSString).deletingLastPathComponent + "/" + s.name + "_mxflow"
    }

    /// Looks once: registers and returns the sweeps that became ready.
    /// - Parameter once: judge settling by file age alone (no earlier look to compare with).
    public func look(now: Double = Date().timeIntervalSince1970, once: Bool = false) throws -> [SweepRecord] {
        let known = Set(try database.records().map(\.path))
        let files = SweepDiscovery.walk(directory, skip: results.map { [$0] } ?? [])
        let sweeps = SweepDiscovery.group(files).filter { !known.contains($0.path) }
        var ready: [Sweep] = []
        for s in sweeps {
            let snap = SweepCompleteness.snapshot(s)
            let previous = seen[s.path]
            seen[s.path] = snap
            let stable = once || previous?.signature == snap.signature
            let declaredReached = snap.declared.map { snap.frames >= $0 } ?? false
            let settled = now - snap.newest >= settle
            if snap.complete && stable && (settled || declaredReached) {
                ready.append(s)
                seen[s.path] = nil
            } else {
                let why = !snap.complete ? (snap.reason ?? "incomplete")
                    : "waiting for its files to stay unchanged for \(settle) s"
                if waitingReported[s.path] != why {
                    logger.info("\(s.name): \(snap.frames) frame\(snap.frames == 1 ? "" : "s"); \(why)")
                    waitingReported[s.path] = why
                }
            }
        }
        guard !ready.isEmpty else { return [] }
        let records = try database.register(ready, outputDir: outputDir)
        for r in records { logger.info("\(r.name): complete, queued (\(r.path))") }
        return records
    }

    /// Watches until a signal (or, with `once`, until the sweeps complete now are processed).
    /// Returns the records processed in this run.
    public func run(once: Bool, stop: () -> Bool = { BatchSignals.received != 0 }) throws -> [SweepRecord] {
        logger.info("watching \(directory) (poll \(poll) s, settle \(settle) s); state in \(stateFolder)/\(BatchDatabase.fileName)")
        var queue: [SweepRecord] = try database.records().filter { $0.status == .pending }
        var processed: [Int64] = queue.map(\.id)
        var nextLook = 0.0
        var looked = false
        while true {
            if stop() {
                try engine.stopAll(reason: "interrupted: watch was stopped while it ran")
                break
            }
            let now = Date().timeIntervalSince1970
            if !(once && looked), now >= nextLook {
                let fresh = try look(now: now, once: once)
                queue += fresh
                processed += fresh.map(\.id)
                nextLook = now + poll
                looked = true
            }
            while engine.hasFreeSlot, !queue.isEmpty { try engine.start(queue.removeFirst()) }
            try engine.reap()
            if once, looked, queue.isEmpty, engine.runningCount == 0 { break }
            usleep(100_000)
        }
        let all = try database.records()
        return processed.compactMap { id in all.first { $0.id == id } }
    }
}
