// The scaling step: a physical model fitted to integrated intensities, the
// scaled columns and flags as dials.scale writes them, and merging statistics.
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXScaling

public enum ScaleStep {
    public struct Output {
        /// The input table with DIALS' scaled columns and flags.
        public var reflections: ReflectionTable
        public var models: [PhysicalScalingModel]
        public var statistics: MergingStatistics
        public var result: ScalingResult
        /// The experiment list's JSON text with the scaling models (scaled.expt).
        public func experimentsText(_ list: ExperimentList) throws -> String {
            try scaledExperimentList(list, models: models)
        }
    }

    /// Marks excluded from scaling (`user_excluded_in_scaling`) the
    /// reflections whose foreground overlaps another spot (`overlapped_fg`)
    /// in experiments that share their images with another lattice: there
    /// the overlaps are mostly with the other lattice's spots, whose photons
    /// no profile can apportion. Symmetry analysis leaves them out too.
    /// Returns how many were newly marked.
    public static func excludeOverlapsBetweenLattices(_ list: ExperimentList, _ table: inout ReflectionTable) -> Int {
        var byImages: [String: [Int]] = [:]
        for (i, e) in list.experiments.enumerated() {
            guard let images = e.imageSet?.template else { continue }
            byImages[images, default: []].append(i)
        }
        let shared = Set(byImages.values.filter { $0.count > 1 }.flatMap { $0 })
        guard !shared.isEmpty, let ids = table.ints(ReflectionTable.Name.id) else { return 0 }
        let overlapped = table.hasFlags(.overlappedFg), excluded = table.hasFlags(.userExcludedInScaling)
        let mask = (0..<table.count).map { overlapped[$0] && !excluded[$0] && shared.contains(Int(ids[$0])) }
        table.setFlags(.userExcludedInScaling, where: mask)
        return mask.filter { $0 }.count
    }

    /// Scales `integrated` (space group decided) with the options in `set`
    /// (ScalingParameterDefinitions).
    public static func run(_ list: ExperimentList, integrated: ReflectionTable, set: ParameterSet,
                           logger: Logger) throws -> Output {
        var table = integrated
        let (modelOptions, filter, procedure) = ScalingParameterDefinitions.options(from: set)
        let models = list.experiments.map { e -> PhysicalScalingModel in
            let scan = e.scan
            let range = scan.map { s -> ClosedRange<Double> in
                let r = s.oscillationRange
                return (r.lowerBound * 180 / .pi)...(r.upperBound * 180 / .pi)
            } ?? (0...1)
            return PhysicalScalingModel(imageRange: scan?.imageRange ?? (1...1), oscillationRangeDegrees: range,
                                        options: modelOptions)
        }
        let lmax = models.contains { $0.absorption != nil } ? modelOptions.lmax : 0
        let prepared = try ScalingProcedure.prepareAndRun(table: table, experiments: list, filter: filter, lmax: lmax,
                                                          models: models, options: procedure, logger: logger)
        let (obs, cut, result) = (prepared.observations, prepared.resolutionExcluded, prepared.result)
        logger.info("Read \(table.count) reflections in \(list.count) experiment(s); "
                    + "\(obs.usable.filter { $0 }.count) pass the filters (partiality ≥ \(filter.partialityCutoff), "
                    + "I/σ ≥ \(filter.minIOverSigma)\(filter.dMin.map { String(format: ", d ≥ %.2f Å", $0) } ?? ""))")
        for (k, m) in models.enumerated() {
            logger.info("Experiment \(k): \(m.scale.count) scale, \(m.decay?.count ?? 0) decay, "
                        + "\(m.absorption?.count ?? 0) absorption parameters")
        }

        // Columns and flags as dials.scale writes them.
        table.set("inverse_scale_factor", .double(result.inverseScales))
        table.set("inverse_scale_factor_variance", .double(result.inverseScaleVariances))
        table.set("intensity.scale.value", .double(result.intensities))
        table.set("intensity.scale.variance", .double(result.variances))
        var flags = table.contains(ReflectionTable.Name.flags) ? table.flags
            : Array(repeating: ReflectionFlags(), count: table.count)
        let cleared: ReflectionFlags = [.scaled, .outlierInScaling, .excludedForScaling]
        for i in 0..<table.count {
            flags[i].subtract(cleared)
            if !obs.usable[i] { flags[i].insert(.excludedForScaling) }
            if cut[i] { flags[i].insert(.userExcludedInScaling) }
            if result.outliers[i] { flags[i].insert(.outlierInScaling) }
            if obs.usable[i] && !result.outliers[i] { flags[i].insert(.scaled) }
        }
        table.flags = flags

        let data = try UnmergedIntensities(scaled: table, experiments: list)
        // As DIALS: the table merges I(+) and I(−); CCano comes from the anomalous merge.
        let stats = MergingStatistics(data, bins: 20, binningMethod: .volume, anomalous: false)
        logger.info("\nMerging statistics by resolution shell:\n")
        logger.info(MergingStatisticsTable.shellTable(stats).joined(separator: "\n"))
        logger.info("\n" + MergingStatisticsTable.summary(stats).joined(separator: "\n"))
        if let note = prepared.anomalousNote { logger.info("\nAnomalous grouping: " + note) }
        return Output(reflections: table, models: result.models, statistics: stats, result: result)
    }
}

/// The experiment list's JSON with a `scaling_model` entry per experiment,
/// laid out as DIALS writes its physical model (dials.algorithms.scaling.model).
public func scaledExperimentList(_ list: ExperimentList, models: [PhysicalScalingModel]) throws -> String {
    guard case .object(var document) = try JSONValue.parse(try ExperimentListCodec.encode(list)) else {
        return try ExperimentListCodec.encode(list)
    }
    func reals(_ a: [Double]) -> JSONValue { .array(a.map { .double($0.isFinite ? $0 : 0) }) }
    var entries: [JSONValue] = []
    for m in models {
        var sds = m.parameterSDs
        if sds.count != m.parameterCount { sds = Array(repeating: 0, count: m.parameterCount) }
        func component(_ p: [Double], null: Double) -> JSONValue {
            let s = Array(sds.prefix(p.count)); sds.removeFirst(p.count)
            return .object([("n_parameters", .int(p.count)), ("parameters", reals(p)),
                            ("null_parameter_value", .double(null)), ("est_standard_devs", reals(s))])
        }
        var obj: [(String, JSONValue)] = [("__id__", .string("physical"))]
        var corrections: [JSONValue] = [.string("scale")]
        obj.append(("scale", component(m.scale.parameters, null: 1)))
        if let d = m.decay { obj.append(("decay", component(d.parameters, null: 0))); corrections.append(.string("decay")) }
        if let a = m.absorption { obj.append(("absorption", component(a, null: 0))); corrections.append(.string("absorption")) }
        let width = m.oscillationRangeDegrees.upperBound - m.oscillationRangeDegrees.lowerBound
        let oscWidth = width / Double(max(m.imageRange.count, 1))
        var config: [(String, JSONValue)] = [
            ("corrections", .array(corrections)),
            ("valid_osc_range", reals([m.oscillationRangeDegrees.lowerBound, m.oscillationRangeDegrees.upperBound])),
            ("s_norm_fac", .double(0.999 * oscWidth / m.scale.intervalDegrees)),
            ("scale_rot_interval", .double(m.scale.intervalDegrees)),
        ]
        if let d = m.decay {
            config.append(("d_norm_fac", .double(0.999 * oscWidth / d.intervalDegrees)))
            config.append(("decay_rot_interval", .double(d.intervalDegrees)))
        }
        if m.absorption != nil {
            config.append(("lmax", .int(m.lmax)))
            config.append(("abs_surface_weight", .double(m.absorptionRestraint)))
        }
        config.append(("valid_image_range", .array([.int(m.imageRange.lowerBound), .int(m.imageRange.upperBound)])))
        if let e = m.errorModel {
            config.append(("error_model_type", .string("BasicErrorModel")))
            config.append(("error_model_parameters", reals([e.a, e.b])))
        }
        if let mid = m.intensityMidpoint, mid.isFinite { config.append(("Imid", .double(mid))) }
        obj.append(("configuration_parameters", .object(config)))
        entries.append(.object(obj))
    }
    // Each experiment points at its own model.
    for (k, (key, value)) in document.enumerated() {
        if key == "experiment", case .array(let exps) = value {
            let updated: [JSONValue] = exps.enumerated().map { (i, e) in
                guard case .object(var o) = e else { return e }
                o.removeAll { $0.0 == "scaling_model" }
                let at = o.firstIndex { $0.0 == "imageset" } ?? o.count
                o.insert(("scaling_model", .int(i)), at: at)
                return .object(o)
            }
            document[k] = (key, .array(updated))
        }
        if key == "scaling_model" { document[k] = (key, .array(entries)) }
    }
    return JSONValue.object(document).pythonJSON()
}
