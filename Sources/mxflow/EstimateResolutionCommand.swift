// `mxflow estimate-resolution`: the resolution limit of scaled data from CC½ (tanh fit) and optional ⟨I/σ⟩ or completeness.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXPipeline

struct EstimateResolutionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate-resolution",
        abstract: "Estimate the resolution limit of scaled data (CC½ = 0.3 by a tanh fit, as DIALS).",
        discussion: """
        Computes merging statistics in 100 shells of equal observation count,
        fits ½(1 − tanh((d*² − s0)/r)) to the significant CC½ values and
        reports where the fit crosses cc_half (0.3). ⟨I/σ⟩ and completeness
        limits are reported on request.

        Examples:
          mxflow estimate-resolution scaled.expt scaled.refl
          mxflow estimate-resolution scaled.expt scaled.refl isigma=2 cc_half=0.5
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(MergingParameterDefinitions.estimateResolution)
        let (expt, refl) = try experimentAndReflectionPaths(step.files, command: "estimate-resolution", example: "scaled.expt scaled.refl")
        let logger = stepLogger("estimate-resolution", set)
        try runStep("estimate-resolution") {
            let list = try ExperimentListCodec.read(path: expt)
            let table = try ReflectionTableCodec.read(path: refl)
            _ = try ResolutionStep.run(list, scaled: table, set: set, logger: logger)
        }
    }
}
