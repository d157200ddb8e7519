// `mxflow symmetry`: Laue group and space group from integrated intensities; writes symmetrized.expt and symmetrized.refl.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXSymmetry
import MXSymmetryAnalysis

struct SymmetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symmetry",
        abstract: "Determine the Laue group and space group from integrated intensities.",
        discussion: """
        Scores every symmetry element of the lattice by the correlation of
        normalised intensities it relates, then every Laue group the lattice
        allows, then the screw axes from systematic absences, as dials.symmetry
        does. Writes the crystal and the Miller indices reindexed into the
        chosen setting with the chosen space group.

        Examples:
          mxflow symmetry integrated.expt integrated.refl
          mxflow symmetry integrated.expt integrated.refl d_min=2.5
          mxflow symmetry integrated.expt integrated.refl space_group=P41212
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(SymmetryParameterDefinitions.all)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "symmetry",
                                                                    example: "integrated.expt integrated.refl")
        let parameters = SymmetryParameterDefinitions.parameters(from: set)
        let exptOut = set.text("output.experiments"), reflOut = set.text("output.reflections")
        let logger = stepLogger("symmetry", set)
        try runStep("symmetry") {
            var list = try ExperimentListCodec.read(path: exptPath)
            var reflections = try ReflectionTableCodec.read(path: reflPath)
            guard let index = list.experiments.firstIndex(where: { $0.crystal != nil }),
                  let crystal = list.experiments[index].crystal else { throw SymmetryAnalysisError.noCrystal }
            if list.experiments.count > 1 {
                logger.warning("\(list.experiments.count) experiments: analysing experiment \(index) only")
            }
            let cell = try UnitCell(crystal: crystal)
            let selection = try IntensityObservation.select(
                from: reflections, experimentID: reflections.contains(ReflectionTable.Name.id) ? index : nil,
                partialityThreshold: parameters.partialityThreshold)
            logger.info("Read \(reflections.count) reflections from \(reflPath); using \(selection.observations.count) "
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

            // Everything is computed before anything is written.
            let newCrystal = try SymmetryDetermination.reindexed(crystal, by: result.changeOfBasis,
                                                                 group: result.spaceGroup)
            for i in list.experiments.indices where list.experiments[i].crystal == crystal {
                list.experiments[i].crystal = newCrystal
            }
            if let hkl = reflections.millerIndices(ReflectionTable.Name.millerIndex) {
                let cb = result.changeOfBasis
                var bad = 0
                let ids = reflections.ints(ReflectionTable.Name.id)
                let moved = hkl.enumerated().map { i, m -> MillerIndex in
                    if let ids, Int(ids[i]) != index { return m }
                    guard let n = cb.apply(to: Miller(Int(m.h), Int(m.k), Int(m.l))) else { bad += 1; return m }
                    return MillerIndex(n.h, n.k, n.l)
                }
                if bad > 0 { logger.warning("\(bad) Miller indices have no integral image under \(cb); left unchanged") }
                reflections.set(ReflectionTable.Name.millerIndex, .miller(moved))
            }
            let text = try ExperimentListCodec.encode(list)
            try ReflectionTableCodec.write(reflections, path: reflOut)
            try AtomicFile.write(text, to: exptOut)
            logger.info("Saved reindexed experiments to \(exptOut) in space group \(result.spaceGroup.xHM)")
            logger.info("Saved \(reflections.count) reindexed reflections to \(reflOut)")
        }
    }
}
