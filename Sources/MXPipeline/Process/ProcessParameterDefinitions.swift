// ProcessParameterDefinitions: the key=value parameters of `mxflow process`,
// and the routing of `<step>.<parameter>=value` to the step it names.
import Foundation

public enum ProcessParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("output_dir", .string, default: ".", help: "Folder for every output (created if missing)"),
        ParameterDefinition("nproc", .int(min: 1), default: "Auto", help: "Threads (Auto: every core of this machine)"),
        ParameterDefinition("pipeline", .string, default: "default",
                            help: "Preset of the decision graph: a name from pipelines/ (default, screen, anomalous) or a .json path"),
        ParameterDefinition("force", .bool, default: "False",
                            help: "Redo every step, even those an earlier run in output_dir completed"),
        ParameterDefinition("d_min", .double(min: 0), default: "None",
                            help: "High-resolution limit (Å) imposed on integration and scaling; no estimate then"),
        ParameterDefinition("anomalous", .bool, default: "Auto", help: "Keep I(+) and I(−) apart in scaling (Auto: the preset's choice)"),
        ParameterDefinition("space_group", .string, default: "None", help: "Space group to impose (skips the symmetry choice)"),
        ParameterDefinition("unit_cell", .doubles(count: 6), default: "None", help: "Unit cell to index with (needs space_group)"),
    ]

    /// Steps that take `<step>.<parameter>=value` overrides, with their definitions.
    public static let steps: [(name: String, definitions: [ParameterDefinition])] = [
        ("find_spots", SpotFindingParameterDefinitions.all),
        ("index", IndexingParameterDefinitions.all),
        ("refine", RefinementParameterDefinitions.all),
        ("integrate", IntegrationParameterDefinitions.all),
        ("symmetry", SymmetryParameterDefinitions.all),
        ("scale", ScalingParameterDefinitions.all),
        ("merge", MergingParameterDefinitions.merge),
    ]

    /// Splits arguments into process parameters and per-step overrides,
    /// validating each override against its step's definitions now, so a
    /// typo fails before any work starts.
    public static func split(_ items: [String]) throws -> (process: [String], steps: [String: [String]]) {
        var process: [String] = []
        var perStep: [String: [String]] = [:]
        for item in items {
            if let dot = item.firstIndex(of: "."), let eq = item.firstIndex(of: "="), dot < eq,
               let step = steps.first(where: { $0.name == String(item[..<dot]) }) {
                let rest = String(item[item.index(after: dot)...])
                var check = ParameterSet(step.definitions)
                try check.parse([rest])
                perStep[step.name, default: []].append(rest)
            } else {
                process.append(item)
            }
        }
        return (process, perStep)
    }
}
