// BravaisSettingsParameterDefinitions: the key=value parameters of refine-bravais-settings, reindex and search-beam-position.
/// Parameters of the three commands that follow indexing, named as DIALS names them.
public enum BravaisSettingsParameterDefinitions {
    /// `mxflow refine-bravais-settings` (dials.refine_bravais_settings).
    public static let refineBravaisSettings: [ParameterDefinition] = [
        ParameterDefinition("lepage_max_delta", .double(min: 0), default: "5",
                            help: "Largest Le Page δ (degrees) of a twofold axis the lattice may have"),
        ParameterDefinition("nproc", .int(min: 1), default: "1", help: "Threads: settings refined at once"),
        ParameterDefinition("output.directory", .string, default: ".", help: "Folder for bravais_setting_N.expt and the summary"),
        ParameterDefinition("output.prefix", .string, default: "", help: "Prefix of the output file names"),
        ParameterDefinition("output.log", .string, default: "mxflow.refine_bravais_settings.log", help: "Log file"),
    ]
    /// `mxflow reindex` (dials.reindex).
    public static let reindex: [ParameterDefinition] = [
        ParameterDefinition("change_of_basis_op", .string, default: "None",
                            help: "Change of basis, a,b,c form (a+b,c,-a), h,k,l form or x,y,z form"),
        ParameterDefinition("space_group", .string, default: "None", help: "Space group to give the crystal after the change of basis"),
        ParameterDefinition("solution", .int(min: 1), default: "None",
                            help: "Take change_of_basis_op and lattice from bravais_summary.json's solution N"),
        ParameterDefinition("summary", .string, default: "bravais_summary.json", help: "Summary read by solution="),
        ParameterDefinition("output.experiments", .string, default: "reindexed.expt", help: "Output experiment list"),
        ParameterDefinition("output.reflections", .string, default: "reindexed.refl", help: "Output reflection file"),
        ParameterDefinition("output.log", .string, default: "mxflow.reindex.log", help: "Log file"),
    ]
    /// `mxflow search-beam-position` (dials.search_beam_position).
    public static let searchBeamPosition: [ParameterDefinition] = [
        ParameterDefinition("mm_search_scope", .double(min: 0), default: "4.0",
                            help: "How far (mm) from the header's beam centre the search looks"),
        ParameterDefinition("output.experiments", .string, default: "optimised.expt", help: "Output experiment list"),
        ParameterDefinition("output.log", .string, default: "mxflow.search_beam_position.log", help: "Log file"),
    ]
}
