// IndexingParameterDefinitions: the key=value parameters of index and their mapping to IndexingParameters.
import MXIndexing

/// `mxflow index` parameters, named as DIALS names them (`dials.index -c`)
/// where DIALS has the same setting, with DIALS 3.12's defaults except where
/// mxflow is deliberately more thorough (both basis searches, more candidates).
public enum IndexingParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("indexing.method", .choice(["auto"] + BasisSearchMethod.allCases.map(\.rawValue)),
                            default: "auto", help: "Basis-vector search: fft3d, fft1d, or auto (both, best lattice kept)"),
        ParameterDefinition("indexing.max_cell", .double(min: 0), default: "Auto",
                            help: "Longest cell edge (Å); Auto: from nearest-neighbour spacings of the spots"),
        ParameterDefinition("indexing.min_cell", .double(min: 0), default: "3",
                            help: "Shortest cell edge considered (Å)"),
        ParameterDefinition("indexing.d_min", .double(min: 0), default: "None",
                            help: "Spots beyond this resolution (Å) are left out"),
        ParameterDefinition("indexing.fft3d.n_points", .int(min: 16, max: 512), default: "256",
                            help: "Grid points per axis of the 3-D FFT"),
        ParameterDefinition("indexing.basis_vector_combinations.max_refine", .int(min: 1), default: "50",
                            help: "Candidate cells refined and scored"),
        ParameterDefinition("indexing.index_assignment.simple.hkl_tolerance", .double(min: 0, max: 0.5), default: "0.3",
                            help: "Largest |h_f − h| for a spot to be indexed"),
        ParameterDefinition("indexing.refinement_protocol.n_macro_cycles", .int(min: 1), default: "5",
                            help: "Cycles of indexing and refinement, extending the resolution each time"),
        ParameterDefinition("indexing.multiple_lattice_search.max_lattices", .int(min: 1), default: "1",
                            help: "Lattices to find; each further one from the unindexed spots"),
        ParameterDefinition("indexing.multiple_lattice_search.recycle_unindexed_reflections_cutoff",
                            .double(min: 0, max: 1), default: "0.1",
                            help: "Seek a further lattice only while this fraction of spots is unindexed"),
        ParameterDefinition("indexing.known_symmetry.unit_cell", .doubles(count: 6), default: "None",
                            help: "Cell to enforce: a,b,c,alpha,beta,gamma (Å, °)"),
        ParameterDefinition("indexing.known_symmetry.space_group", .string, default: "None",
                            help: "Space group to enforce (e.g. P43212); its cell constraints are applied"),
        ParameterDefinition("indexing.refine_beam_centre", .bool, default: "True",
                            help: "Refine the detector position in its plane with the crystal"),
        ParameterDefinition("indexing.outlier.iqr_multiplier", .double(min: 0), default: "3",
                            help: "Residuals above Q3 + k·IQR are rejected as outliers"),
        ParameterDefinition("indexing.nproc", .int(min: 1), default: "1", help: "Threads for candidate evaluation"),
        ParameterDefinition("output.experiments", .string, default: "indexed.expt", help: "Output experiment list"),
        ParameterDefinition("output.reflections", .string, default: "indexed.refl", help: "Output reflection file"),
        ParameterDefinition("output.log", .string, default: "mxflow.index.log", help: "Log file"),
    ]

    /// The typed settings for the values in `set`; the space group is passed as given (resolved by the caller).
    public static func parameters(from set: ParameterSet) -> IndexingParameters {
        var p = IndexingParameters()
        let method = set.text("indexing.method")
        if let m = BasisSearchMethod(rawValue: method) { p.methods = [m] }
        p.maxCell = set.double("indexing.max_cell")
        p.minCell = set.double("indexing.min_cell") ?? p.minCell
        p.dMin = set.double("indexing.d_min")
        p.fftGridSize = set.int("indexing.fft3d.n_points") ?? p.fftGridSize
        p.maxCandidates = set.int("indexing.basis_vector_combinations.max_refine") ?? p.maxCandidates
        p.tolerance = set.double("indexing.index_assignment.simple.hkl_tolerance") ?? p.tolerance
        p.macroCycles = set.int("indexing.refinement_protocol.n_macro_cycles") ?? p.macroCycles
        p.maxLattices = set.int("indexing.multiple_lattice_search.max_lattices") ?? p.maxLattices
        p.recycleUnindexedCutoff = set.double("indexing.multiple_lattice_search.recycle_unindexed_reflections_cutoff")
            ?? p.recycleUnindexedCutoff
        p.unitCell = set.doubles("indexing.known_symmetry.unit_cell")
        p.refineBeamCentre = set.bool("indexing.refine_beam_centre") ?? true
        p.outlierIQR = set.double("indexing.outlier.iqr_multiplier") ?? p.outlierIQR
        p.nproc = set.int("indexing.nproc") ?? 1
        return p
    }
}
