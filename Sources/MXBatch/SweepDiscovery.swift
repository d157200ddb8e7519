// SweepDiscovery: the sweeps in list files, folders and globs (NXmx masters and numbered CBF series).
import Foundation
import MXFormats
#if canImport(Glibc)
import Glibc
#endif

/// One rotation sweep to process.
public struct Sweep: Equatable, Sendable {
    public enum Kind: String, Sendable { case nxmx, cbf }
    /// Short unique name: the output folder's name (`x_master.h5` → `x`,
    /// `x_#####.cbf` → `x`).
    public var name: String
    public var kind: Kind
    /// Absolute path: the master file, or the CBF template with `#` for the number.
    public var path: String
    /// The CBF frames found (absolute, in number order); empty for NXmx.
    public var frames: [String]

    public init(name: String, kind: Kind, path: String, frames: [String] = []) {
        self.name = name; self.kind = kind; self.path = path; self.frames = frames
    }
}

/// Finds sweeps. Inputs are folders (searched recursively), globs, image
/// files, CBF templates, or list files (one input per line, `#` comments,
/// relative paths read from the list's folder).
public enum SweepDiscovery {
    /// The sweeps named by `inputs`, in path order, with unique names.
    /// - Parameter skipping: folders not to search (the batch's own output).
    /// - Throws: `BatchError.missingInputs` when any input does not exist
    ///   (all of them listed); `.notASweep` for a file named directly that is
    ///   neither an image nor a list; `.noSweeps` when nothing was found.
    public static func discover(_ inputs: [String], skipping: [String] = [],
                                warn: (String) -> Void = { _ in }) throws -> [Sweep] {
        var files: [String] = []
        var missing: [(path: String, list: String?)] = []
        let skip = Set(skipping.map(absolute))
        for input in inputs {
            try expand(input, base: FileManager.default.currentDirectoryPath, listFile: nil, skip: skip,
                       into: &files, missing: &missing)
        }
        if !missing.isEmpty {
            // Report the list file when every missing path came from one.
            throw BatchError.missingInputs(missing.map(\.path), listFile: Set(missing.map(\.list)).count == 1 ? missing[0].list : nil)
        }
        let sweeps = group(files, warn: warn)
        if sweeps.isEmpty { throw BatchError.noSweeps(inputs: inputs) }
        return sweeps
    }

    /// Sweeps among `files` (absolute paths): NXmx masters after checking
    /// for an NXmx entry, CBF frames grouped by folder, prefix and number width.
    public static func group(_ files: [String], warn: (String) -> Void = { _ in }) -> [Sweep] {
        var sweeps: [Sweep] = []
        var cbf: [String: (prefix: String, dir: String, width: Int, frames: [(Int, String)])] = [:]
        for f in Set(files).sorted() {
            let name = (f as NSString).lastPathComponent
            if isNXmxCandidate(name) {
                if hasNXmxEntry(f) {
                    let stem = name.hasSuffix("_master.h5") ? String(name.dropLast("_master.h5".count))
                        : (name as NSString).deletingPathExtension
                    sweeps.append(Sweep(name: stem, kind: .nxmx, path: f))
                } else {
                    warn("skipping \(f): no NXentry with definition NXmx")
                }
            } else if let (prefix, number, width) = cbfNumbered(name) {
                let dir = (f as NSString).deletingLastPathComponent
                let key = dir + "/" + prefix + "#\(width)"
                cbf[key, default: (prefix, dir, width, [])].frames.append((number, f))
            }
        }
        for (_, g) in cbf {
            let template = g.dir + "/" + g.prefix + String(repeating: "#", count: g.width) + ".cbf"
            var stem = g.prefix
            while let last = stem.last, "_.-".contains(last) { stem.removeLast() }
            if stem.isEmpty { stem = (g.dir as NSString).lastPathComponent }
            sweeps.append(Sweep(name: stem, kind: .cbf, path: template,
                                frames: g.frames.sorted { $0.0 < $1.0 }.map(\.1)))
        }
        sweeps.sort { $0.path < $1.path }
        return uniquelyNamed(sweeps, taken: [])
    }

    /// Renames sweeps whose name repeats one before it or one in `taken`
    /// (`x`, `x_2`, `x_3` …), so each gets its own output folder.
    public static func uniquelyNamed(_ sweeps: [Sweep], taken: Set<String>) -> [Sweep] {
        var used = taken
        return sweeps.map { s in
            var out = s
            out.name = sanitised(s.name)
            if used.contains(out.name) {
                var k = 2
                while used.contains("\(out.name)_\(k)") { k += 1 }
                out.name = "\(out.name)_\(k)"
            }
            used.insert(out.name)
            return out
        }
    }

    // MARK: inputs

    private static func expand(_ input: String, base: String, listFile: String?, skip: Set<String>,
                               into files: inout [String], missing: inout [(path: String, list: String?)]) throws {
        let path = input.hasPrefix("/") ? input : base + "/" + input
        if (input as NSString).lastPathComponent.contains("#") {
            // A CBF template: its frames, whatever the number.
            let dir = (path as NSString).deletingLastPathComponent
            let pattern = (path as NSString).lastPathComponent.replacingOccurrences(of: "#", with: "[0-9]")
            let hits = glob(dir + "/" + pattern)
            if hits.isEmpty { missing.append((input, listFile)) }
            files += hits
            return
        }
        if input.contains(where: { "*?[".contains($0) }) {
            let hits = glob(path)
            if hits.isEmpty { missing.append((input, listFile)) }
            for h in hits { try expand(h, base: base, listFile: listFile, skip: skip, into: &files, missing: &missing) }
            return
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            missing.append((input, listFile)); return
        }
        let abs = absolute(path)
        if isDir.boolValue {
            files += walk(abs, skip: skip)
            return
        }
        let name = (abs as NSString).lastPathComponent
        if isNXmxCandidate(name) || cbfNumbered(name) != nil { files.append(abs); return }
        if name.hasSuffix(".h5") || name.hasSuffix(".cbf") {
            throw BatchError.notASweep(path: abs, reason: "name a master file (x_master.h5) or a numbered CBF frame")
        }
        // Anything else is a list of inputs.
        guard let bytes = AtomicFile.readAll(abs), let text = String(bytes: bytes, encoding: .utf8) else {
            throw BatchError.notASweep(path: abs, reason: "neither an image nor a readable text list of sweeps")
        }
        let listDir = (abs as NSString).deletingLastPathComponent
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            try expand(line, base: listDir, listFile: abs, skip: skip, into: &files, missing: &missing)
        }
    }

    /// Every regular file under `dir`, not entering hidden folders or `skip`.
    static func walk(_ dir: String, skip: Set<String>) -> [String] {
        var out: [String] = []
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return out }
        for n in names.sorted() where !n.hasPrefix(".") {
            let p = dir + "/" + n
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                if !skip.contains(p) { out += walk(p, skip: skip) }
            } else {
                out.append(p)
            }
        }
        return out
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { absolute(String(cString: $0)) } }.sorted()
    }

    static func absolute(_ p: String) -> String {
        let full = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        return (full as NSString).standardizingPath
    }

    // MARK: recognising files

    static func isNXmxCandidate(_ name: String) -> Bool { name.hasSuffix("_master.h5") || name.hasSuffix(".nxs") }

    /// `x_00012.cbf` → ("x_", 12, 5); nil for a CBF name without a number.
    static func cbfNumbered(_ name: String) -> (prefix: String, number: Int, width: Int)? {
        guard name.hasSuffix(".cbf") else { return nil }
        let stem = name.dropLast(4)
        let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let n = Int(String(digits.reversed())) else { return nil }
        return (String(stem.dropLast(digits.count)), n, digits.count)
    }

    /// Whether an HDF5 file has an NXentry whose definition is NXmx.
    public static func hasNXmxEntry(_ path: String) -> Bool {
        guard let file = try? HDF5File(readingAt: path), let root = try? file.root() else { return false }
        for name in root.childNames {
            let p = root.childPath(name)
            guard (try? file.kind(of: p)) == .group, (try? file.group(p))?.nxClass == "NXentry" else { continue }
            if let d = (try? file.datasetIfPresent(p + "/definition")) ?? nil,
               let text = try? d.readString(), text.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters)) == "NXmx" {
                return true
            }
        }
        return false
    }

    static func sanitised(_ name: String) -> String {
        let s = String(name.map { $0.isLetter || $0.isNumber || "_-.".contains($0) ? $0 : "_" })
        return s.isEmpty || s.hasPrefix(".") ? "sweep" + s : s
    }
}
