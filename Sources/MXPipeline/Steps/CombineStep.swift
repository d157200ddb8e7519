// The combine step: several integrated sweeps of one crystal form made one
// data set. Where the lattice has more symmetry than the Laue group, each
// sweep is first reindexed into the setting of the first (its intensities
// decide); then experiment ids are renumbered and the tables joined.
import MXLogging
import MXModel
import MXSymmetry
import MXSymmetryAnalysis

public enum CombineStep {
    public struct Output {
        public var experiments: ExperimentList
        public var reflections: ReflectionTable
        /// The reference sweep's Laue group ("P 4/m"), nil when it could not be determined.
        public var laueGroup: String?
        /// How many settings the lattice allows for that Laue group (1: no ambiguity).
        public var settings: Int
        /// Per sweep after the first: the choice among the settings (nil when not needed or not possible).
        public var choices: [IndexingAmbiguity.Choice?]
    }

    /// Makes the sweeps' indexing consistent with the first and joins them.
    public static func run(_ sweeps: [(ExperimentList, ReflectionTable)], parameters: SymmetryParameters,
                           logger: Logger) throws -> Output {
        guard let reference = sweeps.first else { throw CombineError.noSweeps }
        var sweeps = sweeps
        var choices: [IndexingAmbiguity.Choice?] = Array(repeating: nil, count: max(0, sweeps.count - 1))
        var laueName: String?
        var settings = 1
        do {
            guard let crystal = reference.0.experiments.first(where: { $0.crystal != nil })?.crystal else {
                throw SymmetryAnalysisError.noCrystal
            }
            let table = try SpaceGroupTable.shared()
            let group = try table.spaceGroup(hall: crystal.spaceGroupHall)
            let observations = try IntensityObservation.select(from: reference.1,
                                                               partialityThreshold: parameters.partialityThreshold).observations
            let quiet = Logger { _, m in logger.debug(m) }
            let symmetry = try SymmetryDetermination.determine(observations, cell: try UnitCell(crystal: crystal),
                                                               centring: group.centringType, parameters: parameters,
                                                               table: table, logger: quiet)
            let laue = symmetry.chosenLaueClass
            laueName = laue.pattersonGroupName
            let lattice = LatticeSymmetry.latticeGroup(of: symmetry.laue.reducedCell,
                                                       maxDeltaDegrees: parameters.latticeSymmetryMaxDelta)
            let alternatives = IndexingAmbiguity.alternatives(laueRotations: laue.rotations, latticeRotations: lattice)
            settings = alternatives.count
            logger.info("Sweep 1's intensities have Laue group \(laue.pattersonGroupName); the lattice allows "
                        + "\(alternatives.count) indexing setting(s) for it")
            if alternatives.count > 1 {
                for k in 1..<sweeps.count {
                    let candidate = try IntensityObservation.select(from: sweeps[k].1,
                                                                    partialityThreshold: parameters.partialityThreshold)
                    let choice = try IndexingAmbiguity.choose(reference: observations, candidate: candidate.observations,
                                                              toReduced: symmetry.laue.toReduced,
                                                              reducedCell: symmetry.laue.reducedCell,
                                                              laueRotations: laue.rotations, alternatives: alternatives)
                    choices[k - 1] = choice
                    for c in choice.candidates {
                        logger.info("  sweep \(k + 1) reindexed by \(c.changeOfBasis): "
                                    + (c.cc.map { String(format: "CC %.3f", $0) } ?? "too few")
                                    + " over \(c.common) unique reflections in common with sweep 1")
                    }
                    if choice.chosen != 0 {
                        sweeps[k] = try reindex(sweeps[k], by: choice.changeOfBasis)
                    }
                }
            }
        } catch {
            logger.warning("The indexing of the sweeps could not be checked against each other (\(error)); "
                           + "they are combined as indexed")
        }
        let (list, reflections) = try join(sweeps)
        return Output(experiments: list, reflections: reflections, laueGroup: laueName, settings: settings, choices: choices)
    }

    /// One sweep's crystals and Miller indices in another setting of the same
    /// lattice; the space group stays (a lattice symmetry maps it onto itself).
    static func reindex(_ sweep: (ExperimentList, ReflectionTable),
                        by op: ChangeOfBasis) throws -> (ExperimentList, ReflectionTable) {
        var list = sweep.0
        for i in list.experiments.indices {
            guard var c = list.experiments[i].crystal else { continue }
            let hall = c.spaceGroupHall
            c.spaceGroupHall = " P 1"
            c = try c.changedBasis(op)
            c.spaceGroupHall = hall
            list.experiments[i].crystal = c
        }
        return (list, try BravaisStep.reindexTable(sweep.1, by: op))
    }

    /// The sweeps' experiments one after another, reflection ids (and the
    /// identifier map) shifted by the experiments before; unindexed rows keep −1.
    public static func join(_ sweeps: [(ExperimentList, ReflectionTable)]) throws -> (ExperimentList, ReflectionTable) {
        var list = ExperimentList()
        var joined: ReflectionTable?
        for (experiments, table) in sweeps {
            let offset = Int32(list.count)
            var t = table
            if let ids = t.ints(ReflectionTable.Name.id) {
                t.set(ReflectionTable.Name.id, .int(ids.map { $0 >= 0 ? $0 + offset : $0 }))
            }
            t.experimentIdentifiers = Dictionary(uniqueKeysWithValues: table.experimentIdentifiers.map {
                ($0.key + Int(offset), $0.value)
            })
            list.experiments += experiments.experiments
            if let j = joined {
                guard let both = j.appending(t) else { throw CombineError.columnMismatch }
                joined = both
            } else {
                joined = t
            }
        }
        let identifiers = list.experiments.map(\.identifier).filter { !$0.isEmpty }
        if Set(identifiers).count != identifiers.count { throw CombineError.duplicateIdentifiers }
        return (list, joined ?? ReflectionTable())
    }
}

public enum CombineError: Error, CustomStringConvertible {
    case noSweeps
    case columnMismatch
    case duplicateIdentifiers
    public var description: String {
        switch self {
        case .noSweeps: return "no sweeps to combine"
        case .columnMismatch: return "the sweeps' reflection tables have a column of the same name but different types"
        case .duplicateIdentifiers:
            return "two sweeps have the same experiment identifier (the same images imported twice?); give each sweep once"
        }
    }
}
