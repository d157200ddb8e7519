// The mxflow executable: the subcommand table. Each step lives in its own file.
import ArgumentParser
import MXMath
import MXPipeline

@main
struct MXFlow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mxflow",
        abstract: "Automatic processing of macromolecular X-ray rotation data.",
        discussion: """
        Every step is a subcommand that reads and writes DIALS-compatible files
        (.expt, .refl). Parameters are written key=value (nproc=2 d_min=1.8);
        `mxflow <step> --show-config` lists every parameter with its default.
        """,
        version: MXFlowVersion.string,
        subcommands: [
            ProcessCommand.self,
            ImportCommand.self,
            ShowCommand.self,
            FindSpotsCommand.self,
            SearchBeamPositionCommand.self,
            IndexCommand.self,
            RefineBravaisSettingsCommand.self,
            ReindexCommand.self,
            RefineCommand.self,
            IntegrateCommand.self,
            SymmetryCommand.self,
            ScaleCommand.self,
            EstimateResolutionCommand.self,
            MergeCommand.self,
            ExportCommand.self,
            BatchCommand.self,
            BatchReportCommand.self,
            WatchCommand.self,
            SimulateCommand.self,
            BenchmarkCommand.self,
        ])

    static func main() {
        // Before any other thread exists: BLAS on the calling thread, OpenBLAS' idle pool stopped.
        BLASThreads.runOnCallingThread()
        main(nil)
    }
}
