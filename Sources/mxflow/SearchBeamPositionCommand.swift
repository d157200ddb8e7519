// `mxflow search-beam-position`: the beam centre that best indexes the strong spots, written as optimised.expt.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXIndexing
import MXLogging
import MXModel
import MXPipeline

struct SearchBeamPositionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-beam-position",
        abstract: "Find the beam centre that best indexes the strong spots.",
        discussion: """
        Scores trial beam centres (a ±2 mm grid, then a refined shift) by how
        well the strong spots index, and writes the imported experiment with
        the detector moved to the best centre as optimised.expt. Prints the
        old and new centre and the shift in mm and pixels.

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
            var list = try ExperimentListCodec.read(path: exptPath)
            guard let experiment = list.experiments.first else { throw IndexingError.noExperiments }
            var table = try ReflectionTableCodec.read(path: reflPath)
            if let ids = table.ints(ReflectionTable.Name.id), list.count > 1 { table = table.select(ids.map { $0 == 0 }) }
            let quiet = Logger { _, message in logger.debug(message) }  // the search's detail: log file only
            let r = try BeamCentreSearch.search(experiment: experiment, reflections: table, logger: quiet)
            logger.info(String(format: "Old beam centre: %.2f, %.2f mm (%.1f, %.1f px)", r.oldCentreMm.x, r.oldCentreMm.y,
                               r.oldCentreMm.x / experiment.detector.panels[0].pixelSize.fast,
                               r.oldCentreMm.y / experiment.detector.panels[0].pixelSize.slow))
            logger.info(String(format: "New beam centre: %.2f, %.2f mm (%.1f, %.1f px)", r.newCentreMm.x, r.newCentreMm.y,
                               r.newCentreMm.x / experiment.detector.panels[0].pixelSize.fast,
                               r.newCentreMm.y / experiment.detector.panels[0].pixelSize.slow))
            logger.info(String(format: "Shift (new − old): %.2f, %.2f mm (%.1f, %.1f px); %.0f%% of spots index at the new centre",
                               r.shiftMm.x, r.shiftMm.y, r.shiftPx.x, r.shiftPx.y, 100 * r.indexedFraction))
            list.experiments[0] = r.experiment
            // Every experiment sharing the first detector gets the same move.
            for i in list.experiments.indices.dropFirst() where list.experiments[i].detector == experiment.detector {
                list.experiments[i].detector = r.experiment.detector
            }
            try ExperimentListCodec.write(list, to: set.text("output.experiments"))
            logger.info("Saved optimised experiments to \(set.text("output.experiments"))")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Beam position search took %.2f s", seconds))
        }
    }
}
