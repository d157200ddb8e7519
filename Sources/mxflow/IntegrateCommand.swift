// `mxflow integrate`: integrate refined.expt/refined.refl into integrated.expt/integrated.refl.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline

struct IntegrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrate",
        abstract: "Predict every reflection of the scan and measure its intensity (summation and profile fitting).",
        discussion: """
        Estimates the gaussian_rs profile model (σ_b, σ_m) from the strong
        indexed spots, predicts every reflection to d_min, and streams the
        frames in blocks, integrating each reflection's shoebox with a robust
        constant background, by summation and by profile fitting. Writes the
        profile model into the experiments and DIALS' columns into the table.

        Examples:
          mxflow integrate refined.expt refined.refl nproc=2
          mxflow integrate refined.expt refined.refl prediction.d_min=2.0
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(IntegrationParameterDefinitions.all)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "integrate",
                                                                    example: "refined.expt refined.refl")
        let parameters = try typedParameters { try IntegrationParameterDefinitions.parameters(from: set) }
        let logger = stepLogger("integrate", set)
        try runStep("integrate") {
            let experiments = try ExperimentListCodec.read(path: exptPath)
            let reflections = try ReflectionTableCodec.read(path: reflPath)
            let result = try IntegrateStep.run(experiments, refined: reflections, parameters: parameters, logger: logger)
            try ExperimentListCodec.write(result.experiments, to: set.text("output.experiments"))
            try ReflectionTableCodec.write(result.reflections, path: set.text("output.reflections"))
            logger.info("Saved integrated experiments to \(set.text("output.experiments"))")
            logger.info("Saved \(result.reflections.count) integrated reflections to \(set.text("output.reflections"))")
        }
    }
}
