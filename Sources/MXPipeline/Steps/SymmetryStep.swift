// The symmetry step: Laue and space group from integrated intensities, and
// the experiments and Miller indices moved into the chosen setting.
import MXLogging
import MXModel
import MXSymmetry
import MXSymmetryAnalysis

public enum SymmetryStep {
    public struct Output {
        public var experiments: ExperimentList
        public var reflections: ReflectionTable
        public var result: SymmetryResult
        /// The lattice of the space group the crystal had before the analysis.
        public var inputGroup: SpaceGroup
    }

    /// `allExperiments`: analyse the intensities of every experiment together
    /// and reindex them all (sweeps already brought into one consistent
    /// setting); otherwise the first experiment with a crystal alone.
    public static func run(_ input: ExperimentList, integrated: ReflectionTable, parameters: SymmetryParameters,
                           allExperiments: Bool = false, logger: Logger) throws -> Output {
        var list = input
        var reflections = integrated
        guard let index = list.experiments.firstIndex(where: { $0.crystal != nil }),
              let crystal = list.experiments[index].crystal else { throw SymmetryAnalysisError.noCrystal }
        if list.experiments.count > 1 && allExperiments {
            logger.info("\(list.experiments.count) experiments analysed together")
        } else if list.experiments.count > 1 {
            logger.warning("\(list.experiments.count) experiments: analysing experiment \(index) only")
        }
        let cell = try UnitCell(crystal: crystal)
        let selection = try IntensityObservation.select(
            from: reflections, experimentID: reflections.contains(ReflectionTable.Name.id) && !allExperiments ? index : nil,
            partialityThreshold: parameters.partialityThreshold)
        logger.info("Read \(reflections.count) reflections; using \(selection.observations.count) "
                    + "(\(selection.profileFitted) profile-fitted, \(selection.summation) summation), "
                    + "corrected by lp/qe, partiality ≥ \(parameters.partialityThreshold)")
        logger.info("Input cell: " + cell.parameters.map { String(format: "%.4f", $0) }.joined(separator: ", "))
        let table = try SpaceGroupTable.shared()
        let inputGroup = try table.spaceGroup(hall: crystal.spaceGroupHall)
        if inputGroup.number != 1 { logger.info("Input indexing in \(inputGroup.xHM): analysed on its primitive cell") }
        let result = try SymmetryDetermination.determine(selection.observations, cell: cell,
                                                         centring: inputGroup.centringType, parameters: parameters,
                                                         table: table, logger: logger)
        logger.info(SymmetryReport.lines(result).joined(separator: "\n"))

        for i in list.experiments.indices {
            guard let c = list.experiments[i].crystal, allExperiments || c == crystal else { continue }
            list.experiments[i].crystal = try SymmetryDetermination.reindexed(c, by: result.changeOfBasis,
                                                                              group: result.spaceGroup)
        }
        if let hkl = reflections.millerIndices(ReflectionTable.Name.millerIndex) {
            let cb = result.changeOfBasis
            var bad = 0
            let ids = reflections.ints(ReflectionTable.Name.id)
            let moved = hkl.enumerated().map { i, m -> MillerIndex in
                if !allExperiments, let ids, Int(ids[i]) != index { return m }
                guard let n = cb.apply(to: Miller(Int(m.h), Int(m.k), Int(m.l))) else { bad += 1; return m }
                return MillerIndex(n.h, n.k, n.l)
            }
            if bad > 0 { logger.warning("\(bad) Miller indices have no integral image under \(cb); left unchanged") }
            reflections.set(ReflectionTable.Name.millerIndex, .miller(moved))
        }
        return Output(experiments: list, reflections: reflections, result: result, inputGroup: inputGroup)
    }
}
