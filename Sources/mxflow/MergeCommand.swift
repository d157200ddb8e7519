// `mxflow merge`: merges scaled reflections into merged.mtz and prints the merging statistics.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXPipeline

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge scaled reflections into an MTZ file and print merging statistics.",
        discussion: """
        Reads a scaled experiment list and reflection table (DIALS' scaled.expt
        and scaled.refl, or mxflow's), merges symmetry equivalents by inverse
        variance, converts intensities to amplitudes by French & Wilson and
        writes merged.mtz in dials.merge's column layout.

        Examples:
          mxflow merge scaled.expt scaled.refl
          mxflow merge scaled.expt scaled.refl d_min=1.8 output.mtz=cut.mtz
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(MergingParameterDefinitions.merge)
        let (expt, refl) = try experimentAndReflectionPaths(step.files, command: "merge", example: "scaled.expt scaled.refl")
        let logger = stepLogger("merge", set)
        try runStep("merge") {
            let list = try ExperimentListCodec.read(path: expt)
            let table = try ReflectionTableCodec.read(path: refl)
            if let unmergedPath = set.string("output.unmerged_mtz") {
                let unmerged = try MergeStep.unmerged(list, scaled: table,
                                                      partialityThreshold: set.double("partiality_threshold") ?? 0.4)
                try MTZWriter.write(unmerged, to: unmergedPath)
                logger.info("Wrote \(unmerged.reflectionCount) unmerged observations in \(unmerged.batches.count) batches to \(unmergedPath)")
            }
            let out = try MergeStep.run(list, scaled: table, set: set, logger: logger)
            let (mtz, data) = (out.merged, out.data)
            let output = set.text("output.mtz")
            try MTZWriter.write(mtz, to: output)
            logger.info("\nWrote \(mtz.reflectionCount) merged reflections (\(data.spaceGroup), cell "
                        + mtz.cell.map { String(format: "%.3f", $0) }.joined(separator: " ") + ") to \(output)")
        }
    }
}
