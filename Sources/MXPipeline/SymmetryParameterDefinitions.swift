// SymmetryParameterDefinitions: the key=value parameters of `mxflow symmetry` and their mapping to SymmetryParameters.
import MXSymmetryAnalysis

/// `mxflow symmetry` parameters, named as dials.symmetry names them, with its defaults.
public enum SymmetryParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("d_min", .double(min: 0), default: "Auto",
                            help: "High-resolution limit (Å) for the Laue group analysis "
                                + "(Auto: where binned <I/sigma> drops below min_i_mean_over_sigma_mean)"),
        ParameterDefinition("min_i_mean_over_sigma_mean", .double(min: 0), default: "4",
                            help: "<I/sigma> that sets the Auto resolution limit"),
        ParameterDefinition("lattice_symmetry_max_delta", .double(min: 0), default: "2.0",
                            help: "Le Page tolerance (degrees) for the lattice symmetry"),
        ParameterDefinition("partiality_threshold", .double(min: 0, max: 1), default: "0.4",
                            help: "Leave out reflections with a smaller partiality"),
        ParameterDefinition("space_group", .string, default: "None",
                            help: "Impose this space group (must suit the lattice); the tables are still printed"),
        ParameterDefinition("absences.check", .bool, default: "True",
                            help: "Choose the space group from systematic absences along screw axes"),
        ParameterDefinition("normalisation.n_bins", .int(min: 1), default: "20",
                            help: "Resolution shells for the isotropic normalisation to E^2"),
        ParameterDefinition("seed", .int(min: 0), default: "230",
                            help: "Seed for the random unrelated pairs that calibrate sd(CC)"),
        ParameterDefinition("min_reflections", .int(min: 1), default: "50",
                            help: "Fewest unique reflections to attempt a decision"),
        ParameterDefinition("output.experiments", .string, default: "symmetrized.expt",
                            help: "Output experiment list (crystal reindexed, with the chosen space group)"),
        ParameterDefinition("output.reflections", .string, default: "symmetrized.refl",
                            help: "Output reflection file (Miller indices reindexed)"),
        ParameterDefinition("output.log", .string, default: "mxflow.symmetry.log", help: "Log file"),
    ]

    /// The typed settings for the values in `set`.
    public static func parameters(from set: ParameterSet) -> SymmetryParameters {
        var p = SymmetryParameters()
        p.dMin = set.double("d_min")
        p.minMeanIOverSigma = set.double("min_i_mean_over_sigma_mean") ?? p.minMeanIOverSigma
        p.latticeSymmetryMaxDelta = set.double("lattice_symmetry_max_delta") ?? p.latticeSymmetryMaxDelta
        p.partialityThreshold = set.double("partiality_threshold") ?? p.partialityThreshold
        p.spaceGroup = set.string("space_group")
        p.checkAbsences = set.bool("absences.check") ?? true
        p.normalisationBins = set.int("normalisation.n_bins") ?? p.normalisationBins
        p.seed = UInt64(set.int("seed") ?? 230)
        p.minUniqueReflections = set.int("min_reflections") ?? p.minUniqueReflections
        return p
    }
}
