// ImageInput: turning what a user names on the command line (files, a `#`
// template, a folder) into sweeps to import, recognising formats by content.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One sweep to import: a NeXus master file, or a numbered series of CBF
/// images (sorted by number) sharing one template.
public enum ImageInput: Equatable, Sendable {
    case nexus(master: String)
    case cbfSeries(template: String, paths: [String])
}

/// Why the inputs could not be turned into sweeps.
public enum ImageInputError: Error, Equatable, CustomStringConvertible {
    case nothingGiven
    case templateMatchesNothing(template: String)
    case folderHasNoImages(folder: String)

    public var description: String {
        switch self {
        case .nothingGiven:
            return "no images given: name a NeXus master file, CBF images, a template such as x_#####.cbf, or a folder"
        case .templateMatchesNothing(let t): return "\(t): no image files match this template"
        case .folderHasNoImages(let f):
            return "\(f): the folder holds no NeXus master file (*_master.h5, *.nxs) and no CBF images"
        }
    }
}

/// The file formats recognised by their first bytes.
public enum ImageFileFormat: Equatable, Sendable {
    case hdf5, cbf

    /// HDF5 files begin with the 8-byte signature \x89HDF\r\n\x1a\n (HDF5
    /// file format specification, "Format Signature"); CBF files with the
    /// magic line "###CBF" (CBF 1.x specification, section 2.2).
    public static func sniff(_ path: String) throws -> ImageFileFormat {
        var st = stat()
        guard stat(path, &st) == 0 else { throw ImageReadError.fileMissing(path: path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw ImageReadError.notRecognised(path: path, reason: "it is not a regular file")
        }
        guard let f = fopen(path, "rb") else {
            throw ImageReadError.notRecognised(path: path, reason: "it cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, 8, f) }
        if n == 8, head == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] { return .hdf5 }
        if n >= 6, Array(head[0..<6]) == Array("###CBF".utf8) { return .cbf }
        throw ImageReadError.notRecognised(path: path,
            reason: "neither an HDF5/NeXus file nor a CBF image")
    }
}

extension ImageInput {
    /// Resolves command-line inputs into sweeps, in the order given.
    /// - A `#` template expands to the files whose names match it with digits.
    /// - A folder contributes its NeXus master files, or failing those its
    ///   CBF images; HDF5 data files (`*_data_000001.h5`) are reached through
    ///   their master and are not imported on their own.
    /// - Files are recognised by content; CBF files are grouped into series
    ///   by template (the last run of digits in the name replaced by `#`).
    public static func resolve(_ arguments: [String]) throws -> [ImageInput] {
        guard !arguments.isEmpty else { throw ImageInputError.nothingGiven }
        var files: [String] = []
        for arg in arguments {
            if arg.contains("#") {
                let matches = try expandTemplate(arg)
                guard !matches.isEmpty else { throw ImageInputError.templateMatchesNothing(template: arg) }
                files += matches
            } else if isFolder(arg) {
                files += try folderImages(arg)
            } else {
                files.append(arg)
            }
        }
        var inputs: [ImageInput] = []
        var cbfGroups: [String: [String]] = [:]
        var order: [String] = []
        for path in files {
            switch try ImageFileFormat.sniff(path) {
            case .hdf5:
                let master = ExperimentListCodec.absolutePath(path)
                if !inputs.contains(.nexus(master: master)) { inputs.append(.nexus(master: master)) }
            case .cbf:
                let absolute = ExperimentListCodec.absolutePath(path)
                let t = template(of: absolute)
                if cbfGroups[t] == nil {
                    order.append(t)
                    inputs.append(.cbfSeries(template: t, paths: []))
                }
                if !(cbfGroups[t] ?? []).contains(absolute) { cbfGroups[t, default: []].append(absolute) }
            }
        }
        // Fill each CBF series, ordered by image number and split where
        // numbers jump: dials.import makes one sweep per consecutive run.
        return inputs.flatMap { input -> [ImageInput] in
            guard case .cbfSeries(let t, _) = input else { return [input] }
            let sorted = cbfGroups[t]!.sorted { (imageNumber($0) ?? 0, $0) < (imageNumber($1) ?? 0, $1) }
            var runs: [[String]] = []
            for path in sorted {
                if let previous = runs.last?.last, let a = imageNumber(previous), let b = imageNumber(path), b == a + 1 {
                    runs[runs.count - 1].append(path)
                } else {
                    runs.append([path])
                }
            }
            return runs.map { .cbfSeries(template: t, paths: $0) }
        }
    }

    /// The template of a numbered file: the last run of digits in the file
    /// name (not the folder) replaced by as many `#`, as dxtbx forms it.
    public static func template(of path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        var chars = Array(path[slash...])
        guard let last = chars.lastIndex(where: { $0.isASCII && $0.isNumber }) else { return path }
        var first = last
        while first > 0, chars[first - 1].isASCII, chars[first - 1].isNumber { first -= 1 }
        for i in first...last { chars[i] = "#" }
        return String(path[..<slash]) + String(chars)
    }

    /// The number in a file name at the position of its template's `#`s.
    static func imageNumber(_ path: String) -> Int? {
        let t = template(of: path)
        guard let first = t.firstIndex(of: "#"), let last = t.lastIndex(of: "#") else { return nil }
        let a = t.distance(from: t.startIndex, to: first), b = t.distance(from: t.startIndex, to: last)
        let chars = Array(path)
        guard chars.count == t.count else { return nil }
        return Int(String(chars[a...b]))
    }

    /// Files in the template's folder whose names match it, with exactly as
    /// many digits as there are `#`s; sorted by number.
    static func expandTemplate(_ t: String) throws -> [String] {
        let slash = t.lastIndex(of: "/")
        let folder = slash.map { String(t[..<$0]) } ?? "."
        let pattern = Array(slash.map { String(t[t.index(after: $0)...]) } ?? t)
        guard !folder.contains("#") else { throw ImageInputError.templateMatchesNothing(template: t) }
        let names = try listFolder(folder.isEmpty ? "/" : folder)
        let matched = names.filter { name in
            let n = Array(name)
            guard n.count == pattern.count else { return false }
            return zip(n, pattern).allSatisfy { c, p in p == "#" ? (c.isASCII && c.isNumber) : c == p }
        }
        let hashes = pattern.enumerated().filter { $0.element == "#" }.map(\.offset)
        func number(_ name: String) -> Int { Int(String(hashes.map { Array(name)[$0] })) ?? 0 }
        return matched.sorted { number($0) < number($1) }.map { (slash == nil ? "" : folder + "/") + $0 }
    }

    /// A folder's importable files: NeXus masters if any, else CBF images.
    static func folderImages(_ folder: String) throws -> [String] {
        let names = try listFolder(folder).sorted()
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        let masters = names.filter { $0.hasSuffix("_master.h5") || $0.hasSuffix(".nxs") }
        if !masters.isEmpty { return masters.map { base + $0 } }
        let cbfs = names.filter { $0.hasSuffix(".cbf") }
        guard !cbfs.isEmpty else { throw ImageInputError.folderHasNoImages(folder: folder) }
        return cbfs.map { base + $0 }
    }

    static func isFolder(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a folder (not `.`/`..`, not hidden files).
    static func listFolder(_ folder: String) throws -> [String] {
        guard let dir = opendir(folder) else {
            throw ImageReadError.fileMissing(path: folder)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }
}
