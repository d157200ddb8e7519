// SpaceGroupTable: every space-group setting of CCP4's syminfo.lib, parsed
// once, and lookup by number, Hermann–Mauguin or Hall symbol.
import Foundation
import MXModel

/// The space groups of CCP4's `syminfo.lib` (all 230 types plus CCP4's
/// alternative settings, 540 blocks in CCP4 8). The file is CCP4's
/// maintained table of operators, symbols and reciprocal asymmetric units;
/// reading it beats a hand-typed table. Debian's `libccp4-data` installs it
/// at `/usr/share/ccp4/syminfo.lib`.
public struct SpaceGroupTable: Sendable {
    /// Settings in file order (the standard setting of each number comes first).
    public let groups: [SpaceGroup]
    /// Where the table was read from.
    public let path: String

    /// Path used when neither `MXFLOW_SYMINFO` nor CCP4's `SYMINFO` is set.
    public static let defaultPath = "/usr/share/ccp4/syminfo.lib"

    /// The path `shared()` reads: `$MXFLOW_SYMINFO`, else `$SYMINFO` (CCP4's
    /// own variable), else `defaultPath`.
    public static var configuredPath: String {
        let env = ProcessInfo.processInfo.environment
        return env["MXFLOW_SYMINFO"] ?? env["SYMINFO"] ?? defaultPath
    }

    private static let cached: Result<SpaceGroupTable, SymmetryError> = {
        do { return .success(try SpaceGroupTable(contentsOf: configuredPath)) } catch let e as SymmetryError {
            return .failure(e)
        } catch { return .failure(.syminfoNotFound(path: configuredPath)) }
    }()

    /// The process-wide table, read on first use from `configuredPath`.
    /// - Throws: `SymmetryError.syminfoNotFound` (install libccp4-data) or `.syminfoMalformed`.
    public static func shared() throws -> SpaceGroupTable { try cached.get() }

    /// Reads and parses a syminfo.lib file.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path),
              let data = FileManager.default.contents(atPath: path) else {
            throw SymmetryError.syminfoNotFound(path: path)
        }
        try self.init(text: String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses syminfo.lib text (`path` names it in error messages).
    ///
    /// Works on the UTF-8 bytes, splitting at ASCII white space (the file is
    /// ASCII): with Swift's Character-by-Character string handling, reading
    /// the table's 14 500 lines took a tenth of a second at the start of every step.
    public init(text: String, path: String = "syminfo.lib") throws {
        var groups: [SpaceGroup] = []
        var block: [String: [String]] = [:]    // keyword → its lines' remainders
        var symops: [SymmetryOperation] = []
        var cenops: [SymmetryOperation] = []
        var inBlock = false
        var blockStart = 0
        let bytes = Array(text.utf8)
        var lineNumber = 0
        var lineStart = 0
        while lineStart <= bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            let line = Self.trimmed(bytes[lineStart..<lineEnd])
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            let keywordEnd = line.firstIndex(where: Self.isSpace) ?? line.endIndex
            let keyword = String(decoding: line[..<keywordEnd], as: UTF8.self)
            let restBytes = Self.trimmed(line[keywordEnd...])
            let rest = String(decoding: restBytes, as: UTF8.self)
            switch keyword {
            case "begin_spacegroup":
                inBlock = true; blockStart = lineNumber
                block = [:]; symops = []; cenops = []
            case "end_spacegroup":
                guard inBlock else {
                    throw SymmetryError.syminfoMalformed(path: path, line: lineNumber, reason: "end_spacegroup without begin_spacegroup")
                }
                inBlock = false
                do {
                    groups.append(try SpaceGroup(fields: block, symops: symops, cenops: cenops))
                } catch let SymmetryError.badOperation(op) {
                    throw SymmetryError.syminfoMalformed(path: path, line: blockStart, reason: "bad operator '\(op)'")
                } catch SymmetryError.syminfoMalformed(_, _, let reason) {
                    throw SymmetryError.syminfoMalformed(path: path, line: blockStart, reason: reason)
                }
            case "symop", "cenop":
                guard inBlock else { continue }
                do {
                    let op = try SymmetryOperation(parsing: rest)
                    if keyword == "symop" { symops.append(op) } else { cenops.append(op) }
                } catch {
                    throw SymmetryError.syminfoMalformed(path: path, line: lineNumber, reason: "bad operator '\(rest)'")
                }
            default:
                guard inBlock else { continue }
                // "symbol xHM 'P 1'" is keyed "symbol xHM"; others by keyword alone.
                if keyword == "symbol" || keyword == "hklasu" {
                    let subEnd = restBytes.firstIndex(where: Self.isSpace) ?? restBytes.endIndex
                    let sub = String(decoding: restBytes[..<subEnd], as: UTF8.self)
                    block["\(keyword) \(sub)", default: []].append(String(decoding: Self.trimmed(restBytes[subEnd...]), as: UTF8.self))
                } else {
                    block[keyword, default: []].append(rest)
                }
            }
        }
        guard !groups.isEmpty else {
            throw SymmetryError.syminfoMalformed(path: path, line: 0, reason: "no begin_spacegroup blocks found")
        }
        self.groups = groups
        self.path = path
    }

    /// ASCII white space (space, tab, line feed, vertical tab, form feed, carriage return).
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

    /// `bytes` without leading and trailing ASCII white space.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return bytes[bytes.endIndex...] }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return bytes[first...last]
    }

    // MARK: lookup

    /// The space group named by `symbol`, tried in this order:
    /// a number 1–230 (its standard setting, the first block of that number);
    /// an extended Hermann–Mauguin symbol, spaced or compact, with optional
    /// parentheses around screw subscripts (`P 43 21 2`, `P43212`,
    /// `P4(3)2(1)2`); the short monoclinic form (`C2`, `P21` for `P 1 21 1`);
    /// CCP4's old symbols (`H3`, `P21212A`); a Hall symbol (`' P 4nw 2abw'`,
    /// leading/trailing spaces ignored). Rhombohedral symbols without `:H` or
    /// `:R` give the hexagonal setting, as cctbx and gemmi do; centrosymmetric
    /// symbols without `:1`/`:2` give origin choice 1 (ITA's first). Exact case is
    /// preferred, then a case-insensitive match.
    /// - Throws: `SymmetryError.unknownSpaceGroup`.
    public func spaceGroup(_ symbol: String) throws -> SpaceGroup {
        let trimmed = symbol.trimmingCharacters(in: .whitespaces)
        if let n = Int(trimmed) {
            if let g = groups.first(where: { $0.number == n }) { return g }
            throw SymmetryError.unknownSpaceGroup(symbol)
        }
        for caseSensitive in [true, false] {
            let key = Self.compact(trimmed, caseSensitive: caseSensitive)
            if let g = groups.first(where: { Self.compact($0.xHM, caseSensitive: caseSensitive) == key }) { return g }
            if let g = groups.first(where: { Self.compact($0.xHMWithoutSettingSuffix, caseSensitive: caseSensitive) == key }) { return g }
            if let g = groups.first(where: { $0.shortMonoclinicSymbol.map { Self.compact($0, caseSensitive: caseSensitive) } == key }) { return g }
            if let g = groups.first(where: { $0.oldSymbols.contains { Self.compact($0, caseSensitive: caseSensitive) == key } }) { return g }
            let hall = Self.collapsedHall(trimmed, caseSensitive: caseSensitive)
            if let g = groups.first(where: { Self.collapsedHall($0.hall, caseSensitive: caseSensitive) == hall }) { return g }
        }
        throw SymmetryError.unknownSpaceGroup(symbol)
    }

    /// The setting with CCP4 number `ccp4Number` (e.g. 1003 for P 1 1 2), as MTZ headers store it.
    /// The group with this Hall symbol (spaces collapsed), tried before any
    /// other reading: compacted, a Hall symbol can spell a different group's
    /// Hermann–Mauguin symbol (" P 4 2" is P 4 2 2, while "P42" is P 42).
    /// Falls back to `spaceGroup(_:)` for a symbol that is no Hall symbol of the table.
    public func spaceGroup(hall symbol: String) throws -> SpaceGroup {
        let hall = Self.collapsedHall(symbol, caseSensitive: true)
        if let g = groups.first(where: { Self.collapsedHall($0.hall, caseSensitive: true) == hall }) { return g }
        return try spaceGroup(symbol)
    }

    public func spaceGroup(ccp4Number: Int) throws -> SpaceGroup {
        guard ccp4Number > 0, let g = groups.first(where: { $0.ccp4Number == ccp4Number }) else {
            throw SymmetryError.unknownSpaceGroup(String(ccp4Number))
        }
        return g
    }

    /// The setting whose operator set equals `operations` (order and
    /// translations modulo 1 ignored); nil when none does.
    public func spaceGroup(matching operations: [SymmetryOperation]) -> SpaceGroup? {
        let wanted = Set(operations.map { $0.normalized })
        return groups.first { Set($0.operations) == wanted }
    }

    /// Symbol without spaces, underscores or parentheses.
    static func compact(_ s: String, caseSensitive: Bool) -> String {
        let c = s.filter { !$0.isWhitespace && $0 != "(" && $0 != ")" && $0 != "_" && $0 != "'" }
        return caseSensitive ? c : c.uppercased()
    }
    /// Hall symbol with runs of spaces collapsed and the ends trimmed.
    static func collapsedHall(_ s: String, caseSensitive: Bool) -> String {
        let c = s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return caseSensitive ? c : c.uppercased()
    }
}

extension SpaceGroup {
    /// Convenience: `try SpaceGroup("P 43 21 2")` looks the symbol up in `SpaceGroupTable.shared()`.
    public init(_ symbol: String) throws {
        self = try SpaceGroupTable.shared().spaceGroup(symbol)
    }
    /// The standard setting of space-group number `number` (1–230).
    public init(number: Int) throws {
        self = try SpaceGroupTable.shared().spaceGroup(String(number))
    }
}

extension Crystal {
    /// The crystal's space group, looked up by its Hall symbol (as dxtbx
    /// writes it, e.g. `" P 4nw 2abw"`; every standard-setting Hall symbol
    /// of cctbx is in syminfo.lib).
    /// - Throws: `SymmetryError.unknownSpaceGroup`, or the table's load error.
    public func spaceGroup(in table: SpaceGroupTable? = nil) throws -> SpaceGroup {
        try (table ?? SpaceGroupTable.shared()).spaceGroup(hall: spaceGroupHall)
    }
}
