// `mxflow export`: scaled (or integrated) reflections to an unmerged MTZ as dials.export writes it.
import ArgumentParser
import Foundation
import MXFormats
import MXPipeline

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write scaled (or integrated) reflections as an unmerged MTZ with one batch per image.",
        discussion: """
        Writes the unmerged MTZ of dials.export: H K L in the asymmetric unit,
        M/ISYM, BATCH, I and SIGI (scaled I/g with SCALEUSED for scaled data;
        summed with IPR/SIGIPR profile-fitted, or profile-fitted, for
        integrated data), BG, FRACTIONCALC, XDET, YDET, ROT, LP, QE, and a
        batch header per image (orientation, cell, wavelength, φ range,
        detector) that CCP4 programs, AIMLESS and dials.merge read.

        Examples:
          mxflow export scaled.expt scaled.refl
          mxflow export integrated.expt integrated.refl intensity=profile output.mtz=integrated.mtz
          mxflow export scaled.expt scaled.refl d_min=1.8
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(ExportParameterDefinitions.all)
        let (expt, refl) = try experimentAndReflectionPaths(step.files, command: "export", example: "scaled.expt scaled.refl")
        let logger = stepLogger("export", set)
        try runStep("export") {
            let list = try ExperimentListCodec.read(path: expt)
            let table = try ReflectionTableCodec.read(path: refl)
            let result = try Export.unmergedMTZ(table: table, experiments: list, set: set,
                                                history: ["From mxflow \(MXFlowVersion.string) export"])
            for line in result.report { logger.info(line) }
            let output = set.text("output.mtz")
            try MTZWriter.write(result.mtz, to: output)
            logger.info("Wrote \(output)")
        }
    }
}
