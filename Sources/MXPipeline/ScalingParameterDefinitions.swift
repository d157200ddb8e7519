// ScalingParameterDefinitions: the key=value parameters of scale and their mapping to the scaling options.
import MXScaling

/// `mxflow scale` parameters, named after dials.scale's (DIALS 3.12) and
/// with its defaults.
public enum ScalingParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("anomalous", .bool, default: "False",
                            help: "Keep I(+) and I(−) apart while scaling (anomalous data)"),
        ParameterDefinition("d_min", .double(min: 0), default: "None", help: "High-resolution cut-off (Å)"),
        ParameterDefinition("d_max", .double(min: 0), default: "None", help: "Low-resolution cut-off (Å)"),
        ParameterDefinition("absorption_level", .choice(["low", "medium", "high"]), default: "None",
                            help: "Absorption correction: low (lmax 4), medium (lmax 6), high (lmax 8); "
                                + "None: low for scans wider than 60°, off otherwise"),
        ParameterDefinition("absorption_correction", .bool, default: "Auto",
                            help: "Correct absorption by spherical harmonics (Auto: for scans wider than 60°)"),
        ParameterDefinition("decay_correction", .bool, default: "True",
                            help: "Refine a smooth relative B factor over rotation (radiation damage)"),
        ParameterDefinition("scale_interval", .double(min: 0.1), default: "Auto",
                            help: "Rotation (degrees) between scale parameters (Auto: 15 for scans of 90° or more, less for shorter)"),
        ParameterDefinition("decay_interval", .double(min: 0.1), default: "Auto",
                            help: "Rotation (degrees) between relative-B parameters (Auto: 20 for scans of 90° or more, less for shorter)"),
        ParameterDefinition("decay_restraint", .double(min: 0), default: "0.1",
                            help: "Weight restraining the relative B parameters to 0"),
        ParameterDefinition("intensity_choice", .choice(["profile", "sum", "combine"]), default: "combine",
                            help: "Intensities to scale: profile-fitted, summed, or the combination with the lowest Rmeas"),
        ParameterDefinition("error_model", .choice(["basic", "None"]), default: "basic",
                            help: "Fit σ'² = a²(σ² + (bI)²) to the spread of equivalents"),
        ParameterDefinition("error_model_fit", .choice(ErrorModelMethod.allCases.map(\.rawValue)), default: "dials",
                            help: "Fit the error model as DIALS 3.12 does (deviations scaled by sqrt((n−1)/n), a from "
                                + "the normal probability plot), or unbiased (sqrt(n/(n−1)), robust bin variances; "
                                + "a larger a and lower I/σ)"),
        ParameterDefinition("outlier_zmax", .double(min: 0), default: "6",
                            help: "Reject observations deviating more than this many σ from their equivalents"),
        ParameterDefinition("partiality_cutoff", .double(min: 0, max: 1), default: "0.4",
                            help: "Observations with a smaller partiality are not scaled"),
        ParameterDefinition("min_isigi", .double(), default: "-5", help: "Observations with a smaller I/σ are not scaled"),
        ParameterDefinition("nproc", .int(min: 1), default: "1",
                            help: "Threads for the per-observation work of the fit (results do not depend on it)"),
        ParameterDefinition("output.experiments", .string, default: "scaled.expt", help: "Output experiment list"),
        ParameterDefinition("output.reflections", .string, default: "scaled.refl", help: "Output reflection table"),
        ParameterDefinition("output.log", .string, default: "mxflow.scale.log", help: "Log file"),
    ]

    /// The model options and filter from a parsed set.
    public static func options(from set: ParameterSet) -> (model: PhysicalScalingModel.Options, filter: ScalingFilter,
                                                           procedure: ScalingProcedure.Options) {
        var m = PhysicalScalingModel.Options()
        m.scaleIntervalDegrees = set.double("scale_interval")
        m.decayIntervalDegrees = set.double("decay_interval")
        m.decay = set.bool("decay_correction") ?? true
        m.decayRestraint = set.double("decay_restraint") ?? 0.1
        m.absorption = set.bool("absorption_correction")
        switch set.string("absorption_level") {
        case "low": m.lmax = 4; m.absorptionRestraint = 5e5; m.absorption = m.absorption ?? true
        case "medium": m.lmax = 6; m.absorptionRestraint = 5e4; m.absorption = m.absorption ?? true
        case "high": m.lmax = 8; m.absorptionRestraint = 5e3; m.absorption = m.absorption ?? true
        default: break
        }
        var f = ScalingFilter()
        f.dMin = set.double("d_min"); f.dMax = set.double("d_max")
        f.partialityCutoff = set.double("partiality_cutoff") ?? 0.4
        f.minIOverSigma = set.double("min_isigi") ?? -5
        f.anomalous = set.bool("anomalous") ?? false
        var p = ScalingProcedure.Options()
        p.intensityChoice = set.text("intensity_choice")
        p.errorModel = set.string("error_model") != nil
        p.outlierZMax = set.double("outlier_zmax") ?? 6
        p.errorModelMethod = ErrorModelMethod(rawValue: set.text("error_model_fit")) ?? .dials
        p.threads = set.int("nproc") ?? 1
        return (m, f, p)
    }
}
