// `mxflow reindex`: a change of basis applied to the Miller indices and the crystal model.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXRefinement
import MXSymmetry

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Apply a change of basis to Miller indices and crystal models.",
        discussion: """
        Transforms every Miller index h → h·P and the crystal's basis
        (a′, b′, c′) = (a, b, c)·P, so predictions are unchanged, and can give
        the crystal a new space group. solution=N takes the change of basis
        and lattice of row N of bravais_summary.json.

        Examples:
          mxflow reindex indexed.expt indexed.refl change_of_basis_op=a+b,c,-a space_group=C2
          mxflow reindex indexed.expt indexed.refl solution=9
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(BravaisSettingsParameterDefinitions.reindex)
        let files = step.files
        let exptPath = files.first(where: { $0.hasSuffix(".expt") || $0.hasSuffix(".json") })
        guard let reflPath = files.first(where: { $0.hasSuffix(".refl") }), files.count <= 2 else {
            throw ValidationError("name a reflection file and optionally an experiment list (e.g. mxflow reindex indexed.expt indexed.refl change_of_basis_op=b,c,a)")
        }
        let logger = stepLogger("reindex", set)
        try runStep("reindex") {
            var spaceGroupSymbol = set.string("space_group")
            let op: ChangeOfBasis
            if let n = set.int("solution") {
                let path = set.text("summary")
                guard let data = FileManager.default.contents(atPath: path),
                      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ReindexError.unreadableSummary(path)
                }
                guard let row = json[String(n)] as? [String: Any], let text = row["cb_op"] as? String else {
                    throw ReindexError.unknownSolution(n, path: path, available: json.keys.compactMap { Int($0) }.sorted())
                }
                op = try ChangeOfBasis(parsing: text)
                if spaceGroupSymbol == nil, let name = row["bravais"] as? String, let lattice = BravaisLattice(rawValue: name) {
                    spaceGroupSymbol = lattice.lowestSymmetrySpaceGroupSymbol
                }
            } else if let text = set.string("change_of_basis_op") {
                op = try ChangeOfBasis(parsing: text)
            } else {
                throw ReindexError.noOperation
            }
            let group = try spaceGroupSymbol.map { try SpaceGroup($0) }
            let reflections = try ReflectionTableCodec.read(path: reflPath)
            let input = try exptPath.map { try ExperimentListCodec.read(path: $0) }
            let (experiments, reindexed) = try BravaisStep.reindex(input, reflections, by: op, group: group, logger: logger)
            try ReflectionTableCodec.write(reindexed, path: set.text("output.reflections"))
            logger.info("Saved \(reindexed.count) reflections to \(set.text("output.reflections"))")
            if let experiments {
                try ExperimentListCodec.write(experiments, to: set.text("output.experiments"))
                logger.info("Saved \(experiments.count) experiments to \(set.text("output.experiments"))")
            }
        }
    }
}
