// MergingParameterDefinitions: the key=value parameters of merge and estimate-resolution.
import MXScaling

/// `mxflow merge` and `mxflow estimate-resolution` parameters, named and
/// defaulted as dials.merge / dials.estimate_resolution (DIALS 3.12) name them.
public enum MergingParameterDefinitions {
    static let statistics: [ParameterDefinition] = [
        ParameterDefinition("n_bins", .int(min: 1), default: "20", help: "Resolution shells of the statistics table"),
        ParameterDefinition("binning_method", .choice(ResolutionBinning.Method.allCases.map(\.rawValue)),
                            default: "volume", help: "Shells of equal reciprocal volume or equal observation count"),
        ParameterDefinition("cc_half_method", .choice(CCHalfMethod.allCases.map(\.rawValue)), default: "half_dataset",
                            help: "CC½ from random half datasets or by the σ-τ method (Assmann et al. 2016)"),
        ParameterDefinition("seed", .int(min: 0), default: "0", help: "Seed of the random half-dataset split"),
        ParameterDefinition("partiality_threshold", .double(min: 0, max: 1), default: "0.4",
                            help: "Observations with a smaller partiality are left out"),
        ParameterDefinition("d_min", .double(min: 0), default: "None", help: "High-resolution cut-off (Å)"),
        ParameterDefinition("d_max", .double(min: 0), default: "None", help: "Low-resolution cut-off (Å)"),
    ]

    /// `mxflow merge`.
    public static let merge: [ParameterDefinition] = statistics + [
        ParameterDefinition("anomalous", .bool, default: "True", help: "Also write I(+)/I(−), F(+)/F(−) and DANO"),
        ParameterDefinition("truncate", .bool, default: "True",
                            help: "Write amplitudes from intensities by French & Wilson (1978)"),
        ParameterDefinition("crystal_name", .string, default: "XTAL", help: "MTZ crystal name"),
        ParameterDefinition("project_name", .string, default: "AUTOMATIC", help: "MTZ project name"),
        ParameterDefinition("dataset_name", .string, default: "NATIVE", help: "MTZ dataset name"),
        ParameterDefinition("output.mtz", .string, default: "merged.mtz", help: "Output merged MTZ file"),
        ParameterDefinition("output.unmerged_mtz", .string, default: "None",
                            help: "Also write the scaled unmerged data as dials.export does (e.g. scaled_unmerged.mtz)"),
        ParameterDefinition("output.log", .string, default: "mxflow.merge.log", help: "Log file"),
    ]

    /// `mxflow estimate-resolution` (statistics over 100 equal-count shells, as DIALS).
    public static let estimateResolution: [ParameterDefinition] = statistics.map {
        switch $0.name {
        case "n_bins": return ParameterDefinition("n_bins", .int(min: 1), default: "100", help: $0.help)
        case "binning_method":
            return ParameterDefinition("binning_method", $0.type, default: "counting_sorted", help: $0.help)
        default: return $0
        }
    } + [
        ParameterDefinition("cc_half", .double(), default: "0.3", help: "CC½ limit of the tanh fit (None: skip)",
                            acceptsNone: true),
        ParameterDefinition("cc_half_significance_level", .double(min: 0, max: 1), default: "0.1",
                            help: "Shells whose CC½ is not significant at this level are not fitted (None: keep all)",
                            acceptsNone: true),
        ParameterDefinition("emax", .double(min: 0), default: "4",
                            help: "Leave out observations with normalised intensity E² ≥ emax² (None: keep all)",
                            acceptsNone: true),
        ParameterDefinition("isigma", .double(), default: "None", help: "⟨I/σ⟩ limit of the merged intensities"),
        ParameterDefinition("completeness", .double(min: 0, max: 1), default: "None", help: "Completeness limit (0–1)"),
        ParameterDefinition("output.log", .string, default: "mxflow.estimate_resolution.log", help: "Log file"),
    ]

    /// Statistics options from a parsed set.
    public static func statisticsOptions(from set: ParameterSet) -> (bins: Int, method: ResolutionBinning.Method,
                                                                       ccHalf: CCHalfMethod, seed: UInt64) {
        (set.int("n_bins") ?? 20, ResolutionBinning.Method(rawValue: set.text("binning_method")) ?? .volume,
         CCHalfMethod(rawValue: set.text("cc_half_method")) ?? .halfDataset, UInt64(set.int("seed") ?? 0))
    }
}
