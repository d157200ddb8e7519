// The merging and resolution steps: scaled observations selected and merged
// into MTZ files with their statistics, and the resolution limit estimated.
import MXFormats
import MXLogging
import MXModel
import MXScaling

public enum MergeStep {
    /// The scaled observations of `table` to merge, within the set's d_min/d_max.
    public static func scaledObservations(_ list: ExperimentList, _ table: ReflectionTable, set: ParameterSet,
                                          logger: Logger) throws -> UnmergedIntensities {
        var data = try UnmergedIntensities(scaled: table, experiments: list,
                                           partialityThreshold: set.double("partiality_threshold") ?? 0.4)
        logger.info("Read \(table.count) reflections; selected \(data.count) scaled observations")
        let dMin = set.double("d_min"), dMax = set.double("d_max")
        if dMin != nil || dMax != nil {
            let d = data.dSpacings
            data = data.selecting(d.map { ($0 >= (dMin ?? 0)) && ($0 <= (dMax ?? .infinity)) })
            logger.info("\(data.count) observations within the resolution limits")
            if data.count == 0 { throw ScaledReflectionsError.noObservations }
        }
        return data
    }

    public struct Output {
        public var merged: MTZFile
        public var statistics: MergingStatistics
        public var data: UnmergedIntensities
    }

    /// Merges the scaled data of `table` with the options in `set`
    /// (MergingParameterDefinitions.merge) into dials.merge's MTZ layout.
    public static func run(_ list: ExperimentList, scaled table: ReflectionTable, set: ParameterSet,
                           logger: Logger) throws -> Output {
        let data = try scaledObservations(list, table, set: set, logger: logger)
        let o = MergingParameterDefinitions.statisticsOptions(from: set)
        let stats = MergingStatistics(data, bins: o.bins, binningMethod: o.method, anomalous: false,
                                      ccHalfMethod: o.ccHalf, seed: o.seed)
        logger.info("\nMerging statistics by resolution shell:\n")
        logger.info(MergingStatisticsTable.shellTable(stats).joined(separator: "\n"))
        logger.info("\n" + MergingStatisticsTable.summary(stats).joined(separator: "\n"))
        let wavelength = list.experiments.first?.beam.wavelength ?? 0
        let mtz = MergedMTZ.make(data, wavelength: wavelength, anomalous: set.bool("anomalous") ?? true,
                                 truncate: set.bool("truncate") ?? true,
                                 names: .init(project: set.text("project_name"), crystal: set.text("crystal_name"),
                                              dataset: set.text("dataset_name")),
                                 history: ["From mxflow \(MXFlowVersion.string) merge"])
        return Output(merged: mtz, statistics: stats, data: data)
    }

    /// The scaled unmerged observations as dials.export writes them.
    public static func unmerged(_ list: ExperimentList, scaled table: ReflectionTable,
                                partialityThreshold: Double) throws -> MTZFile {
        try UnmergedMTZ.make(table, experiments: list, partialityThreshold: partialityThreshold,
                             history: ["From mxflow \(MXFlowVersion.string)"])
    }
}

public enum ResolutionStep {
    public struct Output {
        public var ccHalf: ResolutionEstimate?
        public var iOverSigma: ResolutionEstimate?
        public var completeness: ResolutionEstimate?
    }

    /// The resolution limits of the scaled data by the criteria in `set`
    /// (MergingParameterDefinitions.estimateResolution), logged as DIALS does.
    public static func run(_ list: ExperimentList, scaled table: ReflectionTable, set: ParameterSet,
                           logger: Logger) throws -> Output {
        var data = try MergeStep.scaledObservations(list, table, set: set, logger: logger)
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
        var out = Output()
        if let limit = set.double("cc_half") {
            let e = ResolutionEstimate.ccHalf(stats, limit: limit, significanceLevel: set.double("cc_half_significance_level"))
            if let s0 = e.s0, let r = e.r {
                logger.info(String(format: "CC½ tanh fit over %d shells: s0 = %.5f Å⁻², r = %.5f Å⁻²",
                                   e.dStarSquared.count, s0, r))
            }
            logger.info("\n   d_min      d*²     CC½     fit")
            for (x, (y, f)) in zip(e.dStarSquared, zip(e.observed, e.fitted)) {
                logger.info(String(format: "%8.3f %8.4f %7.3f %7.3f", 1 / x.squareRoot(), x, y, f))
            }
            report("cc_half", e)
            out.ccHalf = e
        }
        if let limit = set.double("isigma") {
            out.iOverSigma = ResolutionEstimate.iOverSigma(stats, limit: limit)
            report("I/sig", out.iOverSigma!)
        }
        if let limit = set.double("completeness") {
            out.completeness = ResolutionEstimate.completeness(stats, limit: limit)
            report("completeness", out.completeness!)
        }
        return out
    }
}
