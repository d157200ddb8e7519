// `mxflow scale`: scales integrated, symmetrized reflections with a physical model and writes scaled.expt/scaled.refl.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXPipeline

struct ScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Scale integrated reflections (physical model: scale, decay, absorption) as dials.scale does.",
        discussion: """
        Reads an integrated experiment list and reflection table whose space
        group is decided (DIALS' symmetrized.expt/.refl, or mxflow's), fits a
        smooth scale and relative B over rotation and, for scans over 60°, an
        absorption surface by spherical harmonics, chooses profile-fitted,
        summed or combined intensities by Rmeas, fits the error model
        σ'² = a²(σ² + (bI)²) and rejects outliers among equivalents. Writes
        scaled.expt (with the scaling model) and scaled.refl with DIALS'
        columns (inverse_scale_factor, intensity.scale.value, …), readable by
        dials.merge and mxflow merge. Several sweeps in one list are scaled
        together.

        Examples:
          mxflow scale symmetrized.expt symmetrized.refl
          mxflow scale symmetrized.expt symmetrized.refl anomalous=True d_min=1.8
          mxflow scale symmetrized.expt symmetrized.refl absorption_level=medium
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(ScalingParameterDefinitions.all)
        let (expt, refl) = try experimentAndReflectionPaths(step.files, command: "scale", example: "symmetrized.expt symmetrized.refl")
        let logger = stepLogger("scale", set)
        try runStep("scale") {
            let start = Date()
            let list = try ExperimentListCodec.read(path: expt)
            let table = try ReflectionTableCodec.read(path: refl)
            let out = try ScaleStep.run(list, integrated: table, set: set, logger: logger)
            // Write both files only after everything has been computed.
            let exptText = try out.experimentsText(list)
            try AtomicFile.write(exptText, to: set.text("output.experiments"))
            try ReflectionTableCodec.write(out.reflections, path: set.text("output.reflections"))
            logger.info("\nSaved \(set.text("output.experiments")) and \(set.text("output.reflections")) "
                        + String(format: "(%.2f s)", Date().timeIntervalSince(start)))
        }
    }
}
