// SimulationError: what can go wrong reading a simulation spec or writing a sweep.

/// A bad spec or an output problem, as one sentence naming the field or file.
public enum SimulationError: Error, CustomStringConvertible, Equatable {
    /// The spec file cannot be read or is not a JSON object.
    case unreadableSpec(path: String, reason: String)
    /// A key the spec does not define.
    case unknownKey(String, suggestion: String?)
    /// A field whose value is of the wrong kind or out of range.
    case invalidField(String, reason: String)
    /// The space group name or number is not in the symmetry table.
    case unknownSpaceGroup(String)
    /// The output cannot be written.
    case outputFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableSpec(let p, let r): return "cannot read spec \(p): \(r)"
        case .unknownKey(let k, let s):
            return "unknown spec field '\(k)'" + (s.map { "; did you mean '\($0)'?" } ?? "")
        case .invalidField(let k, let r): return "spec field '\(k)' \(r)"
        case .unknownSpaceGroup(let s): return "spec field 'space_group': unknown space group '\(s)'"
        case .outputFailed(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}
