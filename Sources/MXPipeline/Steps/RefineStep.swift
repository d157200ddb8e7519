// The refinement step: models refined against indexed centroids, with
// DIALS' RMSD tables, refined cells and parameter shifts.
import Dispatch
import Foundation
import MXLogging
import MXModel
import MXRefinement

public enum RefineStep {
    /// Static refinement, then scan-varying where the parameters allow it
    /// (dials.refine's default sequence), each stage's tables logged.
    public static func run(_ list: ExperimentList, indexed: ReflectionTable, parameters: RefinementParameters,
                           logger: Logger) throws -> StaticAndScanVaryingResult {
        let start = DispatchTime.now()
        let run = try refineStaticThenScanVarying(experiments: list, reflections: indexed, parameters: parameters,
                                                  logger: logger)
        logger.info("\nStatic refinement:")
        for line in report(run.staticResult) { logger.info(line) }
        if let sv = run.scanVaryingResult {
            logger.info("\nScan-varying refinement (cell at the middle of the scan):")
            for line in report(sv) { logger.info(line) }
        } else {
            logger.info("\nNo scan-varying refinement: \(run.scanVaryingNote)")
        }
        logger.info(String(format: "Refinement took %.2f s", elapsedSeconds(since: start)))
        return run
    }

    /// The human summary: RMSDs per step, final RMSDs per experiment, cells and shifts.
    public static func report(_ r: RefinementResult) -> [String] {
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
