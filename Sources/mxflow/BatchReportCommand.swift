// `mxflow batch-report`: the table of a batch's sweeps, printed and written as CSV, JSON and HTML.
import ArgumentParser
import MXBatch
import MXPipeline

struct BatchReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-report",
        abstract: "Summarise a batch: one row per sweep (cell, space group, resolution, CC½, completeness, I/σ, status, time).",
        discussion: """
        Reads OUT/mxflow_batch.sqlite (written by mxflow batch or mxflow watch),
        prints the table and writes OUT/batch_report.csv, .json and .html.

        Example:
          mxflow batch-report out/
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        _ = try step.parameters([])
        guard step.files.count == 1, let folder = step.files.first else {
            throw ValidationError("name one batch output folder (e.g. mxflow batch-report out/)")
        }
        try runStep("batch-report") {
            let report = BatchReport(records: try BatchDatabase.existing(folder: folder).records())
            try report.write(to: folder)
            print(report.text, terminator: "")
            print("Wrote \(folder)/\(BatchReport.csvName), \(BatchReport.jsonName), \(BatchReport.htmlName)")
        }
    }
}
