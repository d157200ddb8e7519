// `mxflow find-spots`: strong spots of every sweep in an experiment list, written as strong.refl.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXSpotFinding

struct FindSpotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-spots",
        abstract: "Find strong spots on every image of the sweeps in an experiment list.",
        discussion: """
        Thresholds each image with DIALS' dispersion tests, joins strong pixels
        into 3-D spots across images and writes their centroids, boxes and
        summed intensities in DIALS' layout (strong.refl), readable by
        dials.show and dials.index.

        Examples:
          mxflow find-spots imported.expt nproc=2
          mxflow find-spots imported.expt d_min=2.0 ice_rings.filter=True
          mxflow find-spots imported.expt sigma_strong=15 output.reflections=strong15.refl
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(SpotFindingParameterDefinitions.all)
        let files = step.files
        guard files.count == 1, let exptPath = files.first else {
            throw ValidationError("name one experiment list (e.g. mxflow find-spots imported.expt)")
        }
        let parameters = SpotFindingParameterDefinitions.parameters(from: set)
        let output = set.text("output.reflections")
        let logger = stepLogger("find-spots", set)
        try runStep("find-spots") {
            let list = try ExperimentListCodec.read(path: exptPath)
            if set.bool("spotfinder.decode_only") == true {
                try FindSpotsStep.decodeOnly(list, threads: parameters.nproc, logger: logger)
                return
            }
            let table = try FindSpotsStep.run(list, parameters: parameters, logger: logger).table
            try ReflectionTableCodec.write(table, path: output)
            if table.count == 0 {
                logger.warning("No strong spots were found: wrote an empty table to \(output)")
            } else {
                logger.info("Saved \(table.count) reflections to \(output)")
            }
            logger.info(String(format: "Peak memory (max resident set): %.1f MiB", peakResidentMiB()))
        }
    }
}
