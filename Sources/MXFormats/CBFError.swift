// CBFError: what can be wrong with a mini-CBF file or a series of them, as one sentence naming the file.

/// A problem reading, importing or writing mini-CBF images. Each case renders
/// as one sentence that names the file and says what is wrong.
public enum CBFError: Error, Equatable, CustomStringConvertible {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case notCBF(path: String, reason: String)
    case missingField(path: String, field: String)
    case badField(path: String, field: String, reason: String)
    case unsupported(path: String, what: String)
    /// The file ends before the X-Binary-Size bytes of the binary section.
    case truncated(path: String, expectedBytes: Int, availableBytes: Int)
    /// X-Binary-Number-of-Elements disagrees with fastest × second dimension.
    case elementCountMismatch(path: String, elements: Int, fast: Int, slow: Int)
    /// The compressed stream does not decode to the declared number of pixels.
    case corruptData(path: String, reason: String)
    case checksumMismatch(path: String, expected: String, found: String)
    // Series checks (import).
    case emptySeries
    case notNumbered(path: String)
    case nonConsecutive(path: String, expected: Int, found: Int)
    case duplicateImage(path: String, number: Int)
    case differentDirectoryOrName(path: String, template: String)
    case sizeMismatch(path: String, expected: (Int, Int), found: (Int, Int))
    case inconsistentAngles(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileMissing(let p): return "\(p): no such file."
        case .unreadable(let p, let r): return "\(p): cannot be read (\(r))."
        case .notCBF(let p, let r): return "\(p): not a mini-CBF image (\(r))."
        case .missingField(let p, let f): return "\(p): required header field \(f) is missing."
        case .badField(let p, let f, let r): return "\(p): header field \(f) \(r)."
        case .unsupported(let p, let w): return "\(p): \(w) is not supported."
        case .truncated(let p, let e, let a):
            return "\(p): the binary section is truncated (X-Binary-Size says \(e) bytes, the file holds \(a))."
        case .elementCountMismatch(let p, let n, let f, let s):
            return "\(p): X-Binary-Number-of-Elements is \(n) but the image is \(f)×\(s) = \(f * s) pixels."
        case .corruptData(let p, let r): return "\(p): the compressed pixel data is corrupt (\(r))."
        case .checksumMismatch(let p, let e, let f):
            return "\(p): Content-MD5 of the binary section is \(f), the header says \(e)."
        case .emptySeries: return "No CBF files were given."
        case .notNumbered(let p): return "\(p): the file name has no image number before its extension."
        case .nonConsecutive(let p, let e, let f):
            return "\(p): the series is not consecutive (image \(f) follows where \(e) was expected)."
        case .duplicateImage(let p, let n): return "\(p): image number \(n) appears twice in the series."
        case .differentDirectoryOrName(let p, let t):
            return "\(p): does not belong to the series \(t)."
        case .sizeMismatch(let p, let e, let f):
            return "\(p): the image is \(f.0)×\(f.1) pixels but the series' first image is \(e.0)×\(e.1)."
        case .inconsistentAngles(let p, let r): return "\(p): oscillation angles are inconsistent (\(r))."
        case .writeFailed(let p, let r): return "\(p): cannot be written (\(r))."
        }
    }

    public static func == (a: CBFError, b: CBFError) -> Bool { a.description == b.description }
}
