// `mxflow search-beam-position`: the beam centre that best indexes the strong spots, written as optimised.expt.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXPipeline

struct SearchBeamPositionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-beam-position",
        abstract: "Find the beam centre that best indexes the strong spots.",
        discussion: """
        Scores trial beam centres by how well the strong spots index: a
        ±2 mm grid around the header's centre, then, unless that indexes
        most spots closely, the same from start centres 3 mm around it, out
        to mm_search_scope (4 mm); the best shift is then refined. Writes the
        imported experiment with the detector moved to the best centre as
        optimised.expt. Prints the old and new centre and the shift in mm
        and pixels.

        Examples:
          mxflow search-beam-position imported.expt strong.refl
          mxflow index optimised.expt strong.refl
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(BravaisSettingsParameterDefinitions.searchBeamPosition)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "search-beam-position",
                                                                    example: "imported.expt strong.refl")
        let logger = stepLogger("search-beam-position", set)
        try runStep("search-beam-position") {
            let start = DispatchTime.now()
            let input = try ExperimentListCodec.read(path: exptPath)
            let table = try ReflectionTableCodec.read(path: reflPath)
            let list = try BeamCentreStep.run(input, strong: table, scopeMm: set.double("mm_search_scope") ?? 4,
                                              logger: logger).list
            try ExperimentListCodec.write(list, to: set.text("output.experiments"))
            logger.info("Saved optimised experiments to \(set.text("output.experiments"))")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Beam position search took %.2f s", seconds))
        }
    }
}
