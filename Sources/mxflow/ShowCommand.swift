// `mxflow show`: the models of an experiment list, laid out as `dials.show` does, with units.
import ArgumentParser
import Foundation
import MXFormats
import MXModel
import MXPipeline

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the beam, detector, goniometer, scan and crystal models of an experiment list.",
        discussion: """
        Examples:
          mxflow show imported.expt
          mxflow show indexed.expt indexed.refl
        """)

    @OptionGroup var step: StepArguments

    static let parameters: [ParameterDefinition] = [
        ParameterDefinition("show_scan_varying", .bool, default: "False",
                            help: "Also print the unit cell at every scan point of a scan-varying crystal."),
    ]

    func run() throws {
        let params = try step.parameters(Self.parameters)
        let scanVarying = params.bool("show_scan_varying") ?? false
        let files = step.files
        guard !files.isEmpty else {
            throw ValidationError("name an experiment list or reflection table to show (e.g. mxflow show imported.expt)")
        }
        try runStep("show") {
            for file in files {
                if file.hasSuffix(".refl") {
                    print(ReflectionTableSummary(try ReflectionTableCodec.read(path: file), file: file).text)
                } else {
                    print(ExperimentListSummary(try ExperimentListCodec.read(path: file), scanVarying: scanVarying).text)
                }
            }
        }
    }
}
