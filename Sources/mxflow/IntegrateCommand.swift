// `mxflow integrate`: integrate refined.expt/refined.refl into integrated.expt/integrated.refl.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXIntegration
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
            let start = DispatchTime.now()
            let result = try integrate(experiments: experiments, reflections: reflections, parameters: parameters,
                                       logger: logger)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            for line in IntegrationSummary.lines(result.reflections) { logger.info(line) }
            logger.info(String(format: "Integration took %.2f s; frame block and open shoeboxes peaked at %.1f MiB; "
                               + "process peak resident memory %.1f MiB", seconds,
                               Double(result.peakBufferBytes) / 1_048_576, peakResidentMiB()))
            try ExperimentListCodec.write(result.experiments, to: set.text("output.experiments"))
            try ReflectionTableCodec.write(result.reflections, path: set.text("output.reflections"))
            logger.info("Saved integrated experiments to \(set.text("output.experiments"))")
            logger.info("Saved \(result.reflections.count) integrated reflections to \(set.text("output.reflections"))")
        }
    }

    /// VmHWM from /proc/self/status (Linux), MiB; 0 elsewhere.
    func peakResidentMiB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "") ?? 0
            return kb / 1024
        }
        return 0
    }
}
