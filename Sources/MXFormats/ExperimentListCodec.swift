// ExperimentListCodec: reading and writing `.expt` files in the dxtbx/DIALS JSON layout.
import MXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A problem reading or writing an experiment list, naming the file and the
/// field (as a path into the document, e.g. `beam[0].wavelength`).
public enum ExperimentListError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, error: JSONParseError)
    case notAnExperimentList(file: String, found: String)
    case missingKey(file: String, key: String)
    case wrongType(file: String, key: String, expected: String)
    case badValue(file: String, key: String, reason: String)
    case badIndex(file: String, key: String, index: Int, count: Int)
    case unsupported(file: String, key: String, reason: String)
    case cannotEncode(key: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read the experiment list (\(r))"
        case .malformedJSON(let f, let e): return "\(f): not valid JSON at \(e)"
        case .notAnExperimentList(let f, let found):
            return "\(f): not an experiment list (__id__ is \"\(found)\", expected \"ExperimentList\")"
        case .missingKey(let f, let k): return "\(f): required field \(k) is missing"
        case .wrongType(let f, let k, let e): return "\(f): field \(k) should be \(e)"
        case .badValue(let f, let k, let r): return "\(f): field \(k) \(r)"
        case .badIndex(let f, let k, let i, let n):
            return "\(f): field \(k) refers to model \(i), but the file has only \(n)"
        case .unsupported(let f, let k, let r): return "\(f): field \(k): \(r)"
        case .cannotEncode(let k, let r): return "cannot write the experiment list: \(k) \(r)"
        }
    }
}

/// Reads and writes experiment lists as dxtbx does (`ExperimentList.to_dict`
/// / `ExperimentListFactory.from_json`): models live in top-level lists
/// (`beam`, `detector`, …) and each experiment refers to them by index.
///
/// Writing shares models by value: equal beams (detectors, …) are written
/// once and referenced by the same index, since mxflow's models are structs
/// with no identity. Output is deterministic — keys in dxtbx's order, reals
/// in the shortest form that reads back to the same double, laid out as
/// Python's `json.dumps(indent=2)` — so a file DIALS writes and the same
/// models written by mxflow differ only where the models differ.
///
/// Reading tolerates what DIALS 3.x writes: unknown keys are ignored, optional
/// keys take dxtbx's defaults, detector hierarchies are flattened into lab
/// frames, relative image templates are resolved against the file's folder.
public enum ExperimentListCodec {
    /// Reads an `.expt` file.
    public static func read(path: String) throws -> ExperimentList {
        guard let bytes = AtomicFile.readAll(path) else {
            throw ExperimentListError.unreadable(file: path, reason: "no such file, or it cannot be opened")
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        return try decode(String(decoding: bytes, as: UTF8.self), file: path,
                          baseDirectory: ExperimentListCodec.absolutePath(directory.isEmpty ? "/" : directory))
    }

    /// Parses an experiment list from JSON text. `file` names the source in
    /// errors; relative image templates are taken relative to `baseDirectory`.
    public static func decode(_ text: String, file: String = "<experiment list>",
                              baseDirectory: String? = nil) throws -> ExperimentList {
        let document: JSONValue
        do { document = try JSONValue.parse(text) } catch let e as JSONParseError {
            throw ExperimentListError.malformedJSON(file: file, error: e)
        }
        return try ExperimentListDecoder(file: file, baseDirectory: baseDirectory).decode(document)
    }

    /// The JSON text of `list` in the dxtbx layout.
    public static func encode(_ list: ExperimentList) throws -> String {
        try ExperimentListEncoder().encode(list).pythonJSON()
    }

    /// Writes `list` to `path` atomically (complete file or none).
    public static func write(_ list: ExperimentList, to path: String) throws {
        let text = try encode(list)
        try AtomicFile.write(text, to: path)
    }
}

extension ExperimentListCodec {
    /// `path` made absolute against the current folder (no symlink resolution,
    /// as `os.path.abspath` does it).
    public static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return normalisedPath(path) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(cString: buffer)
        return normalisedPath(cwd + "/" + path)
    }

    /// Removes `.`, `..` and doubled slashes from an absolute path.
    public static func normalisedPath(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }
}
