// Parameters: typed `key=value` parameters with dotted scopes, as DIALS users type them.
import MXMath

/// The type of a parameter's value, with its validation.
public enum ParameterType: Equatable, Sendable {
    case int(min: Int? = nil, max: Int? = nil)
    case double(min: Double? = nil, max: Double? = nil)
    case bool
    case string
    /// One of a fixed set of words.
    case choice([String])
    /// A fixed-length or free-length list of numbers, written `1,2,3` or `1 2 3`.
    case doubles(count: Int?)
    case ints(count: Int?)

    var typeName: String {
        switch self {
        case .int: return "int"
        case .double: return "float"
        case .bool: return "bool"
        case .string: return "str"
        case .choice(let c): return c.joined(separator: "|")
        case .doubles(let n): return n.map { "\($0) floats" } ?? "floats"
        case .ints(let n): return n.map { "\($0) ints" } ?? "ints"
        }
    }
}

/// One parameter: its full dotted name, type, default (as text; `Auto` or
/// `None` where the value is decided at run time or absent), and one line of help.
/// `acceptsNone`: a parameter with a value by default that may also be set
/// to `None` (a limit or test switched off).
public struct ParameterDefinition: Sendable {
    public let name: String
    public let type: ParameterType
    public let defaultValue: String
    public let help: String
    public let acceptsNone: Bool
    public init(_ name: String, _ type: ParameterType, default defaultValue: String, help: String,
                acceptsNone: Bool = false) {
        self.name = name; self.type = type; self.defaultValue = defaultValue; self.help = help
        self.acceptsNone = acceptsNone
    }
}

/// A bad parameter on the command line, with the text a user needs to fix it.
public enum ParameterError: Error, Equatable, CustomStringConvertible {
    case unknown(String, suggestions: [String])
    case ambiguous(String, candidates: [String])
    case malformed(String)
    case invalidValue(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .unknown(let k, let s):
            let hint = s.isEmpty ? "" : "; did you mean \(s.map { "'\($0)'" }.joined(separator: " or "))?"
            return "unknown parameter '\(k)'\(hint) (--show-config lists them all)"
        case .ambiguous(let k, let c):
            return "parameter '\(k)' is ambiguous: it could be \(c.map { "'\($0)'" }.joined(separator: ", ")); write more of the name"
        case .malformed(let a):
            return "cannot read argument '\(a)': parameters are written key=value (e.g. nproc=2)"
        case .invalidValue(let n, let v, let e):
            return "parameter '\(n)' = '\(v)' is not valid: expected \(e)"
        }
    }
}

/// The definitions a command accepts and the values given for them.
/// Values are validated when set; typed getters then cannot fail except for
/// `Auto`/`None`, which they return as nil.
public struct ParameterSet: Sendable {
    public private(set) var definitions: [ParameterDefinition]
    /// Values given explicitly (full names), after validation.
    public private(set) var given: [String: String] = [:]
    /// The order in which explicit values were given.
    public private(set) var givenOrder: [String] = []

    public init(_ definitions: [ParameterDefinition]) {
        var seen = Set<String>()
        for d in definitions { precondition(seen.insert(d.name).inserted, "parameter \(d.name) defined twice") }
        self.definitions = definitions
    }

    /// Adds more definitions (a command including another step's scope).
    public mutating func include(_ more: [ParameterDefinition]) {
        let have = Set(definitions.map(\.name))
        definitions += more.filter { !have.contains($0.name) }
    }

    /// Parses `key=value` arguments; the key may be any unambiguous dotted
    /// suffix of a full name (`sigma_strong=3` for `spotfinder.sigma_strong`).
    public mutating func parse(_ arguments: [String]) throws {
        for arg in arguments {
            guard let eq = arg.firstIndex(of: "="), eq != arg.startIndex else { throw ParameterError.malformed(arg) }
            let key = String(arg[..<eq]).trimmingSpaces
            let value = String(arg[arg.index(after: eq)...]).trimmingSpaces
            try set(key, value)
        }
    }

    /// Sets one parameter by (possibly abbreviated) name.
    public mutating func set(_ key: String, _ value: String) throws {
        let def = try resolve(key)
        let v = try Self.validate(value, for: def)
        if given[def.name] == nil { givenOrder.append(def.name) }
        given[def.name] = v
    }

    /// The definition a (possibly abbreviated) name refers to.
    public func resolve(_ key: String) throws -> ParameterDefinition {
        if let d = definitions.first(where: { $0.name == key }) { return d }
        let matches = definitions.filter { $0.name.hasSuffix("." + key) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw ParameterError.ambiguous(key, candidates: matches.map(\.name)) }
        throw ParameterError.unknown(key, suggestions: suggestions(for: key))
    }

    /// The value in force (given, else default) as text.
    public func text(_ name: String) -> String {
        precondition(definitions.contains { $0.name == name }, "no parameter named \(name)")
        return given[name] ?? definitions.first { $0.name == name }!.defaultValue
    }
    /// Whether the value is `Auto` or `None` (decided at run time, or absent).
    public func isAutoOrNone(_ name: String) -> Bool {
        let t = text(name).lowercased()
        return t == "auto" || t == "none" || t.isEmpty
    }
    public func int(_ name: String) -> Int? { isAutoOrNone(name) ? nil : Int(text(name)) }
    public func double(_ name: String) -> Double? { isAutoOrNone(name) ? nil : Double(text(name)) }
    public func bool(_ name: String) -> Bool? {
        isAutoOrNone(name) ? nil : Self.parseBool(text(name))
    }
    public func string(_ name: String) -> String? { isAutoOrNone(name) ? nil : text(name) }
    public func doubles(_ name: String) -> [Double]? {
        isAutoOrNone(name) ? nil : Self.splitList(text(name)).compactMap(Double.init)
    }
    public func ints(_ name: String) -> [Int]? {
        isAutoOrNone(name) ? nil : Self.splitList(text(name)).compactMap { Int($0) }
    }

    /// Every parameter, its default and help: the `--show-config` listing.
    public func configListing(showValues: Bool = true) -> String {
        let width = min(44, (definitions.map { $0.name.count }.max() ?? 0) + 2)
        return definitions.map { d in
            let value = showValues ? text(d.name) : d.defaultValue
            let lhs = "\(d.name) = \(value)"
            let pad = lhs.count < width + 12 ? String(repeating: " ", count: width + 12 - lhs.count) : "  "
            return "\(lhs)\(pad)# \(d.type.typeName): \(d.help)"
        }.joined(separator: "\n")
    }

    /// The explicitly given parameters that differ from their defaults, as
    /// `key=value` lines: the "diff" a log opens with.
    public var nonDefaultLines: [String] {
        givenOrder.compactMap { name in
            let d = definitions.first { $0.name == name }!
            return given[name] == d.defaultValue ? nil : "\(name)=\(given[name]!)"
        }
    }

    // MARK: validation

    static func validate(_ raw: String, for d: ParameterDefinition) throws -> String {
        let bad = { (expected: String) in ParameterError.invalidValue(name: d.name, value: raw, expected: expected) }
        let lower = raw.lowercased()
        if lower == "auto" || lower == "none" {
            // Only parameters whose default is Auto/None may be set back to it.
            let dl = d.defaultValue.lowercased()
            if dl == "auto" || dl == "none" { return d.defaultValue }
            if lower == "none" && d.acceptsNone { return "None" }
        }
        switch d.type {
        case .int(let lo, let hi):
            guard let v = Int(raw) else { throw bad("a whole number") }
            if let lo, v < lo { throw bad("a whole number ≥ \(lo)") }
            if let hi, v > hi { throw bad("a whole number ≤ \(hi)") }
        case .double(let lo, let hi):
            guard let v = Double(raw), v.isFinite else { throw bad("a number") }
            if let lo, v < lo { throw bad("a number ≥ \(lo)") }
            if let hi, v > hi { throw bad("a number ≤ \(hi)") }
        case .bool:
            guard let b = parseBool(raw) else { throw bad("True or False") }
            return b ? "True" : "False"
        case .string:
            guard !raw.isEmpty else { throw bad("a non-empty value") }
        case .choice(let words):
            guard let w = words.first(where: { $0.lowercased() == lower }) else {
                throw bad("one of \(words.joined(separator: ", "))")
            }
            return w
        case .doubles(let n):
            let parts = splitList(raw)
            guard parts.allSatisfy({ Double($0) != nil }), !parts.isEmpty else { throw bad("numbers separated by commas") }
            if let n, parts.count != n { throw bad("\(n) numbers separated by commas") }
            return parts.joined(separator: ",")
        case .ints(let n):
            let parts = splitList(raw)
            guard parts.allSatisfy({ Int($0) != nil }), !parts.isEmpty else { throw bad("whole numbers separated by commas") }
            if let n, parts.count != n { throw bad("\(n) whole numbers separated by commas") }
            return parts.joined(separator: ",")
        }
        return raw
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: return nil
        }
    }

    static func splitList(_ s: String) -> [String] {
        s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    /// Up to three names closest to `key` by edit distance on the full name
    /// and on its last component.
    func suggestions(for key: String) -> [String] {
        let scored = definitions.map { d -> (String, Int) in
            let leaf = String(d.name.split(separator: ".").last ?? "")
            let keyLeaf = String(key.split(separator: ".").last ?? Substring(key))
            return (d.name, min(editDistance(key, d.name), editDistance(keyLeaf, leaf)))
        }
        let limit = max(2, key.count / 3)
        return scored.filter { $0.1 <= limit }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            .prefix(3).map(\.0)
    }
}


extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
