// `mxflow batch`: processes many sweeps, each by its own `mxflow process`, locally or on Slurm, resumably.
import ArgumentParser
import Foundation
import MXBatch
import MXLogging
import MXPipeline

struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Process many sweeps, each in its own folder, on this machine or on Slurm.",
        discussion: """
        Finds every sweep in the inputs (folders, searched recursively; globs; a
        list file with one input per line; NXmx masters; CBF templates) and runs
        `mxflow process` on each into OUT/<sweep>/. The state of every sweep is
        kept in OUT/mxflow_batch.sqlite: run the same command again (or
        `mxflow batch OUT`) to resume, retry_failed=True to rerun the failures.
        Exit status: 0 all done, 2 some sweeps failed, 130 interrupted.

        Examples:
          mxflow batch /data/visit/ out/ jobs=2
          mxflow batch sweeps.txt out/ engine=slurm slurm.partition=cpu slurm.cpus_per_task=8 slurm.mem=16G
          mxflow batch out/ retry_failed=True
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(BatchParameterDefinitions.batch)
        var paths = step.files
        guard let output = paths.popLast() else {
            throw ValidationError("name the inputs and an output folder (e.g. mxflow batch /data/visit/ out/)")
        }
        if paths.isEmpty, !FileManager.default.fileExists(atPath: output + "/" + BatchDatabase.fileName) {
            throw ValidationError("\(output) holds no earlier batch to resume: name the inputs before the output folder "
                                  + "(e.g. mxflow batch /data/visit/ out/)")
        }
        BatchSignals.install()
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let logger = appendingLogger(output + "/" + set.text("output.log"), command: "batch", set)
        var result: BatchResult? = nil
        try runStep("batch") {
            result = try BatchRun.run(inputs: paths, output: output, parameters: set,
                                      runningExecutable: runningExecutable(), logger: logger)
            let report = BatchReport(records: result!.records)
            try report.write(to: output)
            print(report.text, terminator: "")
        }
        guard let result else { return }
        if result.interrupted {
            logger.warning("interrupted: run the same command again to finish the \(result.count(.pending)) pending sweep(s)")
            throw ExitCode(130)
        }
        if result.count(.failed) > 0 { throw ExitCode(2) }
    }
}

/// The path of the running mxflow (what each sweep's `process` runs by default).
func runningExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// A logger writing every message to `path` (appended: a resumed batch
/// keeps its history) and info and above to the terminal.
func appendingLogger(_ path: String, command: String, _ set: ParameterSet) -> Logger {
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
    let handle = FileHandle(forWritingAtPath: path)
    handle?.seekToEndOfFile()
    let lock = NSLock()
    let logger = Logger { level, message in
        let stamp = ISO8601DateFormatter().string(from: Date())
        lock.lock()
        handle?.write(Data("\(stamp) \(message)\n".utf8))
        lock.unlock()
        if level >= .warning { FileHandle.standardError.write(Data("\(message)\n".utf8)) } else if level >= .info { print(message) }
    }
    logger.info("mxflow \(MXFlowVersion.string) \(command)")
    let diff = set.nonDefaultLines
    if !diff.isEmpty { logger.info("Parameters changed from their defaults:\n  " + diff.joined(separator: "\n  ")) }
    return logger
}
