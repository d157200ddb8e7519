// CBFFile: reading one Pilatus mini-CBF image — its text header, binary-section MIME header and pixels.
#if canImport(Glibc)
import Glibc
/// POSIX read/write/close under names that do not clash with our methods.
let cbfSystemRead = Glibc.read, cbfSystemWrite = Glibc.write, cbfSystemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
let cbfSystemRead = Darwin.read, cbfSystemWrite = Darwin.write, cbfSystemClose = Darwin.close
#endif

/// The MIME header of a CBF binary section (imgCIF "binary format section",
/// CBFlib documentation): how the pixel bytes that follow the start marker
/// 0x0C 0x1A 0x04 0xD5 are encoded and how many there are.
public struct CBFBinaryInfo: Equatable, Sendable {
    public enum Compression: String, Equatable, Sendable {
        /// "x-CBF_BYTE_OFFSET" (every Pilatus and Eiger mini-CBF).
        case byteOffset = "x-CBF_BYTE_OFFSET"
        /// "x-CBF_NONE": raw little-endian 32-bit integers.
        case none = "x-CBF_NONE"
    }
    public var compression: Compression = .byteOffset
    /// X-Binary-Size: bytes of encoded data after the start marker (padding excluded).
    public var binarySize: Int = 0
    public var elementType: String = "signed 32-bit integer"
    public var byteOrder: String = "LITTLE_ENDIAN"
    /// Content-MD5: base64 MD5 of the `binarySize` encoded bytes, when present.
    public var contentMD5: String?
    public var numberOfElements: Int = 0
    public var fastDimension: Int = 0
    public var slowDimension: Int = 0
    public var padding: Int = 0
    /// File offset of the first encoded byte (just after the start marker).
    public var dataOffset: Int = 0

    public init() {}
}

/// One mini-CBF image's headers. Pixels are decoded on request
/// (`decodePixels`), so the header alone can be read cheaply for import.
public struct CBFFile: Sendable {
    public let path: String
    /// The `data_` block name (e.g. "cbf_p4212_00001").
    public var dataName: String?
    /// `_array_data.header_convention` (e.g. "PILATUS_1.2").
    public var headerConvention: String?
    public var header: CBFHeader
    public var binary: CBFBinaryInfo

    /// The 4 bytes that open every CBF binary section.
    public static let binaryMarker: [UInt8] = [0x0C, 0x1A, 0x04, 0xD5]

    /// Image size (fast, slow) in pixels.
    public var imageSize: (width: Int, height: Int) { (binary.fastDimension, binary.slowDimension) }

    // MARK: reading

    /// Reads the headers only: the file is read in blocks until the binary
    /// start marker (a few kB), and its size checked against X-Binary-Size.
    public static func readHeader(path: String) throws -> CBFFile {
        let file = try CBFRawFile(path: path)
        defer { file.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        let limit = 1 << 20
        while bytes.count < limit {
            let got = try file.read(into: &chunk)
            if got == 0 { break }
            let searchFrom = max(0, bytes.count - 3)
            bytes.append(contentsOf: chunk[0..<got])
            if bytes.withUnsafeBytes({ findMarker($0, from: searchFrom) }) != nil { break }
        }
        let cbf = try bytes.withUnsafeBytes { try parse($0, path: path) }
        try cbf.checkBinaryExtent(fileSize: file.size)
        return cbf
    }

    /// Reads a whole image: headers and pixels. With `verifyChecksum`, the
    /// Content-MD5 (when present) is checked against the encoded bytes.
    public static func read(path: String, verifyChecksum: Bool = false) throws -> (file: CBFFile, pixels: [Int32]) {
        let bytes = try readWholeFile(path: path)
        return try bytes.withUnsafeBytes { raw in
            let cbf = try parse(raw, path: path)
            try cbf.checkBinaryExtent(fileSize: raw.count)
            var pixels = [Int32](repeating: 0, count: cbf.binary.numberOfElements)
            try pixels.withUnsafeMutableBufferPointer {
                try cbf.decodePixels(fileBytes: raw, into: $0, verifyChecksum: verifyChecksum)
            }
            return (cbf, pixels)
        }
    }

    /// Reads the file at `path` into memory.
    public static func readWholeFile(path: String) throws -> [UInt8] {
        let file = try CBFRawFile(path: path)
        defer { file.close() }
        // Uninitialised capacity: the read fills it, so no time is spent zeroing ~1 MB per frame.
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: file.size) { buf, count in
            var filled = 0
            while filled < buf.count {
                let got = cbfSystemRead(file.fd, buf.baseAddress! + filled, buf.count - filled)
                if got < 0 { failure = errno; break }
                if got == 0 { break }
                filled += got
            }
            count = filled
        }
        if failure != 0 { throw CBFError.unreadable(path: path, reason: String(cString: strerror(failure))) }
        return bytes
    }

    /// Decodes the pixels of this image from the bytes of the whole file into
    /// `output` (exactly `numberOfElements` long). Throws on truncated or
    /// corrupt data, never reading outside `fileBytes`.
    public func decodePixels(fileBytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int32>,
                             verifyChecksum: Bool = false) throws {
        let b = binary
        guard output.count == b.numberOfElements else {
            throw CBFError.corruptData(path: path, reason: "a buffer of \(output.count) pixels was given for \(b.numberOfElements)")
        }
        guard b.dataOffset <= fileBytes.count, b.binarySize <= fileBytes.count - b.dataOffset else {
            throw CBFError.truncated(path: path, expectedBytes: b.binarySize,
                                     availableBytes: max(0, fileBytes.count - b.dataOffset))
        }
        let data = UnsafeRawBufferPointer(rebasing: fileBytes[b.dataOffset..<(b.dataOffset + b.binarySize)])
        if verifyChecksum, let expected = b.contentMD5 {
            let found = CBFMD5.base64Digest(data)
            if found != expected { throw CBFError.checksumMismatch(path: path, expected: expected, found: found) }
        }
        switch b.compression {
        case .byteOffset:
            let used: Int
            do { used = try CBFByteOffset.decode(data, into: output) } catch let e as CBFByteOffset.DecodeError {
                throw CBFError.corruptData(path: path, reason: e.description)
            }
            if used != b.binarySize {
                throw CBFError.corruptData(path: path, reason:
                    "\(b.numberOfElements) pixels decode from \(used) bytes but X-Binary-Size is \(b.binarySize)")
            }
        case .none:
            guard b.binarySize == 4 * b.numberOfElements else {
                throw CBFError.corruptData(path: path, reason:
                    "uncompressed data of \(b.numberOfElements) pixels needs \(4 * b.numberOfElements) bytes, X-Binary-Size is \(b.binarySize)")
            }
            for i in 0..<output.count {
                output[i] = Int32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
            }
        }
    }

    // MARK: parsing

    /// Position of the binary start marker at or after `from`, nil when absent.
    static func findMarker(_ bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard bytes.count >= 4, from <= bytes.count - 4, let base = bytes.baseAddress else { return nil }
        var i = from
        let end = bytes.count - 4
        while i <= end {
            guard let hit = memchr(base + i, 0x0C, end - i + 1) else { return nil }
            let j = base.distance(to: UnsafeRawPointer(hit))
            if bytes[j + 1] == 0x1A && bytes[j + 2] == 0x04 && bytes[j + 3] == 0xD5 { return j }
            i = j + 1
        }
        return nil
    }

    /// Parses the text before the binary marker. `bytes` must contain the marker.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> CBFFile {
        let magic = Array("###CBF".utf8)
        guard bytes.count >= magic.count, zip(bytes.prefix(magic.count), magic).allSatisfy({ $0 == $1 }) else {
            throw CBFError.notCBF(path: path, reason: "it does not begin with \"###CBF\"")
        }
        guard let marker = findMarker(bytes) else {
            throw CBFError.notCBF(path: path, reason: "no binary section start marker 0C 1A 04 D5 was found")
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<marker]), as: UTF8.self)
        // "\r\n" is one Character in Swift, so split on any newline character.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline })

        var dataName: String?
        var convention: String?
        var pilatusLines: [Substring] = []
        var mime: [(key: String, value: String)] = []
        var state = 0  // 0 = CIF text, 1 = header_contents wanted, 2 = inside it, 3 = MIME header
        for line in lines {
            switch state {
            case 0:
                if line.hasPrefix("data_") { dataName = String(line.dropFirst(5)) }
                else if line.hasPrefix("_array_data.header_convention") {
                    convention = String(line.dropFirst("_array_data.header_convention".count))
                        .cbfStripping(" \t\"'")
                } else if line.hasPrefix("_array_data.header_contents") { state = 1 }
                else if line.hasPrefix("--CIF-BINARY-FORMAT-SECTION--") { state = 3 }
            case 1:
                if line.hasPrefix(";") { state = 2; let r = line.dropFirst(); if !r.isEmpty { pilatusLines.append(r) } }
                else if line.hasPrefix("#") { pilatusLines.append(line) }  // header lines without a text field
                else if !line.isEmpty { state = 0 }
            case 2:
                if line.hasPrefix(";") { state = 0 } else { pilatusLines.append(line) }
            default:
                if line.first == " " || line.first == "\t" {
                    if !mime.isEmpty { mime[mime.count - 1].value += " " + String(line).cbfStripping(" \t") }
                } else if let colon = line.firstIndex(of: ":") {
                    mime.append((String(line[..<colon]).cbfStripping(" \t"),
                                 String(line[line.index(after: colon)...]).cbfStripping(" \t")))
                }
            }
        }
        guard state == 3 || !mime.isEmpty else {
            throw CBFError.notCBF(path: path, reason: "no --CIF-BINARY-FORMAT-SECTION-- MIME header")
        }

        var info = CBFBinaryInfo()
        info.dataOffset = marker + 4
        func value(_ key: String) -> String? {
            mime.first(where: { $0.key.lowercased() == key.lowercased() })?.value
        }
        func integer(_ key: String, required: Bool = true) throws -> Int? {
            guard let v = value(key) else {
                if required { throw CBFError.missingField(path: path, field: key) }
                return nil
            }
            guard let n = Int(v), n >= 0 else {
                throw CBFError.badField(path: path, field: key, reason: "is \"\(v)\", not a non-negative integer")
            }
            return n
        }
        let contentType = value("Content-Type") ?? ""
        if contentType.contains("x-CBF_BYTE_OFFSET") { info.compression = .byteOffset }
        else if contentType.contains("x-CBF_NONE") || !contentType.contains("conversions") { info.compression = .none }
        else {
            throw CBFError.unsupported(path: path, what: "compression \"\(contentType)\" (only x-CBF_BYTE_OFFSET and none are)")
        }
        info.binarySize = try integer("X-Binary-Size")!
        info.elementType = (value("X-Binary-Element-Type") ?? "signed 32-bit integer").cbfStripping("\"")
        info.byteOrder = value("X-Binary-Element-Byte-Order") ?? "LITTLE_ENDIAN"
        info.contentMD5 = value("Content-MD5")
        info.fastDimension = try integer("X-Binary-Size-Fastest-Dimension")!
        info.slowDimension = try integer("X-Binary-Size-Second-Dimension")!
        info.numberOfElements = try integer("X-Binary-Number-of-Elements")!
        info.padding = try integer("X-Binary-Size-Padding", required: false) ?? 0

        let readable: Set<String> = info.compression == .byteOffset
            ? ["signed 32-bit integer", "signed 16-bit integer", "unsigned 16-bit integer",
               "signed 8-bit integer", "unsigned 8-bit integer"]
            : ["signed 32-bit integer"]
        guard readable.contains(info.elementType) else {
            throw CBFError.unsupported(path: path, what: "element type \"\(info.elementType)\" with \(info.compression.rawValue)")
        }
        guard info.byteOrder.uppercased() == "LITTLE_ENDIAN" else {
            throw CBFError.unsupported(path: path, what: "byte order \(info.byteOrder)")
        }
        let (area, overflow) = info.fastDimension.multipliedReportingOverflow(by: info.slowDimension)
        guard info.fastDimension > 0, info.slowDimension > 0, !overflow, info.numberOfElements == area else {
            throw CBFError.elementCountMismatch(path: path, elements: info.numberOfElements,
                                                fast: info.fastDimension, slow: info.slowDimension)
        }
        // Each byte-offset pixel takes at least one byte: refuse absurd sizes before anyone allocates.
        let minimumBytes = info.compression == .byteOffset ? info.numberOfElements : 4 * min(info.numberOfElements, Int.max / 8)
        guard info.binarySize >= minimumBytes else {
            throw CBFError.corruptData(path: path, reason:
                "X-Binary-Size \(info.binarySize) bytes cannot hold \(info.numberOfElements) pixels")
        }
        let header = try CBFHeader(lines: pilatusLines, path: path)
        return CBFFile(path: path, dataName: dataName, headerConvention: convention, header: header, binary: info)
    }

    /// Checks that the file is long enough to hold the declared binary section.
    func checkBinaryExtent(fileSize: Int) throws {
        if binary.dataOffset > fileSize || binary.binarySize > fileSize - binary.dataOffset {
            throw CBFError.truncated(path: path, expectedBytes: binary.binarySize,
                                     availableBytes: max(0, fileSize - binary.dataOffset))
        }
    }
}

/// An open file descriptor with its size; POSIX calls, so that per-frame
/// reads allocate nothing beyond the destination buffer.
final class CBFRawFile {
    let fd: Int32
    let size: Int
    let path: String

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let e = errno
            if e == ENOENT { throw CBFError.fileMissing(path: path) }
            throw CBFError.unreadable(path: path, reason: String(cString: strerror(e)))
        }
        var st = stat()
        if fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG {
            _ = cbfSystemClose(fd)
            throw CBFError.unreadable(path: path, reason: "not a regular file")
        }
        self.fd = fd
        self.size = Int(st.st_size)
    }

    /// Reads up to `buffer.count` bytes; returns the number read (0 at end of file).
    func read(into buffer: inout [UInt8]) throws -> Int {
        let got = buffer.withUnsafeMutableBytes { cbfSystemRead(fd, $0.baseAddress!, $0.count) }
        if got < 0 { throw CBFError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        return got
    }

    func close() { _ = cbfSystemClose(fd) }
}
