// `mxflow symmetry`: Laue group and space group from integrated intensities; writes symmetrized.expt and symmetrized.refl.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline

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
            let input = try ExperimentListCodec.read(path: exptPath)
            let integrated = try ReflectionTableCodec.read(path: reflPath)
            logger.info("Read \(integrated.count) reflections from \(reflPath)")
            let out = try SymmetryStep.run(input, integrated: integrated, parameters: parameters, logger: logger)
            let (list, reflections, result) = (out.experiments, out.reflections, out.result)
            // Everything is computed before anything is written.
            let text = try ExperimentListCodec.encode(list)
            try ReflectionTableCodec.write(reflections, path: reflOut)
            try AtomicFile.write(text, to: exptOut)
            logger.info("Saved reindexed experiments to \(exptOut) in space group \(result.spaceGroup.xHM)")
            logger.info("Saved \(reflections.count) reindexed reflections to \(reflOut)")
        }
    }
}
