// `mxflow merge`: merges scaled reflections into merged.mtz and prints the merging statistics.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXScaling

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
            let (list, data) = try readScaled(expt: expt, refl: refl, set: set, logger: logger)
            if let unmergedPath = set.string("output.unmerged_mtz") {
                let table = try ReflectionTableCodec.read(path: refl)
                let unmerged = try UnmergedMTZ.make(table, experiments: list,
                                                    partialityThreshold: set.double("partiality_threshold") ?? 0.4,
                                                    history: ["From mxflow \(MXFlowVersion.string) merge"])
                try MTZWriter.write(unmerged, to: unmergedPath)
                logger.info("Wrote \(unmerged.reflectionCount) unmerged observations in \(unmerged.batches.count) batches to \(unmergedPath)")
            }
            let o = MergingParameterDefinitions.statisticsOptions(from: set)
            let stats = MergingStatistics(data, bins: o.bins, binningMethod: o.method, anomalous: false,
                                          ccHalfMethod: o.ccHalf, seed: o.seed)
            logger.info("\nMerging statistics by resolution shell:\n")
            logger.info(MergingStatisticsTable.shellTable(stats).joined(separator: "\n"))
            logger.info("\n" + MergingStatisticsTable.summary(stats).joined(separator: "\n"))
            let wavelength = list.experiments.first?.beam.wavelength ?? 0
            let mtz = MergedMTZ.make(data, wavelength: wavelength, anomalous: set.bool("anomalous") ?? true,
                                     truncate: set.bool("truncate") ?? true,
                                     names: .init(project: set.text("project_name"), crystal: set.text("crystal_name"),
                                                  dataset: set.text("dataset_name")),
                                     history: ["From mxflow \(MXFlowVersion.string) merge"])
            let output = set.text("output.mtz")
            try MTZWriter.write(mtz, to: output)
            logger.info("\nWrote \(mtz.reflectionCount) merged reflections (\(data.spaceGroup), cell "
                        + mtz.cell.map { String(format: "%.3f", $0) }.joined(separator: " ") + ") to \(output)")
        }
    }
}

/// Reads the scaled files and selects the observations to merge, applying d_min/d_max.
func readScaled(expt: String, refl: String, set: ParameterSet, logger: Logger) throws
    -> (ExperimentList, UnmergedIntensities) {
    let list = try ExperimentListCodec.read(path: expt)
    let table = try ReflectionTableCodec.read(path: refl)
    var data = try UnmergedIntensities(scaled: table, experiments: list,
                                       partialityThreshold: set.double("partiality_threshold") ?? 0.4)
    logger.info("Read \(table.count) reflections; selected \(data.count) scaled observations")
    let dMin = set.double("d_min"), dMax = set.double("d_max")
    if dMin != nil || dMax != nil {
        let d = data.dSpacings
        data = data.selecting(d.map { ($0 >= (dMin ?? 0)) && ($0 <= (dMax ?? .infinity)) })
        logger.info("\(data.count) observations within the resolution limits")
        if data.count == 0 { throw ScaledReflectionsError.noObservations }
    }
    return (list, data)
}
