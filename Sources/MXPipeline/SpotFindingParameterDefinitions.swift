// SpotFindingParameterDefinitions: the key=value parameters of find-spots and their mapping to SpotFindingParameters.
import MXSpotFinding

/// `mxflow find-spots` parameters, named as DIALS names them
/// (`dials.find_spots -c`), with DIALS 3.12's defaults.
public enum SpotFindingParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("spotfinder.threshold.algorithm", .choice(ThresholdAlgorithm.allCases.map(\.rawValue)),
                            default: "dispersion_extended", help: "Local threshold that marks strong pixels"),
        ParameterDefinition("spotfinder.threshold.dispersion.kernel_size", .ints(count: 2), default: "3,3",
                            help: "Half-size of the local window in pixels (3,3 gives 7×7)"),
        ParameterDefinition("spotfinder.threshold.dispersion.sigma_background", .double(min: 0), default: "6",
                            help: "Background test: index of dispersion above 1 + σ_b·sqrt(2/(n−1))"),
        ParameterDefinition("spotfinder.threshold.dispersion.sigma_strong", .double(min: 0), default: "3",
                            help: "Strong test: counts above mean + σ_s·sqrt(gain·mean)"),
        ParameterDefinition("spotfinder.threshold.dispersion.min_local", .int(min: 2), default: "2",
                            help: "Fewest valid pixels in the window for a pixel to be tested"),
        ParameterDefinition("spotfinder.threshold.dispersion.global_threshold", .double(min: 0), default: "0",
                            help: "Strong pixels must also exceed this many counts"),
        ParameterDefinition("spotfinder.threshold.dispersion.gain", .double(min: 1e-6), default: "1",
                            help: "Detector gain (counts per photon)"),
        ParameterDefinition("spotfinder.filter.min_spot_size", .int(min: 1), default: "Auto",
                            help: "Fewest pixels in a spot (Auto: 3 for pixel-array detectors, 6 otherwise)"),
        ParameterDefinition("spotfinder.filter.max_spot_size", .int(min: 1), default: "1000",
                            help: "Most pixels in a spot"),
        ParameterDefinition("spotfinder.filter.max_separation", .double(min: 0), default: "2",
                            help: "Largest peak–centroid distance in pixels (None: no limit)", acceptsNone: true),
        ParameterDefinition("spotfinder.filter.split_sigma", .double(min: 0), default: "None",
                            help: "Cut a spot where a second peak stands this many σ above the saddle between "
                                + "(3 resolves touching spots of split crystals; None: keep each connected "
                                + "component whole, as DIALS does)"),
        ParameterDefinition("spotfinder.filter.max_strong_pixel_fraction", .double(min: 0, max: 1), default: "0.25",
                            help: "Images with a larger fraction of strong pixels are left out"),
        ParameterDefinition("spotfinder.filter.d_min", .double(min: 0), default: "None",
                            help: "High-resolution limit (Å): pixels beyond are masked"),
        ParameterDefinition("spotfinder.filter.d_max", .double(min: 0), default: "None",
                            help: "Low-resolution limit (Å): pixels below are masked"),
        ParameterDefinition("spotfinder.filter.ice_rings.filter", .bool, default: "False",
                            help: "Mask pixels on hexagonal-ice powder rings"),
        ParameterDefinition("spotfinder.filter.ice_rings.width", .double(min: 0), default: "0.002",
                            help: "Width of an ice ring in 1/d² (Å⁻²)"),
        ParameterDefinition("spotfinder.scan_range", .ints(count: 2), default: "None",
                            help: "First and last image to search (inclusive; None: all)"),
        ParameterDefinition("spotfinder.write_shoeboxes", .bool, default: "True",
                            help: "Store each spot's pixels in the table, as DIALS does"),
        ParameterDefinition("spotfinder.mp.nproc", .int(min: 1), default: "1",
                            help: "Threads that decode and threshold images"),
        ParameterDefinition("spotfinder.decode_only", .bool, default: "False",
                            help: "Only decode the images and report images/s (a speed reference); writes nothing"),
        ParameterDefinition("output.reflections", .string, default: "strong.refl",
                            help: "Output reflection file"),
        ParameterDefinition("output.log", .string, default: "mxflow.find_spots.log", help: "Log file"),
    ]

    /// The typed settings for the values in `set`.
    public static func parameters(from set: ParameterSet) -> SpotFindingParameters {
        var p = SpotFindingParameters()
        p.algorithm = ThresholdAlgorithm(rawValue: set.text("spotfinder.threshold.algorithm")) ?? .dispersionExtended
        if let k = set.ints("spotfinder.threshold.dispersion.kernel_size"), k.count == 2 { p.kernelSize = (k[0], k[1]) }
        p.sigmaBackground = set.double("spotfinder.threshold.dispersion.sigma_background") ?? p.sigmaBackground
        p.sigmaStrong = set.double("spotfinder.threshold.dispersion.sigma_strong") ?? p.sigmaStrong
        p.minLocal = set.int("spotfinder.threshold.dispersion.min_local") ?? p.minLocal
        p.globalThreshold = set.double("spotfinder.threshold.dispersion.global_threshold") ?? p.globalThreshold
        p.gain = set.double("spotfinder.threshold.dispersion.gain") ?? p.gain
        p.minSpotSize = set.int("spotfinder.filter.min_spot_size")
        p.maxSpotSize = set.int("spotfinder.filter.max_spot_size") ?? p.maxSpotSize
        p.maxSeparation = set.double("spotfinder.filter.max_separation")
        p.splitSigma = set.double("spotfinder.filter.split_sigma")
        p.maxStrongPixelFraction = set.double("spotfinder.filter.max_strong_pixel_fraction") ?? p.maxStrongPixelFraction
        p.dMin = set.double("spotfinder.filter.d_min")
        p.dMax = set.double("spotfinder.filter.d_max")
        p.filterIceRings = set.bool("spotfinder.filter.ice_rings.filter") ?? false
        p.iceRingWidth = set.double("spotfinder.filter.ice_rings.width") ?? p.iceRingWidth
        if let r = set.ints("spotfinder.scan_range"), r.count == 2 { p.scanRange = min(r[0], r[1])...max(r[0], r[1]) }
        p.storeShoeboxes = set.bool("spotfinder.write_shoeboxes") ?? true
        p.nproc = set.int("spotfinder.mp.nproc") ?? 1
        return p
    }
}
