// The indexing step: the first sweep's strong spots turned into lattices, and
// the summary a crystallographer reads (cells with e.s.d.s, U, B, RMSDs,
// indexed counts, rotations between lattices).
import MXIndexing
import MXLogging
import MXMath
import MXModel

public enum IndexStep {
    /// Indexes the first experiment of `list` with its spots (`id` 0 where the
    /// table holds several sweeps) and logs the summary.
    /// With `continuing`, the lattices of that earlier result of the same
    /// spots are kept and only further ones sought.
    public static func run(_ list: ExperimentList, strong: ReflectionTable, parameters: IndexingParameters,
                           continuing previous: IndexingResult? = nil, logger: Logger) throws -> IndexingResult {
        guard let experiment = list.experiments.first else { throw IndexingError.noExperiments }
        if list.count > 1 {
            logger.warning("the experiment list holds \(list.count) experiments: indexing the first sweep only")
        }
        var table = strong
        if let ids = table.ints(ReflectionTable.Name.id), list.count > 1 {
            table = table.select(ids.map { $0 == 0 })
        }
        logger.info("Indexing \(table.count) strong spots")
        let indexer = Indexer(parameters: parameters, logger: logger)
        let result = try previous.map { try indexer.index(experiment: experiment, reflections: table, continuing: $0) }
            ?? indexer.index(experiment: experiment, reflections: table)
        for line in report(result) { logger.info(line) }
        return result
    }

    /// Fraction of the spots given to indexing that were indexed (any lattice).
    public static func indexedFraction(_ result: IndexingResult) -> Double {
        let ids = result.reflections.ints(ReflectionTable.Name.id) ?? []
        guard !ids.isEmpty else { return 0 }
        return Double(ids.filter { $0 >= 0 }.count) / Double(ids.count)
    }

    /// The crystallographer's summary: cell with uncertainties, U, B, RMSDs,
    /// indexed/unindexed counts, and the rotation between lattices.
    public static func report(_ result: IndexingResult) -> [String] {
        var lines: [String] = []
        lines.append(String(format: "\nmax_cell %.1f Å; basis search d_min %.2f Å; beam centre shift refined: %.3f, %.3f mm (fast, slow)",
                            result.maxCell, result.searchDMin, result.beamCentreShift.fast, result.beamCentreShift.slow))
        for (i, lattice) in result.lattices.enumerated() {
            let c = lattice.crystal
            let p = c.cellParameters
            let s = lattice.cellSigma.count == 6 ? lattice.cellSigma : [0, 0, 0, 0, 0, 0]
            lines.append("\nLattice \(i + 1) (found by \(lattice.method.rawValue)), space group \(c.spaceGroupHall.trimmingCharacters(in: .whitespaces)):")
            lines.append(String(format: "  Unit cell: %.4f(%.4f) %.4f(%.4f) %.4f(%.4f) Å, %.3f(%.3f) %.3f(%.3f) %.3f(%.3f)°",
                                p.a, s[0], p.b, s[1], p.c, s[2], p.alpha, s[3], p.beta, s[4], p.gamma, s[5]))
            lines.append(String(format: "  Volume: %.1f Å³", c.volume))
            if let u = c.U { lines.append("  U matrix:\n" + matrixLines(u)) }
            if let b = c.B { lines.append("  B matrix (Å⁻¹):\n" + matrixLines(b)) }
            lines.append("  A = UB (Å⁻¹):\n" + matrixLines(c.A))
            lines.append(String(format: "  RMSD: x %.3f px, y %.3f px, φ %.4f°", lattice.rmsd.x, lattice.rmsd.y,
                                lattice.rmsd.phiDegrees))
        }
        let ids = result.reflections.ints(ReflectionTable.Name.id) ?? []
        let total = max(ids.count, 1)
        lines.append("\n  lattice   # indexed   % of spots")
        for l in result.lattices.indices {
            let n = ids.filter { $0 == Int32(l) }.count
            lines.append(String(format: "  %7d %11d %11.1f", l + 1, n, 100 * Double(n) / Double(total)))
        }
        let unindexed = ids.filter { $0 < 0 }.count
        lines.append(String(format: "  unindexed %9d %11.1f", unindexed, 100 * Double(unindexed) / Double(total)))
        if result.lattices.count > 1 {
            lines.append("\nRotation between lattices (smallest over equivalent settings):")
            for i in 0..<result.lattices.count {
                for j in (i + 1)..<result.lattices.count {
                    if let r = LatticeComparison.rotation(from: result.lattices[i].crystal.A, to: result.lattices[j].crystal.A) {
                        lines.append(String(format: "  %d → %d: %.3f° about (%.4f, %.4f, %.4f)", i + 1, j + 1,
                                            r.angleDegrees, r.axis.x, r.axis.y, r.axis.z))
                    } else {
                        lines.append("  \(i + 1) → \(j + 1): the lattices differ in metric (not related by a rotation)")
                    }
                }
            }
        }
        return lines
    }

    static func matrixLines(_ m: Mat3) -> String {
        (0..<3).map { r in String(format: "    {%10.6f, %10.6f, %10.6f}", m[r, 0], m[r, 1], m[r, 2]) }.joined(separator: "\n")
    }
}
