// SimulationSpaceGroup: the symmetry operations the simulator needs, read from
// CCP4's syminfo.lib (lookup by name or number, operations, Laue mapping).
import Foundation
import MXMath

/// One space group: its operations x′ = R·x + t (fractional), with centring
/// already applied, plus the names the truth file reports.
public struct SimulationSpaceGroup: Sendable {
    public struct Operation: Sendable, Equatable {
        /// Rotation part, integer entries, row-major.
        public var r: [Int]
        /// Translation part, fractional.
        public var t: Vec3
    }
    public var number: Int
    public var hermannMauguin: String
    public var hall: String
    public var laueGroup: String
    public var pointGroup: String
    public var operations: [Operation]

    /// Candidate locations of CCP4's table ($CLIBD first, as CCP4 programs do).
    static var tablePaths: [String] {
        var p: [String] = []
        if let c = ProcessInfo.processInfo.environment["CLIBD"] { p.append(c + "/syminfo.lib") }
        p.append("/usr/share/ccp4/syminfo.lib")
        return p
    }

    /// A table entry: the group and every name it answers to (spaces removed, upper case).
    struct Entry: Sendable { let group: SimulationSpaceGroup; let names: [String] }

    /// Every entry of syminfo.lib, parsed once.
    static let table: [Entry] = {
        guard let path = tablePaths.first(where: { FileManager.default.fileExists(atPath: $0) }),
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var entries: [Entry] = []
        for block in text.components(separatedBy: "begin_spacegroup").dropFirst() {
            var number = 0, hm = "", hall = "", laue = "", pgrp = ""
            var names: [String] = []
            var symops: [Operation] = [], cenops: [Vec3] = []
            for raw in block.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("number") { number = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0 }
                let quoted = line.split(separator: "'").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
                if line.hasPrefix("symbol xHM") { hm = quoted.first ?? ""; names += quoted }
                if line.hasPrefix("symbol old") { names += quoted }
                if line.hasPrefix("symbol Hall") { hall = quoted.first ?? "" }
                if line.hasPrefix("symbol laue") { laue = quoted.last ?? "" }
                if line.hasPrefix("symbol pgrp") { pgrp = quoted.last ?? "" }
                if line.hasPrefix("symop "), let op = try? parseOperation(String(line.dropFirst(6))) { symops.append(op) }
                if line.hasPrefix("cenop "), let op = try? parseOperation(String(line.dropFirst(6))) { cenops.append(op.t) }
                if line.hasPrefix("end_spacegroup") { break }
            }
            // Short monoclinic symbols: "C 1 2 1" also answers to "C2".
            let tokens = hm.split(separator: " ")
            if tokens.count == 4, tokens.dropFirst().filter({ $0 == "1" }).count == 2 {
                names.append(tokens.filter { $0 != "1" }.joined(separator: " "))
            }
            var ops: [Operation] = []
            for c in cenops { for s in symops {
                let t = s.t + c
                ops.append(Operation(r: s.r, t: Vec3(t.x - floor(t.x), t.y - floor(t.y), t.z - floor(t.z))))
            } }
            let g = SimulationSpaceGroup(number: number, hermannMauguin: hm, hall: hall, laueGroup: laue,
                                         pointGroup: pgrp, operations: ops)
            entries.append(Entry(group: g, names: names.map { $0.replacingOccurrences(of: " ", with: "").uppercased() }))
        }
        return entries
    }()

    /// The space group named `name` ("P43212", "P 43 21 2", "C2", "19");
    /// for numbers the first table entry (the standard setting) wins.
    public static func lookup(_ name: String) throws -> SimulationSpaceGroup {
        if table.isEmpty { throw SimulationError.unknownSpaceGroup(name + " (no CCP4 syminfo.lib found)") }
        let wanted = name.replacingOccurrences(of: " ", with: "").uppercased()
        if let n = Int(wanted), let e = table.first(where: { $0.group.number == n }) { return e.group }
        if let e = table.first(where: { $0.names.contains(wanted) }) { return e.group }
        throw SimulationError.unknownSpaceGroup(name)
    }

    /// Parses "-x+1/2,y,z+1/4".
    static func parseOperation(_ s: String) throws -> Operation {
        let parts = s.lowercased().replacingOccurrences(of: " ", with: "").split(separator: ",")
        guard parts.count == 3 else { throw SimulationError.unknownSpaceGroup("bad operation \(s)") }
        var r = [Int](repeating: 0, count: 9), t = [0.0, 0.0, 0.0]
        for (row, p) in parts.enumerated() {
            var sign = 1.0, i = p.startIndex
            while i < p.endIndex {
                let c = p[i]
                if c == "+" { sign = 1; i = p.index(after: i); continue }
                if c == "-" { sign = -1; i = p.index(after: i); continue }
                if let col = "xyz".firstIndex(of: c) {
                    r[3 * row + "xyz".distance(from: "xyz".startIndex, to: col)] = Int(sign)
                    sign = 1; i = p.index(after: i); continue
                }
                var j = i
                while j < p.endIndex, p[j].isNumber || p[j] == "/" || p[j] == "." { j = p.index(after: j) }
                let frac = p[i..<j].split(separator: "/")
                let v = frac.count == 2 ? (Double(frac[0]) ?? 0) / (Double(frac[1]) ?? 1) : Double(frac[0]) ?? 0
                t[row] += sign * v
                sign = 1
                i = j == i ? p.index(after: i) : j
            }
        }
        return Operation(r: r, t: Vec3(t))
    }

    /// Whether the group has a centre of symmetry.
    public var isCentrosymmetric: Bool {
        operations.contains { $0.r == [-1, 0, 0, 0, -1, 0, 0, 0, -1] }
    }

    /// h·R for each distinct rotation (Miller indices transform by Rᵀ).
    public func equivalents(of h: (Int, Int, Int)) -> [(Int, Int, Int)] {
        var out: [(Int, Int, Int)] = []
        for op in operations {
            let r = op.r
            let e = (h.0 * r[0] + h.1 * r[3] + h.2 * r[6], h.0 * r[1] + h.1 * r[4] + h.2 * r[7],
                     h.0 * r[2] + h.1 * r[5] + h.2 * r[8])
            if !out.contains(where: { $0 == e }) { out.append(e) }
        }
        return out
    }

    /// Representative of h's orbit under the Laue group (point group plus
    /// Friedel): the lexicographically largest equivalent, with whether h
    /// maps to it by a proper rotation (+, I(+)) or with inversion (−, I(−)).
    public func laueRepresentative(of h: (Int, Int, Int)) -> (hkl: (Int, Int, Int), plus: Bool) {
        var best = h, plus = true, first = true
        for e in equivalents(of: h) {
            for (c, p) in [(e, true), ((-e.0, -e.1, -e.2), false)] {
                if first || c > best || (c == best && p && !plus) { best = c; plus = p; first = false }
            }
        }
        return (best, plus)
    }

    /// Whether h is centric: some operation maps h to −h.
    public func isCentric(_ h: (Int, Int, Int)) -> Bool {
        equivalents(of: h).contains { $0 == (-h.0, -h.1, -h.2) }
    }

    /// Whether h is systematically absent: an operation fixes h but gives it a
    /// phase shift 2π h·t that is not a whole turn.
    public func isAbsent(_ h: (Int, Int, Int)) -> Bool {
        for op in operations {
            let r = op.r
            let e = (h.0 * r[0] + h.1 * r[3] + h.2 * r[6], h.0 * r[1] + h.1 * r[4] + h.2 * r[7],
                     h.0 * r[2] + h.1 * r[5] + h.2 * r[8])
            guard e == h else { continue }
            let phase = Double(h.0) * op.t.x + Double(h.1) * op.t.y + Double(h.2) * op.t.z
            if abs(phase - phase.rounded()) > 1e-6 { return true }
        }
        return false
    }
}
