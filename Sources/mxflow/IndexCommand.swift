// `mxflow index`: autoindexing of strong spots, written as indexed.expt and indexed.refl.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXIndexing
import MXLogging
import MXMath
import MXModel
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
            guard let experiment = list.experiments.first else { throw IndexingError.noExperiments }
            if list.count > 1 {
                logger.warning("\(exptPath) holds \(list.count) experiments: indexing the first sweep only")
            }
            var table = try ReflectionTableCodec.read(path: reflPath)
            if let ids = table.ints(ReflectionTable.Name.id), list.count > 1 {
                table = table.select(ids.map { $0 == 0 })
            }
            logger.info("Indexing \(table.count) strong spots from \(reflPath)")
            let result = try Indexer(parameters: parameters, logger: logger).index(experiment: experiment, reflections: table)
            report(result, logger: logger)
            // Write the table, then the experiments, each atomically; nothing is written when indexing fails.
            try ReflectionTableCodec.write(result.reflections, path: outputRefl)
            try ExperimentListCodec.write(result.experiments, to: outputExpt)
            logger.info("Saved \(result.experiments.count) experiment\(result.experiments.count == 1 ? "" : "s") to \(outputExpt)")
            logger.info("Saved \(result.reflections.count) reflections to \(outputRefl)")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Indexing took %.2f s", seconds))
        }
    }

    /// The crystallographer's summary: cell with uncertainties, U, B, RMSDs,
    /// indexed/unindexed counts, and the rotation between lattices.
    func report(_ result: IndexingResult, logger: Logger) {
        logger.info(String(format: "\nmax_cell %.1f Å; basis search d_min %.2f Å; beam centre shift refined: %.3f, %.3f mm (fast, slow)",
                           result.maxCell, result.searchDMin, result.beamCentreShift.fast, result.beamCentreShift.slow))
        for (i, lattice) in result.lattices.enumerated() {
            let c = lattice.crystal
            let p = c.cellParameters
            let s = lattice.cellSigma.count == 6 ? lattice.cellSigma : [0, 0, 0, 0, 0, 0]
            logger.info("\nLattice \(i + 1) (found by \(lattice.method.rawValue)), space group \(c.spaceGroupHall.trimmingCharacters(in: .whitespaces)):")
            logger.info(String(format: "  Unit cell: %.4f(%.4f) %.4f(%.4f) %.4f(%.4f) Å, %.3f(%.3f) %.3f(%.3f) %.3f(%.3f)°",
                               p.a, s[0], p.b, s[1], p.c, s[2], p.alpha, s[3], p.beta, s[4], p.gamma, s[5]))
            logger.info(String(format: "  Volume: %.1f Å³", c.volume))
            if let u = c.U { logger.info("  U matrix:\n" + matrixLines(u)) }
            if let b = c.B { logger.info("  B matrix (Å⁻¹):\n" + matrixLines(b)) }
            logger.info("  A = UB (Å⁻¹):\n" + matrixLines(c.A))
            logger.info(String(format: "  RMSD: x %.3f px, y %.3f px, φ %.4f°", lattice.rmsd.x, lattice.rmsd.y,
                               lattice.rmsd.phiDegrees))
        }
        let ids = result.reflections.ints(ReflectionTable.Name.id) ?? []
        let total = max(ids.count, 1)
        logger.info("\n  lattice   # indexed   % of spots")
        for l in result.lattices.indices {
            let n = ids.filter { $0 == Int32(l) }.count
            logger.info(String(format: "  %7d %11d %11.1f", l + 1, n, 100 * Double(n) / Double(total)))
        }
        let unindexed = ids.filter { $0 < 0 }.count
        logger.info(String(format: "  unindexed %9d %11.1f", unindexed, 100 * Double(unindexed) / Double(total)))
        if result.lattices.count > 1 {
            logger.info("\nRotation between lattices (smallest over equivalent settings):")
            for i in 0..<result.lattices.count {
                for j in (i + 1)..<result.lattices.count {
                    if let r = LatticeComparison.rotation(from: result.lattices[i].crystal.A, to: result.lattices[j].crystal.A) {
                        logger.info(String(format: "  %d → %d: %.3f° about (%.4f, %.4f, %.4f)", i + 1, j + 1,
                                           r.angleDegrees, r.axis.x, r.axis.y, r.axis.z))
                    } else {
                        logger.info("  \(i + 1) → \(j + 1): the lattices differ in metric (not related by a rotation)")
                    }
                }
            }
        }
    }

    func matrixLines(_ m: Mat3) -> String {
        (0..<3).map { r in String(format: "    {%10.6f, %10.6f, %10.6f}", m[r, 0], m[r, 1], m[r, 2]) }.joined(separator: "\n")
    }
}
