// The Bravais choice when one sweep indexed as several lattices (a split
// crystal, or crystals side by side): each lattice's settings are refined on
// its own spots, the highest-symmetry lattice recommended for every one of
// them is taken, and the crystals are refined together in it. Without this
// the lattices stay triclinic until symmetry analysis, which then has to
// re-refine and re-integrate them all.
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXRefinement
import MXSymmetry

extension ProcessRun {
    /// One lattice of a multi-lattice indexing result as its own experiment
    /// list and table (ids renumbered to 0); `withUnindexed` keeps the rows
    /// no lattice indexed (id −1) so the joined result loses none.
    static func lattice(_ i: Int, of list: ExperimentList, table: ReflectionTable,
                        withUnindexed: Bool) -> (ExperimentList, ReflectionTable) {
        let ids = table.ints(ReflectionTable.Name.id) ?? Array(repeating: 0, count: table.count)
        var part = table.select(ids.map { $0 == Int32(i) || (withUnindexed && $0 < 0) })
        let partIds = part.ints(ReflectionTable.Name.id) ?? []
        part.set(ReflectionTable.Name.id, .int(partIds.map { $0 < 0 ? $0 : 0 }))
        let experiment = list.experiments[i]
        part.experimentIdentifiers = experiment.identifier.isEmpty ? [:] : [0: experiment.identifier]
        return (ExperimentList([experiment]), part)
    }

    /// The refinement in the highest-symmetry Bravais lattice every indexed
    /// lattice recommends, or nil when none survives (the caller keeps them
    /// triclinic). Each crystal takes its own setting of that lattice (for
    /// crystals after the first, the setting whose cell is nearest the
    /// first's); a choice whose joint RMSD jumps against the triclinic joint
    /// refinement is eliminated as for one lattice.
    func refineInCommonLattice(_ indexed: ExperimentList, indexed table: ReflectionTable,
                               parameters: RefinementParameters) throws -> StaticAndScanVaryingResult? {
        var perLattice: [[BravaisSolution]] = []
        for i in 0..<indexed.count {
            let (l, t) = Self.lattice(i, of: indexed, table: table, withUnindexed: false)
            logger.info("\nBravais settings of lattice \(i + 1):")
            perLattice.append(try BravaisStep.run(l, indexed: t, maxDeltaDegrees: 5, nproc: options.nproc, logger: logger))
        }
        let summaryJSON = try JSONSerialization.data(withJSONObject: BravaisStep.summary(perLattice[0]),
                                                     options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(summaryJSON), to: path(sweepFile("bravais_summary.json")))

        let triclinic = triclinicYardstick(indexed, table, parameters: parameters)
        let candidates = perLattice[0].filter(\.recommended).sorted { $0.number > $1.number }
        var refused: [String] = []
        for first in candidates where first.setting.lattice != .aP {
            let lattice = first.setting.lattice
            var settings = [first]
            for solutions in perLattice.dropFirst() {
                let same = solutions.filter { $0.recommended && $0.setting.lattice == lattice }
                guard let nearest = same.min(by: { Self.cellDistance($0.cell, first.cell) < Self.cellDistance($1.cell, first.cell) })
                else { break }
                settings.append(nearest)
            }
            guard settings.count == perLattice.count else {
                refused.append("\(lattice) is not recommended for lattice \(settings.count + 1)")
                continue
            }
            let group = try SpaceGroup(lattice.lowestSymmetrySpaceGroupSymbol)
            var parts: [(ExperimentList, ReflectionTable)] = []
            for (i, s) in settings.enumerated() {
                let (l, t) = Self.lattice(i, of: indexed, table: table, withUnindexed: i == 0)
                let (moved, reindexed) = try BravaisStep.reindex(l, t, by: s.setting.changeOfBasis, group: group, logger: logger)
                guard let moved else { continue }
                parts.append((moved, reindexed))
            }
            let (list, joined) = try CombineStep.join(parts)
            let run = try RefineStep.run(list, indexed: joined, parameters: parameters, logger: logger)
            let rmsd = positionalRMSD(run.staticResult)
            if let jump = rmsdJump(rmsd, from: try triclinic()) {
                decide(sweepFile("refine"), "eliminate \(lattice) for the \(indexed.count) lattices", "refined together, their " + jump)
                continue
            }
            let each = settings.enumerated().map { i, s in
                String(format: "lattice %d: solution %d, cb_op %@, metric fit %.2f°, RMSD %.3f mm%@", i + 1, s.number,
                       s.setting.changeOfBasis.description, s.setting.maxDeltaDegrees, s.rmsd,
                       s.minCC.map { String(format: ", min CC %.2f", $0) } ?? "")
            }
            decide(sweepFile("refine"), "lattice \(lattice) for all \(indexed.count) lattices",
                   "the highest-symmetry setting recommended for each lattice (" + each.joined(separator: "; ")
                   + String(format: "); refined together to RMSD %.3f px", rmsd))
            return run
        }
        decide(sweepFile("refine"), "keep the \(indexed.count) lattices triclinic",
               refused.isEmpty ? "no higher-symmetry setting is recommended for lattice 1"
               : "no higher-symmetry lattice is recommended for all of them (" + refused.joined(separator: "; ") + ")")
        return nil
    }
}
