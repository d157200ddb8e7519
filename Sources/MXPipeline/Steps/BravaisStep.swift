// The Bravais-settings step: every lattice the indexed metric allows,
// refined and tabulated as dials.refine_bravais_settings does, and the
// change of basis into a chosen setting.
import Foundation
import MXLogging
import MXModel
import MXRefinement
import MXSymmetry

public enum BravaisStep {
    public static func run(_ list: ExperimentList, indexed: ReflectionTable, maxDeltaDegrees: Double,
                           nproc: Int = 1, logger: Logger) throws -> [BravaisSolution] {
        let solutions = try BravaisSettingsRefinement.run(experiments: list, reflections: indexed,
                                                          maxDeltaDegrees: maxDeltaDegrees, threads: nproc,
                                                          logger: logger)
        for line in table(solutions) { logger.info(line) }
        return solutions
    }

    /// dials.refine_bravais_settings' table, top row first; `*` marks the recommended rows.
    public static func table(_ solutions: [BravaisSolution]) -> [String] {
        var lines = ["", "Chiral space groups corresponding to each Bravais lattice:"]
        var seen = Set<BravaisLattice>()
        for s in solutions.reversed() where seen.insert(s.setting.lattice).inserted {
            lines.append("  \(s.setting.lattice): \(s.setting.spaceGroupSymbol)")
        }
        lines.append("")
        lines.append(" Solution   Metric fit    rmsd   min/max cc     #spots  lattice  unit_cell                                          volume  cb_op")
        for s in solutions {
            let cc = s.minCC.flatMap { lo in s.maxCC.map { String(format: "%.3f/%.3f", lo, $0) } } ?? "-/-"
            let p = s.cell.parameters
            let cell = String(format: "%7.2f %7.2f %7.2f %6.2f %6.2f %6.2f", p[0], p[1], p[2], p[3], p[4], p[5])
            func pad(_ t: String, _ n: Int) -> String { t.count < n ? t + String(repeating: " ", count: n - t.count) : t }
            lines.append(" " + (s.recommended ? "*" : " ") + String(format: " %6d %10.4f %8.3f   ", s.number,
                                s.setting.maxDeltaDegrees, s.rmsd) + pad(cc, 12)
                         + String(format: " %7d  ", s.spotCount) + pad(s.setting.lattice.description, 7) + "  " + cell
                         + String(format: "  %9.0f  ", s.cell.volume) + s.setting.changeOfBasis.description)
        }
        lines.append("* = recommended solution")
        return lines
    }

    /// bravais_summary.json as DIALS writes it: solution number → its numbers.
    public static func summary(_ solutions: [BravaisSolution]) -> [String: Any] {
        var out: [String: Any] = [:]
        for s in solutions {
            out[String(s.number)] = [
                "max_angular_difference": s.setting.maxDeltaDegrees,
                "rmsd": s.rmsd.isFinite ? s.rmsd : NSNull(),
                "nspots": s.spotCount,
                "bravais": s.setting.lattice.description,
                "unit_cell": s.cell.parameters,
                "cb_op": s.setting.changeOfBasis.description,
                "max_cc": s.maxCC.map { $0 as Any } ?? NSNull(),
                "min_cc": s.minCC.map { $0 as Any } ?? NSNull(),
                "cc_nrefs": s.ccCounts,
                "recommended": s.recommended,
            ] as [String: Any]
        }
        return out
    }

    /// The reflections and experiments moved into a new basis, optionally
    /// with a new space group; throws when an index is not integral there.
    public static func reindex(_ list: ExperimentList?, _ table: ReflectionTable, by op: ChangeOfBasis,
                               group: SpaceGroup?, logger: Logger) throws -> (ExperimentList?, ReflectionTable) {
        guard table.contains(ReflectionTable.Name.millerIndex) else { throw ReindexError.noIndexedReflections }
        let reindexed = try reindexTable(table, by: op)
        var experiments = list
        if var l = experiments {
            for i in l.experiments.indices {
                guard var crystal = l.experiments[i].crystal else { continue }
                if let group {
                    // The old group is replaced, so it need not exist in the new basis (I 2 2 2 has
                    // no syminfo setting in -a-c,b,a, while the C 1 2 1 that replaces it does).
                    crystal.spaceGroupHall = " P 1"
                    crystal = try crystal.changedBasis(op)
                    crystal.spaceGroupHall = group.hall
                } else {
                    crystal = try crystal.changedBasis(op)
                }
                l.experiments[i].crystal = crystal
                logger.info("Crystal \(i + 1) reindexed by \(op): cell " + crystal.cellParametersText)
            }
            experiments = l
        }
        logger.info("Change of basis \(op) (h,k,l → \(op.hklDescription))" + (group.map { ", space group \($0.xHM)" } ?? ""))
        return (experiments, reindexed)
    }

    /// The table reindexed; throws when some index is not integral in the new basis.
    public static func reindexTable(_ table: ReflectionTable, by op: ChangeOfBasis) throws -> ReflectionTable {
        let out = try BravaisSettingsRefinement.reindex(table, by: op)
        let before = table.millerIndices(ReflectionTable.Name.millerIndex)?.filter { !$0.isZero }.count ?? 0
        let after = out.millerIndices(ReflectionTable.Name.millerIndex)?.filter { !$0.isZero }.count ?? 0
        if after < before {
            throw ReindexError.nonIntegral(op.description, count: before - after)
        }
        return out
    }
}

/// Problems with reindexing, each one sentence.
public enum ReindexError: Error, CustomStringConvertible {
    case noOperation
    case unknownSolution(Int, path: String, available: [Int])
    case unreadableSummary(String)
    case noIndexedReflections
    case nonIntegral(String, count: Int)
    public var description: String {
        switch self {
        case .noOperation: return "give change_of_basis_op= (e.g. a+b,c,-a) or solution= (a row of bravais_summary.json)"
        case .unknownSolution(let n, let path, let available):
            return "\(path) has no solution \(n) (it has \(available.map(String.init).joined(separator: ", ")))"
        case .unreadableSummary(let path): return "\(path) is not a bravais_summary.json (run mxflow refine-bravais-settings first)"
        case .noIndexedReflections: return "the reflections have no Miller indices (no miller_index column): index first"
        case .nonIntegral(let op, let count):
            return "the change of basis \(op) gives non-integral Miller indices for \(count) reflections (it is not a basis of this lattice)"
        }
    }
}

extension Crystal {
    /// a, b, c, α, β, γ as text.
    public var cellParametersText: String {
        let p = cellParameters
        return String(format: "%.3f, %.3f, %.3f, %.2f, %.2f, %.2f", p.a, p.b, p.c, p.alpha, p.beta, p.gamma)
    }
}
