// ScalingProcedure: the order of scaling — fit, outliers, intensity choice, error model, refit — and its result.
import Foundation
import MXLogging
import MXModel

/// Why scaling cannot proceed, in a user sentence saying what to change.
public enum ScalingError: Error, Equatable, CustomStringConvertible {
    case tooFewReflections(constraining: Int, parameters: Int)
    case resolutionBeyondData(dMin: Double, highest: Double)
    case noUsableObservations(String)
    case missingColumn(String)

    public var description: String {
        switch self {
        case .tooFewReflections(let n, let p):
            return "too few reflections to scale: \(n) observations have a symmetry equivalent, fewer than 5 per "
                + "model parameter (\(p) parameters); use more images, a lower d_min cut, or fewer parameters "
                + "(larger scale_interval/decay_interval, absorption=False)"
        case .resolutionBeyondData(let d, let h):
            return String(format: "d_min=%.3f Å is beyond the data (the highest resolution observed is %.3f Å); "
                          + "choose d_min ≥ %.2f or leave it out", d, h, h)
        case .noUsableObservations(let why):
            return "no observations can be scaled: \(why)"
        case .missingColumn(let c):
            return "the reflection table has no '\(c)' column: scaling reads integrated data (run integration first)"
        }
    }
}

/// The outcome of scaling: fitted models, the chosen intensities and
/// their error-model variances, inverse scales with variances, outliers.
public struct ScalingResult: Sendable {
    public var models: [PhysicalScalingModel]
    public var choice: IntensityChoice
    public var errorModel: ErrorModel?
    /// Intensity and variance (error model applied) chosen for each observation.
    public var intensities: [Double]
    public var variances: [Double]
    public var inverseScales: [Double]
    public var inverseScaleVariances: [Double]
    public var outliers: [Bool]
    /// Rmeas of each intensity choice tried, in the order tried.
    public var choiceRmeas: [(IntensityChoice, Double)]
}

/// The error-model fit: DIALS' (deviations scaled by sqrt((n−1)/n), a from
/// the normal probability plot, b from bin variances) or the unbiased one
/// (sqrt(n/(n−1)), robust bin variances), which gives a larger a.
public enum ErrorModelMethod: String, Sendable, CaseIterable {
    case dials
    case unbiased
}

public enum ScalingProcedure {
    public struct Options: Sendable {
        public var intensityChoice: String = "combine"   // profile | sum | combine
        public var errorModel = true
        public var outlierZMax = 6.0
        /// How the error model is fitted: as DIALS 3.12 does (the default, so
        /// that σ and ⟨I/σ⟩ agree with dials.scale) or by the unbiased robust fit.
        public var errorModelMethod: ErrorModelMethod = .dials
        /// Threads for the fit's per-observation work; results do not depend on it.
        public var threads = 1
        public init() {}
    }

    /// Scales `observations` with `models` (one per experiment): fit with
    /// profile-fitted intensities, reject outliers, pick the intensity
    /// choice with the lowest Rmeas, refit, fit the error model and refit
    /// with it, reject outliers again, final error model (DIALS' order).
    public static func run(_ o: ScalingObservations, models: [PhysicalScalingModel], options: Options = Options(),
                           logger: Logger? = nil) throws -> ScalingResult {
        func values(_ c: IntensityChoice) -> ([Double], [Double]) {
            var iv = [Double](repeating: 0, count: o.count), vv = iv
            for i in 0..<o.count { let r = c.intensity(o, i); iv[i] = r.value; vv[i] = r.variance }
            return (iv, vv)
        }
        var choice: IntensityChoice = options.intensityChoice == "sum" ? .summed : .profile
        var (iv, vv) = values(choice)
        let use = (0..<o.count).map { o.usable[$0] && vv[$0] > 0 && iv[$0].isFinite }
        var fit = ScalingRefinement(models: models, observations: o, intensities: iv, variances: vv, use: use)
        fit.threads = options.threads
        let np = fit.parameterCount
        let constraining = fit.constrainingCount
        guard constraining >= max(5 * np, 20) else {
            throw ScalingError.tooFewReflections(constraining: constraining, parameters: np)
        }
        let t0 = Date()
        try fit.refine()
        logger?.debug(String(format: "initial fit: %.2f s", Date().timeIntervalSince(t0)))
        var outliers = ScalingOutliers.find(intensities: iv, variances: vv, inverseScales: fit.inverseScales(),
                                            group: o.group, groupCount: o.groupCount, use: use, zMax: options.outlierZMax)
        fit.use = zip(use, outliers).map { $0 && !$1 }
        logger?.info("Outlier rejection: \(outliers.filter { $0 }.count) outliers")

        // Intensity choice by Rmeas of the scaled data.
        var tried: [(IntensityChoice, Double)] = []
        let hasProfile = o.profileIntensity.contains { $0 != nil }
        if options.intensityChoice == "combine" && hasProfile {
            let g = fit.inverseScales()
            var candidates: [IntensityChoice] = [.profile, .summed]
            // DIALS' midpoints: the mean summed intensity (at least 10), then a tenth
            // of the largest, divided by 10 until below that mean.
            let summed = (0..<o.count).filter { fit.use[$0] }.map { o.summedIntensity[$0] }
            if let top = summed.max() {
                let average = max(10, summed.reduce(0, +) / Double(summed.count))
                candidates.append(.combined(midpoint: average))
                var mid = top / 10
                candidates.append(.combined(midpoint: mid))
                while mid > average { mid /= 10; candidates.append(.combined(midpoint: mid)) }
            }
            for c in candidates {
                let (ci, _) = values(c)
                tried.append((c, rMeas(ci, g: g, group: o.group, groupCount: o.groupCount, use: fit.use)))
            }
            choice = tried.min { $0.1 < $1.1 }!.0
            for (c, r) in tried { logger?.info(String(format: "  %-18@ Rmeas %.5f", c.label as NSString, r)) }
            logger?.info("Intensities for scaling: \(choice.label)")
            (iv, vv) = values(choice)
            fit.intensities = iv; fit.variances = vv
        } else if options.intensityChoice == "sum" {
            choice = .summed
        }
        try fit.refine()

        // Error model, refit, outliers again, final error model.
        var model: ErrorModel? = nil
        func applyErrorModel() {
            let g = fit.inverseScales()
            let x = (0..<o.count).map { iv[$0] / g[$0] }, v = (0..<o.count).map { vv[$0] / (g[$0] * g[$0]) }
            if options.errorModelMethod == .dials {
                // DIALS groups I(+) and I(−) apart for the error model whether or not scaling does.
                let grp = (0..<o.count).map { fit.use[$0] ? o.errorModelGroup[$0] : -1 }
                model = ErrorModel.fitDIALS(intensities: iv, variances: vv, inverseScales: g, group: grp,
                                            groupCount: o.errorModelGroupCount)
            } else {
                let grp = (0..<o.count).map { fit.use[$0] ? o.group[$0] : -1 }
                model = ErrorModel.fit(intensities: x, variances: v, group: grp, groupCount: o.groupCount)
            }
            if let m = model {
                // σ'² of the unscaled intensity: g²·a²(σ²/g² + b²(I/g)²) = a²(σ² + (bI)²)
                fit.variances = (0..<o.count).map { m.variance(vv[$0], intensity: iv[$0]) }
                logger?.info(String(format: "Error model: a = %.5f, b = %.5f", m.a, m.b))
            }
        }
        if options.errorModel {
            applyErrorModel()
            try fit.refine()
        }
        outliers = ScalingOutliers.find(intensities: iv, variances: fit.variances, inverseScales: fit.inverseScales(),
                                        group: o.group, groupCount: o.groupCount, use: use, zMax: options.outlierZMax)
        fit.use = zip(use, outliers).map { $0 && !$1 }
        logger?.info("Outlier rejection: \(outliers.filter { $0 }.count) outliers")
        if options.errorModel {
            fit.variances = vv
            applyErrorModel()
            try fit.refine()
        }
        PhysicalScalingModel.normalise(&fit.models)
        for k in fit.models.indices {
            fit.models[k].errorModel = model
            switch choice {
            case .profile: fit.models[k].intensityMidpoint = nil
            case .summed: fit.models[k].intensityMidpoint = .infinity
            case .combined(let m): fit.models[k].intensityMidpoint = m
            }
        }
        let g = fit.inverseScales()
        let cov = try? fit.inverseScaleVariances()
        let gv = cov?.variances ?? [Double](repeating: 0, count: o.count)
        var sds = cov?.parameterSDs ?? [Double](repeating: 0, count: fit.parameterCount)
        for k in fit.models.indices {
            let n = fit.models[k].parameterCount
            fit.models[k].parameterSDs = Array(sds.prefix(n)); sds.removeFirst(n)
        }
        return ScalingResult(models: fit.models, choice: choice, errorModel: model, intensities: iv,
                             variances: fit.variances, inverseScales: g, inverseScaleVariances: gv,
                             outliers: outliers, choiceRmeas: tried)
    }

    /// Rmeas = Σ_h sqrt(n/(n−1)) Σ_l |x_l − x̄_h| / Σ_h Σ_l x_l with x = I/g
    /// (Diederichs & Karplus 1997), over groups of two or more.
    public static func rMeas(_ intensities: [Double], g: [Double], group: [Int], groupCount: Int, use: [Bool]) -> Double {
        var sum = [Double](repeating: 0, count: groupCount), n = [Int](repeating: 0, count: groupCount)
        for i in intensities.indices where use[i] { sum[group[i]] += intensities[i] / g[i]; n[group[i]] += 1 }
        var num = 0.0, den = 0.0
        for i in intensities.indices where use[i] {
            let h = group[i]
            guard n[h] >= 2 else { continue }
            let x = intensities[i] / g[i], mean = sum[h] / Double(n[h])
            num += (Double(n[h]) / Double(n[h] - 1)).squareRoot() * abs(x - mean)
            den += x
        }
        return den > 0 ? num / den : .nan
    }
}

/// Scaling prepared from a table, with the grouping actually used.
public struct PreparedScaling: Sendable {
    public var observations: ScalingObservations
    /// Rows cut by d_min/d_max.
    public var resolutionExcluded: [Bool]
    public var result: ScalingResult
    /// False when I(+) and I(−) were asked to be kept apart but had to be merged.
    public var anomalousGroups: Bool
    /// Set when anomalous grouping was given up, saying why.
    public var anomalousNote: String?
}

extension ScalingProcedure {
    /// Builds the observations of `table` and scales them. When
    /// `filter.anomalous` keeps I(+) and I(−) apart and that leaves too few
    /// equivalents to determine the model (P1, or any group whose only
    /// equivalents are Friedel mates, in one sweep), scaling proceeds with
    /// Friedel mates merged and the note says anomalous statistics are unavailable.
    public static func prepareAndRun(table: ReflectionTable, experiments: ExperimentList, filter: ScalingFilter,
                                     lmax: Int, models: [PhysicalScalingModel], options: Options = Options(),
                                     logger: Logger? = nil) throws -> PreparedScaling {
        let (obs, cut) = try ScalingInput.observations(table: table, experiments: experiments, filter: filter, lmax: lmax)
        do {
            let result = try run(obs, models: models, options: options, logger: logger)
            return PreparedScaling(observations: obs, resolutionExcluded: cut, result: result, anomalousGroups: filter.anomalous,
                                   anomalousNote: nil)
        } catch ScalingError.tooFewReflections(let n, let p) where filter.anomalous {
            let note = "keeping I(+) and I(−) apart leaves \(n) observations with an equivalent, too few for "
                + "\(p) parameters: scaled with Friedel mates together; anomalous statistics are unavailable "
                + "(there are no equivalents of the same hand to compare)"
            logger?.info("Anomalous grouping: " + note)
            var merged = filter
            merged.anomalous = false
            let (obs2, cut2) = try ScalingInput.observations(table: table, experiments: experiments, filter: merged,
                                                             lmax: lmax)
            let result = try run(obs2, models: models, options: options, logger: logger)
            return PreparedScaling(observations: obs2, resolutionExcluded: cut2, result: result, anomalousGroups: false,
                                   anomalousNote: note)
        }
    }
}
