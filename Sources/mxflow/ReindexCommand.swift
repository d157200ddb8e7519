// `mxflow reindex`: a change of basis applied to the Miller indices and the crystal model.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXRefinement
import MXSymmetry

/// Problems with reindex's inputs, each one sentence.
enum ReindexError: Error, CustomStringConvertible {
    case noOperation
    case unknownSolution(Int, path: String, available: [Int])
    case unreadableSummary(String)
    case noIndexedReflections(String)
    case nonIntegral(String, count: Int)
    var description: String {
        switch self {
        case .noOperation: return "give change_of_basis_op= (e.g. a+b,c,-a) or solution= (a row of bravais_summary.json)"
        case .unknownSolution(let n, let path, let available):
            return "\(path) has no solution \(n) (it has \(available.map(String.init).joined(separator: ", ")))"
        case .unreadableSummary(let path): return "\(path) is not a bravais_summary.json (run mxflow refine-bravais-settings first)"
        case .noIndexedReflections(let path): return "\(path) has no indexed reflections (no miller_index column): index first"
        case .nonIntegral(let op, let count):
            return "the change of basis \(op) gives non-integral Miller indices for \(count) reflections (it is not a basis of this lattice)"
        }
    }
}

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
            guard reflections.contains(ReflectionTable.Name.millerIndex) else { throw ReindexError.noIndexedReflections(reflPath) }
            let reindexed = try Self.reindex(reflections, by: op)
            var experiments: ExperimentList? = nil
            if let exptPath {
                var list = try ExperimentListCodec.read(path: exptPath)
                for i in list.experiments.indices {
                    guard var crystal = list.experiments[i].crystal else { continue }
                    crystal = try crystal.changedBasis(op)
                    if let group { crystal.spaceGroupHall = group.hall }
                    list.experiments[i].crystal = crystal
                    logger.info("Crystal \(i + 1) reindexed by \(op): cell " + crystal.cellParametersText)
                }
                experiments = list
            }
            logger.info("Change of basis \(op) (h,k,l → \(op.hklDescription))" + (group.map { ", space group \($0.xHM)" } ?? ""))
            try ReflectionTableCodec.write(reindexed, path: set.text("output.reflections"))
            logger.info("Saved \(reindexed.count) reflections to \(set.text("output.reflections"))")
            if let experiments {
                try ExperimentListCodec.write(experiments, to: set.text("output.experiments"))
                logger.info("Saved \(experiments.count) experiments to \(set.text("output.experiments"))")
            }
        }
    }

    /// The table reindexed; throws when some index is not integral in the new basis.
    static func reindex(_ table: ReflectionTable, by op: ChangeOfBasis) throws -> ReflectionTable {
        let out = try BravaisSettingsRefinement.reindex(table, by: op)
        let before = table.millerIndices(ReflectionTable.Name.millerIndex)?.filter { !$0.isZero }.count ?? 0
        let after = out.millerIndices(ReflectionTable.Name.millerIndex)?.filter { !$0.isZero }.count ?? 0
        if after < before {
            throw ReindexError.nonIntegral(op.description, count: before - after)
        }
        return out
    }
}

extension Crystal {
    /// a, b, c, α, β, γ as text.
    var cellParametersText: String {
        let p = cellParameters
        return String(format: "%.3f, %.3f, %.3f, %.2f, %.2f, %.2f", p.a, p.b, p.c, p.alpha, p.beta, p.gamma)
    }
}
