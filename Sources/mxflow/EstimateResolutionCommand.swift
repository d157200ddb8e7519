// `mxflow estimate-resolution`: the resolution limit of scaled data from CC½ (tanh fit) and optional ⟨I/σ⟩ or completeness.
import ArgumentParser
import Foundation
import MXFormats
import MXLogging
import MXPipeline
import MXScaling

struct EstimateResolutionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate-resolution",
        abstract: "Estimate the resolution limit of scaled data (CC½ = 0.3 by a tanh fit, as DIALS).",
        discussion: """
        Computes merging statistics in 100 shells of equal observation count,
        fits ½(1 − tanh((d*² − s0)/r)) to the significant CC½ values and
        reports where the fit crosses cc_half (0.3). ⟨I/σ⟩ and completeness
        limits are reported on request.

        Examples:
          mxflow estimate-resolution scaled.expt scaled.refl
          mxflow estimate-resolution scaled.expt scaled.refl isigma=2 cc_half=0.5
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(MergingParameterDefinitions.estimateResolution)
        let (expt, refl) = try experimentAndReflectionPaths(step.files, command: "estimate-resolution", example: "scaled.expt scaled.refl")
        let logger = stepLogger("estimate-resolution", set)
        try runStep("estimate-resolution") {
            var (_, data) = try readScaled(expt: expt, refl: refl, set: set, logger: logger)
            if let emax = set.double("emax") {
                let r = data.removingWilsonOutliers(emax: emax)
                data = r.data
                logger.info("Removing \(r.removed) Wilson outliers with E² ≥ \(emax * emax)")
            }
            let o = MergingParameterDefinitions.statisticsOptions(from: set)
            let stats = MergingStatistics(data, bins: o.bins, binningMethod: o.method, anomalous: false,
                                          ccHalfMethod: o.ccHalf, seed: o.seed)
            func report(_ name: String, _ e: ResolutionEstimate) {
                if let d = e.dMin { logger.info(String(format: "Resolution %@: %8.2f", name, d)) } else {
                    logger.info("Resolution \(name): not reached (the criterion never crosses its limit)")
                }
            }
            if let limit = set.double("cc_half") {
                let e = ResolutionEstimate.ccHalf(stats, limit: limit,
                                                  significanceLevel: set.double("cc_half_significance_level"))
                if let s0 = e.s0, let r = e.r {
                    logger.info(String(format: "CC½ tanh fit over %d shells: s0 = %.5f Å⁻², r = %.5f Å⁻²",
                                       e.dStarSquared.count, s0, r))
                }
                logger.info("\n   d_min      d*²     CC½     fit")
                for (x, (y, f)) in zip(e.dStarSquared, zip(e.observed, e.fitted)) {
                    logger.info(String(format: "%8.3f %8.4f %7.3f %7.3f", 1 / x.squareRoot(), x, y, f))
                }
                report("cc_half", e)
            }
            if let limit = set.double("isigma") { report("I/sig", ResolutionEstimate.iOverSigma(stats, limit: limit)) }
            if let limit = set.double("completeness") {
                report("completeness", ResolutionEstimate.completeness(stats, limit: limit))
            }
        }
    }
}
