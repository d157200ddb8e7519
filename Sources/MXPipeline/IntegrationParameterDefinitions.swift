// IntegrationParameterDefinitions: the key=value parameters of integrate and their mapping to IntegrationParameters.
import MXIntegration

/// `mxflow integrate` parameters, named as dials.integrate names them, with its defaults.
public enum IntegrationParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("prediction.d_min", .double(min: 0), default: "Auto",
                            help: "High-resolution limit of prediction (Å); Auto = the detector's corners"),
        ParameterDefinition("prediction.d_max", .double(min: 0), default: "None", help: "Low-resolution limit (Å)"),
        ParameterDefinition("profile.gaussian_rs.parameters.n_sigma", .double(min: 0.5), default: "3",
                            help: "Shoebox foreground half-width in standard deviations"),
        ParameterDefinition("profile.gaussian_rs.parameters.sigma_b", .double(min: 0), default: "Auto",
                            help: "Beam divergence σ_b (degrees); Auto = estimated from strong indexed spots"),
        ParameterDefinition("profile.gaussian_rs.parameters.sigma_m", .double(min: 0), default: "Auto",
                            help: "Mosaicity σ_m (degrees); Auto = estimated from strong indexed spots"),
        ParameterDefinition("profile.gaussian_rs.min_spots.overall", .int(min: 1), default: "50",
                            help: "Fewest strong spots to estimate the profile model from"),
        ParameterDefinition("profile.fitting", .bool, default: "True", help: "Profile fitting as well as summation"),
        ParameterDefinition("profile.gaussian_rs.fitting.reference_profiles", .bool, default: "True",
                            help: "Fit reference profiles learnt from strong reflections (else the Gaussian model)"),
        ParameterDefinition("profile.gaussian_rs.fitting.grid_size", .int(min: 1), default: "9",
                            help: "Reference grid half-size n: 2n+1 points per axis"),
        ParameterDefinition("profile.gaussian_rs.fitting.scan_step", .double(min: 0.01), default: "5",
                            help: "Scan block of one set of reference profiles (degrees)"),
        ParameterDefinition("profile.gaussian_rs.fitting.min_references", .int(min: 1), default: "10",
                            help: "Fewest references for a region's learnt profile; fewer = the Gaussian model there"),
        ParameterDefinition("integration.overlaps_filter.foreground_foreground", .bool, default: "True",
                            help: "Keep pixels in a neighbour's foreground out of the background; flag overlapped_fg"),
        ParameterDefinition("integration.background.rejection_sigma", .double(min: 0.5), default: "3",
                            help: "Outlier cut of the robust constant background, in Poisson σ"),
        ParameterDefinition("integration.background.radial", .bool, default: "True",
                            help: "Where the sweep's radial background profile changes across a box (ice or water "
                                + "rings), fit the background as a scale on that profile instead of a constant"),
        ParameterDefinition("integration.background.radial_min_change", .double(min: 0), default: "0.15",
                            help: "Least change of the radial profile across a box, as a share of its mean, for the "
                                + "box to follow it"),
        ParameterDefinition("integration.valid_foreground_threshold", .double(min: 0, max: 1), default: "0.75",
                            help: "Fraction of foreground pixels that must be valid"),
        ParameterDefinition("integration.block.size", .int(min: 1), default: "Auto",
                            help: "Frames read per block; Auto = from integration.block.max_memory_mb"),
        ParameterDefinition("integration.block.max_memory_mb", .double(min: 16), default: "1024",
                            help: "Memory budget (MiB) for the block of frames and the open shoeboxes"),
        ParameterDefinition("nproc", .int(min: 1), default: "1", help: "Threads"),
        ParameterDefinition("output.experiments", .string, default: "integrated.expt", help: "Output experiment list"),
        ParameterDefinition("output.reflections", .string, default: "integrated.refl", help: "Output reflection file"),
        ParameterDefinition("output.log", .string, default: "mxflow.integrate.log", help: "Log file"),
    ]

    /// The typed settings for the values in `set`.
    public static func parameters(from set: ParameterSet) throws -> IntegrationParameters {
        var p = IntegrationParameters()
        p.dMin = set.double("prediction.d_min")
        p.dMax = set.double("prediction.d_max")
        p.nSigma = set.double("profile.gaussian_rs.parameters.n_sigma") ?? p.nSigma
        p.sigmaBDegrees = set.double("profile.gaussian_rs.parameters.sigma_b")
        p.sigmaMDegrees = set.double("profile.gaussian_rs.parameters.sigma_m")
        p.minSpots = set.int("profile.gaussian_rs.min_spots.overall") ?? p.minSpots
        p.profileFitting = set.bool("profile.fitting") ?? true
        p.referenceProfiles = set.bool("profile.gaussian_rs.fitting.reference_profiles") ?? p.referenceProfiles
        p.referenceGridSize = set.int("profile.gaussian_rs.fitting.grid_size") ?? p.referenceGridSize
        p.referenceScanStepDegrees = set.double("profile.gaussian_rs.fitting.scan_step") ?? p.referenceScanStepDegrees
        p.minReferencesPerProfile = set.int("profile.gaussian_rs.fitting.min_references") ?? p.minReferencesPerProfile
        p.maskOverlaps = set.bool("integration.overlaps_filter.foreground_foreground") ?? p.maskOverlaps
        p.backgroundRejectionSigma = set.double("integration.background.rejection_sigma") ?? p.backgroundRejectionSigma
        p.radialBackground = set.bool("integration.background.radial") ?? p.radialBackground
        p.radialBackgroundChange = set.double("integration.background.radial_min_change") ?? p.radialBackgroundChange
        p.validForegroundThreshold = set.double("integration.valid_foreground_threshold") ?? p.validForegroundThreshold
        p.blockFrames = set.int("integration.block.size")
        p.maxMemoryMB = set.double("integration.block.max_memory_mb") ?? p.maxMemoryMB
        p.nproc = set.int("nproc") ?? 1
        return p
    }
}
