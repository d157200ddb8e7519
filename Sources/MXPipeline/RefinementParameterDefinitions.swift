// RefinementParameterDefinitions: the key=value parameters of refine and their mapping to RefinementParameters.
import MXRefinement

/// `mxflow refine` parameters, named as dials.refine names them, with its defaults.
public enum RefinementParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("refinement.parameterisation.beam.fix", .string, default: "in_spindle_plane+wavelength",
                            help: "Beam parameters to fix, joined by '+': all, in_spindle_plane, out_spindle_plane, wavelength (always fixed)"),
        ParameterDefinition("refinement.parameterisation.detector.fix",
                            .choice(RefinementParameters.DetectorFix.allCases.map(\.rawValue)), default: "none",
                            help: "Detector parameters to fix (whole detector as one rigid body)"),
        ParameterDefinition("refinement.parameterisation.crystal.fix", .choice(["none", "all", "cell", "orientation"]),
                            default: "none", help: "Crystal parameters to fix"),
        ParameterDefinition("refinement.reflections.outlier.algorithm",
                            .choice(["auto"] + RefinementParameters.OutlierAlgorithm.allCases.map(\.rawValue)), default: "auto",
                            help: "Outlier rejection before refinement: auto = mcd (as DIALS for scans), tukey (normalised residuals), null"),
        ParameterDefinition("refinement.reflections.outlier.tukey.iqr_multiplier", .double(min: 0), default: "1.5",
                            help: "Tukey fences at Q1 − k·IQR and Q3 + k·IQR"),
        ParameterDefinition("refinement.reflections.reflections_per_degree", .double(min: 0), default: "Auto",
                            help: "Centroids per degree used (Auto: all, unless the scan exceeds 360°, then 100)"),
        ParameterDefinition("refinement.reflections.minimum_sample_size", .int(min: 0), default: "1000",
                            help: "Never subsample below this many reflections"),
        ParameterDefinition("refinement.reflections.close_to_spindle_cutoff", .double(min: 0), default: "0.02",
                            help: "Leave out reflections with |(s1×s0)·m| (Å⁻²) at or below this (close to the spindle)"),
        ParameterDefinition("refinement.reflections.auto_reduction.min_nref_per_parameter", .int(min: 1), default: "5",
                            help: "Fail when fewer reflections per free parameter remain"),
        ParameterDefinition("refinement.refinery.max_iterations", .int(min: 1), default: "100",
                            help: "Most Levenberg–Marquardt steps"),
        ParameterDefinition("refinement.target.rmsd_tolerance", .double(min: 0), default: "0.0001",
                            help: "Converged when every RMSD changes by less than this fraction"),
        ParameterDefinition("refinement.parameterisation.scan_varying", .bool, default: "Auto",
                            help: "After static refinement, refine the crystal as smooth functions of rotation angle (Auto: scans wide enough, with enough reflections)"),
        ParameterDefinition("refinement.parameterisation.scan_varying.interval_width_degrees", .double(min: 0.1), default: "36",
                            help: "Scan width per interval between the scan-varying crystal's sample points"),
        ParameterDefinition("refinement.parameterisation.scan_varying.minimum_scan_width_degrees", .double(min: 0), default: "5",
                            help: "scan_varying=Auto leaves scans narrower than this static"),
        ParameterDefinition("refinement.mp.nproc", .int(min: 1), default: "1",
                            help: "Threads for the predictions, their gradients and the outlier search (results do not depend on it)"),
        ParameterDefinition("output.experiments", .string, default: "refined.expt", help: "Output experiment list"),
        ParameterDefinition("output.reflections", .string, default: "refined.refl", help: "Output reflection file"),
        ParameterDefinition("output.log", .string, default: "mxflow.refine.log", help: "Log file"),
    ]

    /// The typed settings for the values in `set`.
    public static func parameters(from set: ParameterSet) throws -> RefinementParameters {
        var p = RefinementParameters()
        var beamFix = Set<RefinementParameters.BeamFix>()
        for word in set.text("refinement.parameterisation.beam.fix").split(whereSeparator: { $0 == "+" || $0 == "," }) {
            let w = word.filter { $0 != " " }
            if w == "wavelength" || w.isEmpty || w == "None" { continue }
            guard let f = RefinementParameters.BeamFix(rawValue: w) else {
                throw ParameterError.invalidValue(name: "refinement.parameterisation.beam.fix", value: w,
                                                  expected: "all, in_spindle_plane, out_spindle_plane or wavelength")
            }
            beamFix.insert(f)
        }
        p.beamFix = beamFix
        p.detectorFix = RefinementParameters.DetectorFix(rawValue: set.text("refinement.parameterisation.detector.fix")) ?? .none
        switch set.text("refinement.parameterisation.crystal.fix") {
        case "all": p.fixCrystalCell = true; p.fixCrystalOrientation = true
        case "cell": p.fixCrystalCell = true
        case "orientation": p.fixCrystalOrientation = true
        default: break
        }
        p.outlierAlgorithm = RefinementParameters.OutlierAlgorithm(rawValue: set.text("refinement.reflections.outlier.algorithm")) ?? .mcd
        p.iqrMultiplier = set.double("refinement.reflections.outlier.tukey.iqr_multiplier") ?? p.iqrMultiplier
        p.reflectionsPerDegree = set.double("refinement.reflections.reflections_per_degree")
        p.minimumSampleSize = set.int("refinement.reflections.minimum_sample_size") ?? p.minimumSampleSize
        p.closeToSpindleCutoff = set.double("refinement.reflections.close_to_spindle_cutoff") ?? p.closeToSpindleCutoff
        p.minReflectionsPerParameter = set.int("refinement.reflections.auto_reduction.min_nref_per_parameter")
            ?? p.minReflectionsPerParameter
        p.maxIterations = set.int("refinement.refinery.max_iterations") ?? p.maxIterations
        p.rmsdTolerance = set.double("refinement.target.rmsd_tolerance") ?? p.rmsdTolerance
        p.threads = set.int("refinement.mp.nproc") ?? p.threads
        switch set.bool("refinement.parameterisation.scan_varying") {
        case nil: p.scanVarying = .auto
        case true?: p.scanVarying = .on
        case false?: p.scanVarying = .off
        }
        p.intervalWidthDegrees = set.double("refinement.parameterisation.scan_varying.interval_width_degrees") ?? p.intervalWidthDegrees
        p.scanVaryingMinimumWidthDegrees = set.double("refinement.parameterisation.scan_varying.minimum_scan_width_degrees")
            ?? p.scanVaryingMinimumWidthDegrees
        return p
    }
}
