// Several sweeps in one run: each is found, indexed, refined and integrated
// in its own folder (sweep_N/), later sweeps in the first sweep's Bravais
// lattice; then their indexing is made consistent and the data combined for
// symmetry, scaling and merging together.
import Foundation
import MXFormats
import MXModel
import MXSymmetry

extension ProcessRun {
    /// The combined integrated data of every sweep, or nil when the preset
    /// stops before integration.
    func runSweeps(_ imported: ExperimentList, current: (String) -> Void) throws -> (ExperimentList, ReflectionTable)? {
        multiSweep = true
        defer { sweepFolder = ""; recordsPlots = true; referenceLattice = nil; multiSweep = false }
        var integrated: [(ExperimentList, ReflectionTable)] = []
        for (k, experiment) in imported.experiments.enumerated() {
            sweepFolder = "sweep_\(k + 1)"
            recordsPlots = k == 0
            try FileManager.default.createDirectory(atPath: path(sweepFolder), withIntermediateDirectories: true)
            let one = ExperimentList([experiment])
            try ExperimentListCodec.write(one, to: path(sweepFile("imported.expt")))
            logger.info("\n##### Sweep \(k + 1) of \(imported.count): \(experiment.imageSet?.template ?? "?") → \(sweepFolder)/")
            guard let result = try runSweep(one, current: current) else { continue }
            if k == 0, options.spaceGroup == nil, let reference = try Self.lattice(of: result.refined.0) {
                referenceLattice = reference
                logger.info("Later sweeps are indexed in sweep 1's lattice \(reference.lattice)")
            }
            integrated.append(result.integrated)
        }
        guard integrated.count == imported.count else { return nil }
        sweepFolder = ""
        recordsPlots = true
        current("combine")
        return try node("combine", outputs: ["integrated.expt", "integrated.refl"], load: { try self.readPair("integrated") },
                        compute: { try self.combine(integrated) })
    }

    /// Consistent indexing (the first sweep is the reference) and one table.
    func combine(_ sweeps: [(ExperimentList, ReflectionTable)]) throws -> (ExperimentList, ReflectionTable) {
        let set = try parameterSet("symmetry", SymmetryParameterDefinitions.all,
                                   extra: options.spaceGroup.map { ["space_group=\($0)"] } ?? [])
        let out = try CombineStep.run(sweeps, parameters: SymmetryParameterDefinitions.parameters(from: set), logger: logger)
        if let laue = out.laueGroup, out.settings == 1 {
            decide("combine", "combine the \(sweeps.count) sweeps as indexed",
                   "sweep 1's Laue group \(laue) has the lattice's full symmetry: there is one way to index them")
        } else if out.laueGroup == nil {
            decide("combine", "combine the \(sweeps.count) sweeps as indexed",
                   "sweep 1's Laue group could not be determined, so their indexing was not compared")
        }
        for (k, choice) in out.choices.enumerated() {
            guard let choice else { continue }
            let sweep = "sweep \(k + 2)"
            let taken = choice.candidates[choice.chosen]
            let others = choice.candidates.enumerated().filter { $0.offset != choice.chosen }
                .map { "\($0.element.changeOfBasis): " + ($0.element.cc.map { String(format: "%.3f", $0) } ?? "too few in common") }
                .joined(separator: ", ")
            let evidence = String(format: "CC with sweep 1 %@ over %d unique reflections; other settings %@",
                                  taken.cc.map { String(format: "%.3f", $0) } ?? "not measurable", taken.common, others)
            if !choice.decided {
                decide("combine", "keep \(sweep)'s indexing", "too few reflections in common with sweep 1 to choose between the "
                       + "\(choice.candidates.count) settings the lattice allows (\(evidence))")
            } else if choice.chosen == 0 {
                decide("combine", "keep \(sweep)'s indexing", evidence)
            } else {
                decide("combine", "reindex \(sweep) by \(taken.changeOfBasis) (h,k,l → \(taken.changeOfBasis.hklDescription))",
                       evidence)
            }
        }
        logger.info("Combined \(sweeps.count) sweeps: \(out.experiments.count) experiments, \(out.reflections.count) reflections")
        try ReflectionTableCodec.write(out.reflections, path: path("integrated.refl"))
        try ExperimentListCodec.write(out.experiments, to: path("integrated.expt"))
        return (out.experiments, out.reflections)
    }

    /// The Bravais lattice a refined crystal was constrained to (the lattice
    /// whose lowest-symmetry group it carries) and its cell.
    static func lattice(of list: ExperimentList) throws -> (lattice: BravaisLattice, cell: UnitCell)? {
        guard let crystal = list.experiments.first(where: { $0.crystal != nil })?.crystal else { return nil }
        let table = try SpaceGroupTable.shared()
        let group = try table.spaceGroup(hall: crystal.spaceGroupHall)
        let match = try BravaisLattice.allCases.first { try $0.lowestSymmetrySpaceGroup(table: table).hall == group.hall }
        guard let lattice = match else { return nil }
        return (lattice, try UnitCell(crystal: crystal))
    }
}
