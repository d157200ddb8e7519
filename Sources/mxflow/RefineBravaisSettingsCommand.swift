// `mxflow refine-bravais-settings`: every Bravais setting of a triclinic indexing solution refined, tabulated and written.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline

struct RefineBravaisSettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine-bravais-settings",
        abstract: "Refine the indexed crystal in each Bravais lattice its metric allows.",
        discussion: """
        For each lattice symmetry within lepage_max_delta (Le Page's δ, 5°) of
        the indexed (triclinic) cell, reindexes crystal and spots, imposes the
        lattice's lowest space group, refines, and correlates the summed
        intensities of symmetry-related spots. Prints dials.refine_bravais_settings'
        table with the recommended solutions starred, writes
        bravais_setting_N.expt for each and bravais_summary.json.

        Examples:
          mxflow refine-bravais-settings indexed.expt indexed.refl
          mxflow reindex indexed.refl solution=9
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(BravaisSettingsParameterDefinitions.refineBravaisSettings)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "refine-bravais-settings",
                                                                    example: "indexed.expt indexed.refl")
        let logger = stepLogger("refine-bravais-settings", set)
        try runStep("refine-bravais-settings") {
            let start = DispatchTime.now()
            // The folder for the settings is made first, as process makes output_dir:
            // a missing one must not fail the step after all the refinement.
            let directory = set.text("output.directory"), prefix = set.text("output.prefix")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let experiments = try ExperimentListCodec.read(path: exptPath)
            let reflections = try ReflectionTableCodec.read(path: reflPath)
            let solutions = try BravaisStep.run(experiments, indexed: reflections,
                                                maxDeltaDegrees: set.double("lepage_max_delta") ?? 5,
                                                nproc: set.int("nproc") ?? 1, logger: logger)
            func path(_ name: String) -> String { directory == "." ? prefix + name : directory + "/" + prefix + name }
            for s in solutions {
                try ExperimentListCodec.write(s.experiments, to: path("bravais_setting_\(s.number).expt"))
            }
            let summary = BravaisStep.summary(solutions)
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            try AtomicFile.write(Array(data), to: path("bravais_summary.json"))
            logger.info("Saved \(solutions.count) settings as \(path("bravais_setting_N.expt")) and \(path("bravais_summary.json"))")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Refining Bravais settings took %.2f s", seconds))
        }
    }
}
