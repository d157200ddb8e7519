// Export: the `export` step — scaled (or integrated) reflections to the unmerged MTZ dials.export writes.
import MXFormats
import MXModel
import MXScaling

/// `mxflow export` parameters, named and defaulted as dials.export's MTZ
/// options (DIALS 3.12).
public enum ExportParameterDefinitions {
    public static let all: [ParameterDefinition] = [
        ParameterDefinition("intensity", .choice(["auto"] + ExportIntensity.allCases.map(\.rawValue)), default: "auto",
                            help: "Intensities to write: scale (scaled I/g), sum (with IPR = profile-fitted), profile; "
                                + "auto: scale for scaled data, else sum"),
        ParameterDefinition("d_min", .double(min: 0), default: "None", help: "Leave out reflections with d below d_min (Å)"),
        ParameterDefinition("partiality_threshold", .double(min: 0, max: 1), default: "0.4",
                            help: "Leave out reflections with a smaller partiality"),
        ParameterDefinition("crystal_name", .string, default: "XTAL", help: "MTZ crystal name"),
        ParameterDefinition("project_name", .string, default: "DIALS", help: "MTZ project name"),
        ParameterDefinition("dataset_name", .string, default: "FROMDIALS", help: "MTZ dataset name"),
        ParameterDefinition("output.mtz", .string, default: "scaled_unmerged.mtz", help: "Output unmerged MTZ file"),
        ParameterDefinition("output.log", .string, default: "mxflow.export.log", help: "Log file"),
    ]
}

/// The export step: reads nothing itself; the command hands it the experiment
/// list and table and it returns the MTZ and a report.
public enum Export {
    public struct Result: Sendable {
        public var mtz: MTZFile
        public var intensity: ExportIntensity
        /// Lines for the log.
        public var report: [String]
    }

    /// Builds the unmerged MTZ of `table` with the options of `set` (see `ExportParameterDefinitions`).
    public static func unmergedMTZ(table: ReflectionTable, experiments: ExperimentList, set: ParameterSet,
                                   history: [String]) throws -> Result {
        let requested = set.string("intensity").flatMap { $0 == "auto" ? nil : ExportIntensity(rawValue: $0) }
        let choice = requested ?? (table.contains("intensity.scale.value") ? .scale
            : table.contains(ReflectionTable.Name.intensitySumValue) ? .sum : .profile)
        if experiments.count > 1 {
            throw ExportError.severalExperiments(experiments.count)
        }
        let mtz = try UnmergedMTZ.make(table, experiments: experiments,
                                       partialityThreshold: set.double("partiality_threshold") ?? 0.4,
                                       intensity: choice, dMin: set.double("d_min"),
                                       names: .init(project: set.text("project_name"), crystal: set.text("crystal_name"),
                                                    dataset: set.text("dataset_name")),
                                       history: history)
        let batches = mtz.batches.map(\.number)
        var report = ["Intensities: \(choice.rawValue); \(mtz.reflectionCount) of \(table.count) reflections written",
                      "Columns: " + mtz.columns.map(\.label).joined(separator: " ")]
        if let first = batches.first, let last = batches.last {
            report.append("Batches \(first)–\(last) (\(batches.count) headers, one per image)")
        }
        return Result(mtz: mtz, intensity: choice, report: report)
    }
}

/// Why an export cannot be made, in a user sentence.
public enum ExportError: Error, Equatable, CustomStringConvertible {
    case severalExperiments(Int)

    public var description: String {
        switch self {
        case .severalExperiments(let n):
            return "the experiment list has \(n) experiments; the unmerged MTZ export writes one sweep "
                + "(select one experiment first)"
        }
    }
}
