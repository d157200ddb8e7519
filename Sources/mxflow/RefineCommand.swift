// `mxflow refine`: static refinement of indexed.expt/indexed.refl into refined.expt/refined.refl.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXRefinement

struct RefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Refine beam, detector and crystal models against indexed spot centroids (static, then scan-varying).",
        discussion: """
        Levenberg–Marquardt refinement of the beam direction, the detector's
        distance, shifts and tilts, and each crystal's orientation and cell
        (constrained by its space group) against the observed centroids of
        indexed reflections, weighted by their variances, as dials.refine does
        for a scan-static model. Then, by default for scans of 5° or more
        (scan_varying=Auto), refines the crystal's orientation and cell as
        smooth functions of rotation angle (sample points every
        interval_width_degrees=36) and writes A at every frame boundary
        (A_at_scan_points). Prints the RMSDs per step and at the end, the
        refined cell with e.s.d.s and the parameter shifts, for each stage.

        Examples:
          mxflow refine indexed.expt indexed.refl
          mxflow refine indexed.expt indexed.refl detector.fix=all
          mxflow refine indexed.expt indexed.refl outlier.algorithm=null output.experiments=r.expt
          mxflow refine indexed.expt indexed.refl scan_varying=False
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(RefinementParameterDefinitions.all)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "refine",
                                                                    example: "indexed.expt indexed.refl")
        let parameters = try typedParameters { try RefinementParameterDefinitions.parameters(from: set) }
        let logger = stepLogger("refine", set)
        try runStep("refine") {
            let experiments = try ExperimentListCodec.read(path: exptPath)
            let reflections = try ReflectionTableCodec.read(path: reflPath)
            let start = DispatchTime.now()
            let run = try refineStaticThenScanVarying(experiments: experiments, reflections: reflections,
                                                      parameters: parameters, logger: logger)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info("\nStatic refinement:")
            for line in Self.report(run.staticResult) { logger.info(line) }
            if let sv = run.scanVaryingResult {
                logger.info("\nScan-varying refinement (cell at the middle of the scan):")
                for line in Self.report(sv) { logger.info(line) }
            } else {
                logger.info("\nNo scan-varying refinement: \(run.scanVaryingNote)")
            }
            let result = run.final
            logger.info(String(format: "Refinement took %.2f s", seconds))
            try ExperimentListCodec.write(result.experiments, to: set.text("output.experiments"))
            try ReflectionTableCodec.write(result.reflections, path: set.text("output.reflections"))
            logger.info("Saved refined experiments to \(set.text("output.experiments"))")
            logger.info("Saved reflections with updated predictions to \(set.text("output.reflections"))")
        }
    }

    /// The human summary: RMSDs per step, final RMSDs per experiment, cells and shifts.
    static func report(_ r: RefinementResult) -> [String] {
        var lines = ["", "Refinement steps (RMSDs over all experiments):",
                     " Step   Nref   RMSD_X (px)   RMSD_Y (px)   RMSD_Z (images)"]
        for c in r.history {
            lines.append(String(format: "%5d %6d %13.5f %13.5f %17.5f", c.step, c.reflections, c.rmsdXPixel,
                                c.rmsdYPixel, c.rmsdPhiFrames))
        }
        lines.append("Stopped: \(r.stopReason); \(r.outliersRejected) outliers rejected")
        lines += ["", "RMSDs by experiment:", "  Exp   Nref   RMSD_X (px)   RMSD_Y (px)   RMSD_Z (images)   RMSD_Z (deg)"]
        for e in r.rmsds {
            lines.append(String(format: "%5d %6d %13.5f %13.5f %17.5f %14.5f", e.experiment, e.count, e.xPixel, e.yPixel,
                                e.phiFrames, e.phiRadians * 180 / .pi))
        }
        for c in r.cells {
            let p = c.parameters, s = c.esds
            lines.append("")
            lines.append("Crystal \(c.crystal + 1) refined cell: " + (0..<6).map { k in
                String(format: k < 3 ? "%.4f(%.4f)" : "%.3f(%.3f)", p[k], s[k]) }.joined(separator: ", ")
                + String(format: "  volume %.1f(%.1f) Å³", c.volume, c.volumeEsd))
        }
        lines += ["", "Parameter shifts (mm for Dist/Shift, mrad for Mu/Phi/Tau, 1e-5 Å⁻² for g*):",
                  "  Parameter                 Initial         Final         Shift          e.s.d."]
        for p in r.parameters {
            let name = p.name.count < 20 ? p.name + String(repeating: " ", count: 20 - p.name.count) : p.name
            lines.append("  " + name + String(format: " %12.5f %13.5f %13.5f %15.5f", p.initial, p.final, p.shift, p.esd))
        }
        return lines
    }
}
