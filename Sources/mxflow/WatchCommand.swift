// `mxflow watch`: the beamline hook; processes each sweep written into a folder once it is complete.
import ArgumentParser
import Foundation
import MXBatch
import MXPipeline

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Process each sweep written into a folder once, as soon as it is complete.",
        discussion: """
        Looks at DIR every `poll` seconds. An NXmx sweep is complete when its data
        files hold every frame the master declares and no file has changed for
        `settle` seconds; a CBF series when it has stopped growing for `settle`
        seconds. Each sweep is processed once by mxflow process, into
        results/<sweep>/ (or <sweep folder>/<sweep>_mxflow/ without results=);
        the state is kept in mxflow_batch.sqlite in the results folder (or DIR).

        Examples:
          mxflow watch /data/visit/ results=/processing/visit/ poll=10 settle=30
          mxflow watch /data/visit/ once=True settle=5
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(BatchParameterDefinitions.watch)
        guard step.files.count == 1, let directory = step.files.first else {
            throw ValidationError("name one folder to watch (e.g. mxflow watch /data/visit/ results=out/)")
        }
        // A detector writing an HDF5 file must never be refused a lock because we read it.
        setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1)
        BatchSignals.install()
        let state = set.string("results") ?? directory
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let logger = appendingLogger(state + "/" + set.text("output.log"), command: "watch", set)
        let shares = BatchParameterDefinitions.localShares(set)
        var processed: [SweepRecord] = []
        try runStep("watch") {
            let watcher = try Watcher(directory: directory, results: set.string("results"),
                                      settle: set.double("settle") ?? 30, poll: set.double("poll") ?? 10,
                                      invocation: BatchParameterDefinitions.invocation(set, running: runningExecutable()),
                                      jobs: shares.jobs, perChild: shares.perChild, logger: logger)
            processed = try watcher.run(once: set.bool("once") ?? false)
        }
        let failed = processed.filter { $0.status == .failed }.count
        logger.info("processed \(processed.count) sweep(s): \(processed.filter { $0.status == .done }.count) done, \(failed) failed")
        if BatchSignals.received != 0 { throw ExitCode(130) }
        if failed > 0 { throw ExitCode(2) }
    }
}
