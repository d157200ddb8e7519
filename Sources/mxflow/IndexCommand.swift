// `mxflow index`: autoindexing of strong spots, written as indexed.expt and indexed.refl.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXIndexing
import MXLogging
import MXPipeline
import MXSymmetry

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Find the crystal lattice(s) of a sweep from its strong spots.",
        discussion: """
        Maps the strong spots to reciprocal space, estimates the largest cell,
        searches for basis vectors by 3-D and 1-D FFTs, scores candidate cells,
        then refines orientation, cell and beam centre over macro-cycles that
        extend the resolution. Writes the lattices as indexed.expt (triclinic
        reduced cell unless space_group= or unit_cell= is given) and the spots
        with Miller indices as indexed.refl, in DIALS' layout (dials.refine,
        dials.refine_bravais_settings and dials.show read them).

        Examples:
          mxflow index imported.expt strong.refl
          mxflow index imported.expt strong.refl max_lattices=2
          mxflow index imported.expt strong.refl space_group=P43212 unit_cell=79.1,79.1,37.9,90,90,90
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(IndexingParameterDefinitions.all)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "index",
                                                                    example: "imported.expt strong.refl")
        var parameters = IndexingParameterDefinitions.parameters(from: set)
        let outputExpt = set.text("output.experiments"), outputRefl = set.text("output.reflections")
        let logger = stepLogger("index", set)
        try runStep("index") {
            let start = DispatchTime.now()
            if let symbol = set.string("indexing.known_symmetry.space_group") {
                let group = try SpaceGroup(symbol)
                parameters.spaceGroupHall = group.hall
            }
            let list = try ExperimentListCodec.read(path: exptPath)
            let table = try ReflectionTableCodec.read(path: reflPath)
            logger.info("Read \(table.count) strong spots from \(reflPath)")
            let result = try IndexStep.run(list, strong: table, parameters: parameters, logger: logger)
            // Write the table, then the experiments, each atomically; nothing is written when indexing fails.
            try ReflectionTableCodec.write(result.reflections, path: outputRefl)
            try ExperimentListCodec.write(result.experiments, to: outputExpt)
            logger.info("Saved \(result.experiments.count) experiment\(result.experiments.count == 1 ? "" : "s") to \(outputExpt)")
            logger.info("Saved \(result.reflections.count) reflections to \(outputRefl)")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Indexing took %.2f s", seconds))
        }
    }
}
