// `mxflow refine`: static refinement of indexed.expt/indexed.refl into refined.expt/refined.refl.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline

struct RefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Refine beam, detector and crystal models against indexed spot centroids (static, then scan-varying).",
        discussion: """
        Levenberg–Marquardt refinement of the beam direction, the detector's
        distance, shifts and tilts, and each crystal's orientation and cell
        (constrained by its space group) against the observed centroids of
        indexed reflections, weighted by their variances, as dials.refine does
        for a scan-static model. Then, by default for scans of 5° or more
        (scan_varying=Auto), refines the crystal's orientation and cell as
        smooth functions of rotation angle (sample points every
        interval_width_degrees=36) and writes A at every frame boundary
        (A_at_scan_points). Prints the RMSDs per step and at the end, the
        refined cell with e.s.d.s and the parameter shifts, for each stage.

        Examples:
          mxflow refine indexed.expt indexed.refl
          mxflow refine indexed.expt indexed.refl detector.fix=all
          mxflow refine indexed.expt indexed.refl outlier.algorithm=null output.experiments=r.expt
          mxflow refine indexed.expt indexed.refl scan_varying=False
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(RefinementParameterDefinitions.all)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "refine",
                                                                    example: "indexed.expt indexed.refl")
        let parameters = try typedParameters { try RefinementParameterDefinitions.parameters(from: set) }
        let logger = stepLogger("refine", set)
        try runStep("refine") {
            let experiments = try ExperimentListCodec.read(path: exptPath)
            let reflections = try ReflectionTableCodec.read(path: reflPath)
            let result = try RefineStep.run(experiments, indexed: reflections, parameters: parameters, logger: logger).final
            try ExperimentListCodec.write(result.experiments, to: set.text("output.experiments"))
            try ReflectionTableCodec.write(result.reflections, path: set.text("output.reflections"))
            logger.info("Saved refined experiments to \(set.text("output.experiments"))")
            logger.info("Saved reflections with updated predictions to \(set.text("output.reflections"))")
        }
    }
}
