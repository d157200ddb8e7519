// ReflectionTableCodec: reads and writes reflection tables as DIALS `.refl` files (msgpack layout, version 1).
import Foundation
import MXMath
import MXModel

/// A `.refl` file that cannot be read or written, naming the file and what is wrong.
public enum ReflectionFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notAReflectionTable(path: String, reason: String)
    case badColumn(path: String, column: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read the reflection file (\(r))"
        case .notAReflectionTable(let p, let r): return "\(p): not a DIALS reflection table (\(r))"
        case .badColumn(let p, let c, let r): return "\(p): column '\(c)' \(r)"
        case .writeFailed(let p, let r): return "\(p): cannot write the reflection file (\(r))"
        }
    }
}

/// The DIALS `.refl` layout (dials/array_family/reflection_table_msgpack_adapter.h):
/// `["dials::af::reflection_table", 1, {"identifiers": {id: uuid},
/// "nrows": N, "data": {name: [type, [N, bytes]]}}]`, where `bytes` is the
/// column's elements as raw little-endian values (vec3 = 3 doubles, int6 =
/// 6 int32, Miller index = 3 int32, …) and a `Shoebox<>` column is one blob
/// of per-row records (panel u32, bbox 6×i32, has-data u8, then float32
/// data, int32 mask, float32 background).
public enum ReflectionTableCodec {
    static let fileType = "dials::af::reflection_table"

    // MARK: files

    /// Reads a `.refl` file.
    public static func read(path: String) throws -> ReflectionTable {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            if !FileManager.default.fileExists(atPath: path) {
                throw ReflectionFileError.unreadable(path: path, reason: "no such file")
            }
            throw ReflectionFileError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try decode([UInt8](data), path: path)
    }

    /// Writes a `.refl` file: to a temporary name first, then renamed, so a
    /// failure never leaves a half-written file under the final name. The
    /// bytes stream to the file as they are made: no copy of the whole file
    /// is held in memory (strong.refl with shoeboxes is tens of MB).
    public static func write(_ table: ReflectionTable, path: String) throws {
        do {
            try AtomicFile.write(to: path) { writer in
                var out = FileByteOutput(writer: writer)
                try emit(table, to: &out)
            }
        } catch let error as AtomicFileError {
            throw ReflectionFileError.writeFailed(path: path, reason: error.reason)
        }
    }

    // MARK: encoding

    /// The msgpack bytes of `table`.
    public static func encode(_ table: ReflectionTable) -> [UInt8] {
        var out = ArrayByteOutput()
        out.bytes.reserveCapacity(64 + table.count * 200)
        // An array cannot fail to take bytes.
        try! emit(table, to: &out)
        return out.bytes
    }

    /// Sends the file's bytes to `out` in order: msgpack headers, then each
    /// column's body in pieces of at most `ColumnSink.chunk` bytes, or
    /// straight from the column's memory where that is the file layout.
    static func emit<O: ByteOutput>(_ table: ReflectionTable, to out: inout O) throws {
        var w = MessagePackWriter()
        w.writeArrayHeader(3)
        w.writeString(fileType)
        w.writeUInt(1)
        w.writeMapHeader(3)
        w.writeString("identifiers")
        w.writeMapHeader(table.experimentIdentifiers.count)
        for (id, uuid) in table.experimentIdentifiers.sorted(by: { $0.key < $1.key }) {
            w.writeInt(Int64(id))
            w.writeString(uuid)
        }
        w.writeString("nrows")
        w.writeUInt(UInt64(table.count))
        w.writeString("data")
        w.writeMapHeader(table.columns.count)
        var sink = ColumnSink(out: out)
        defer { sink.release() }
        for name in table.columnNames {
            let column = table[name]!
            w.writeString(name)
            w.writeArrayHeader(2)
            w.writeString(column.typeName)
            w.writeArrayHeader(2)
            w.writeUInt(UInt64(column.count))
            if case .string(let strings) = column {
                // DIALS has no binary form for strings; an array of str is
                // what its msgpack object converter can take element by element.
                w.writeArrayHeader(strings.count)
                for s in strings { w.writeString(s) }
            } else {
                let size = bodySize(column)
                w.writeBinaryHeader(size)
                sink.raw(w.bytes)
                w = MessagePackWriter()
                let before = sink.count
                writeBody(column, to: &sink)
                precondition(sink.count - before == size, "column \(name) wrote \(sink.count - before) of \(size) bytes")
            }
        }
        sink.raw(w.bytes)
        try sink.finish()
        out = sink.out
    }

    /// The byte count of a column's binary body.
    static func bodySize(_ column: ReflectionColumn) -> Int {
        switch column {
        case .bool(let a): return a.count
        case .int(let a): return 4 * a.count
        case .size(let a): return 8 * a.count
        case .double(let a): return 8 * a.count
        case .string: return 0
        case .vec2(let a): return 16 * a.count
        case .vec3(let a): return 24 * a.count
        case .mat3(let a): return 72 * a.count
        case .int6(let a): return 24 * a.count
        case .miller(let a): return 12 * a.count
        case .shoebox(let a):
            // Header 29 bytes (panel, bbox, has-data), then 4-byte data, mask and background.
            return a.reduce(0) { $0 + 29 + 4 * ($1.hasData ? $1.data.count + $1.mask.count + $1.background.count : 0) }
        }
    }

    /// A column's binary body, little-endian, `bodySize(column)` bytes.
    static func writeBody<O: ByteOutput>(_ column: ReflectionColumn, to out: inout ColumnSink<O>) {
        switch column {
        case .bool(let a): for v in a { out.u8(v ? 1 : 0) }
        case .int(let a): out.raw(a)
        case .size(let a): out.raw(a)
        case .double(let a): out.raw(a)
        case .string: break
        case .vec2(let a): for v in a { out.f64(v.x); out.f64(v.y) }
        case .vec3(let a): for v in a { out.f64(v.x); out.f64(v.y); out.f64(v.z) }
        case .mat3(let a): for v in a { for e in v.elements { out.f64(e) } }
        case .int6(let a):
            for b in a { out.i32(b.x0); out.i32(b.x1); out.i32(b.y0); out.i32(b.y1); out.i32(b.z0); out.i32(b.z1) }
        case .miller(let a): for m in a { out.i32(m.h); out.i32(m.k); out.i32(m.l) }
        case .shoebox(let a):
            for s in a {
                out.u32(s.panel)
                let b = s.bbox
                out.i32(b.x0); out.i32(b.x1); out.i32(b.y0); out.i32(b.y1); out.i32(b.z0); out.i32(b.z1)
                if s.hasData {
                    out.u8(1)
                    out.raw(s.data); out.raw(s.mask); out.raw(s.background)
                } else {
                    out.u8(0)
                }
            }
        }
    }

    // MARK: decoding

    /// Decodes a `.refl` file's bytes; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> ReflectionTable {
        let root: MessagePackValue
        do { root = try MessagePackReader.decode(bytes) } catch let e as MessagePackError {
            throw ReflectionFileError.notAReflectionTable(path: path, reason: e.description)
        }
        guard let top = root.arrayValue, top.count == 3 else {
            throw ReflectionFileError.notAReflectionTable(path: path, reason: "expected a 3-element msgpack array")
        }
        guard top[0].stringValue == fileType else {
            throw ReflectionFileError.notAReflectionTable(path: path, reason: "file type is not \(fileType)")
        }
        guard top[1].integerValue == 1 else {
            throw ReflectionFileError.notAReflectionTable(path: path, reason: "version \(top[1]) is not 1")
        }
        guard let header = top[2].mapValue else {
            throw ReflectionFileError.notAReflectionTable(path: path, reason: "header is not a map")
        }
        guard let nrows = top[2]["nrows"]?.integerValue, nrows >= 0 else {
            throw ReflectionFileError.notAReflectionTable(path: path, reason: "nrows is missing")
        }
        var table = ReflectionTable(count: nrows)
        for pair in header {
            switch pair.key.stringValue {
            case "nrows": break
            case "identifiers":
                for p in pair.value.mapValue ?? [] {
                    guard let id = p.key.integerValue, let uuid = p.value.stringValue else {
                        throw ReflectionFileError.notAReflectionTable(path: path, reason: "bad experiment identifier entry")
                    }
                    table.experimentIdentifiers[id] = uuid
                }
            case "data":
                guard let cols = pair.value.mapValue else {
                    throw ReflectionFileError.notAReflectionTable(path: path, reason: "data is not a map")
                }
                for c in cols {
                    guard let name = c.key.stringValue else {
                        throw ReflectionFileError.notAReflectionTable(path: path, reason: "a column name is not a string")
                    }
                    table.set(name, try decodeColumn(c.value, name: name, nrows: nrows, path: path))
                }
            default:
                throw ReflectionFileError.notAReflectionTable(path: path,
                                                              reason: "unknown header key \(pair.key)")
            }
        }
        return table
    }

    static func decodeColumn(_ v: MessagePackValue, name: String, nrows: Int, path: String) throws -> ReflectionColumn {
        let bad = { (r: String) in ReflectionFileError.badColumn(path: path, column: name, reason: r) }
        guard let pair = v.arrayValue, pair.count == 2, let type = pair[0].stringValue,
              let payload = pair[1].arrayValue, payload.count == 2, let n = payload[0].integerValue else {
            throw bad("is not a [type, [size, data]] entry")
        }
        guard n == nrows else { throw bad("has \(n) rows but the table has \(nrows)") }
        if type == "std::string" {
            guard let items = payload[1].arrayValue, items.count == n else { throw bad("strings are not an array of \(n)") }
            return .string(try items.map { guard let s = $0.stringValue else { throw bad("holds a non-string") }; return s })
        }
        guard let body = payload[1].binaryValue else { throw bad("data is not binary") }
        var src = ByteSource(body)
        func need(_ size: Int) throws {
            guard body.count == size * n else {
                throw bad("holds \(body.count) bytes, expected \(size * n) for \(n) values of \(type)")
            }
        }
        switch type {
        case "bool": try need(1); return .bool((0..<n).map { _ in src.u8() != 0 })
        case "int": try need(4); return .int((0..<n).map { _ in src.i32() })
        case "std::size_t": try need(8); return .size((0..<n).map { _ in src.u64() })
        case "double": try need(8); return .double((0..<n).map { _ in src.f64() })
        case "vec2<double>": try need(16); return .vec2((0..<n).map { _ in Vec2(src.f64(), src.f64()) })
        case "vec3<double>": try need(24); return .vec3((0..<n).map { _ in Vec3(src.f64(), src.f64(), src.f64()) })
        case "mat3<double>":
            try need(72); return .mat3((0..<n).map { _ in Mat3((0..<9).map { _ in src.f64() }) })
        case "int6":
            try need(24)
            return .int6((0..<n).map { _ in
                BoundingBox(x0: src.i32(), x1: src.i32(), y0: src.i32(), y1: src.i32(), z0: src.i32(), z1: src.i32())
            })
        case "cctbx::miller::index<>":
            try need(12); return .miller((0..<n).map { _ in MillerIndex(src.i32(), src.i32(), src.i32()) })
        case "Shoebox<>":
            var out: [Shoebox] = []
            out.reserveCapacity(n)
            for _ in 0..<n {
                guard src.remaining >= 29 else { throw bad("shoebox data ends early") }
                let panel = src.u32()
                let b = BoundingBox(x0: src.i32(), x1: src.i32(), y0: src.i32(), y1: src.i32(), z0: src.i32(), z1: src.i32())
                guard b.x1 >= b.x0, b.y1 >= b.y0, b.z1 >= b.z0 else { throw bad("has a shoebox with an inverted bbox") }
                var s = Shoebox(panel: panel, bbox: b)
                if src.u8() != 0 {
                    let m = b.volume
                    guard src.remaining >= 12 * m else { throw bad("shoebox data ends early") }
                    s.data = (0..<m).map { _ in src.f32() }
                    s.mask = (0..<m).map { _ in src.i32() }
                    s.background = (0..<m).map { _ in src.f32() }
                }
                out.append(s)
            }
            guard src.remaining == 0 else { throw bad("has bytes left after \(n) shoeboxes") }
            return .shoebox(out)
        default:
            throw bad("has type '\(type)', which mxflow does not read")
        }
    }
}

/// Where encoded bytes go.
protocol ByteOutput {
    mutating func append(_ raw: UnsafeRawBufferPointer) throws
}

/// Bytes kept in memory.
struct ArrayByteOutput: ByteOutput {
    var bytes: [UInt8] = []
    mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }
}

/// Bytes written to an atomic file (buffered there).
struct FileByteOutput: ByteOutput {
    let writer: AtomicFile.Writer
    func append(_ raw: UnsafeRawBufferPointer) throws { try writer.write(raw) }
}

/// Little-endian writer for column bodies: values gather in a fixed chunk
/// that goes to the output when full; arrays whose memory is already the
/// file layout go straight to the output when they are large. The first
/// error of the output is kept and ends the writing (`finish` throws it), so
/// the per-value calls need no `try`.
struct ColumnSink<O: ByteOutput> {
    static var chunk: Int { 1 << 16 }
    private(set) var out: O
    private let base: UnsafeMutableRawPointer
    private var fill = 0
    private var failure: Error?
    /// Bytes taken so far.
    private(set) var count = 0

    init(out: O) {
        self.out = out
        base = .allocate(byteCount: Self.chunk, alignment: 16)
    }

    func release() { base.deallocate() }

    /// Hands the gathered bytes to the output; throws the output's first error.
    mutating func finish() throws {
        flush()
        if let failure { throw failure }
    }

    private mutating func flush() {
        guard fill > 0 else { return }
        if failure == nil {
            do { try out.append(UnsafeRawBufferPointer(start: base, count: fill)) } catch { failure = error }
        }
        fill = 0
    }

    @inline(__always) private mutating func store<T: FixedWidthInteger>(_ v: T) {
        if fill + MemoryLayout<T>.size > Self.chunk { flush() }
        base.storeBytes(of: v.littleEndian, toByteOffset: fill, as: T.self)
        fill += MemoryLayout<T>.size
        count += MemoryLayout<T>.size
    }
    mutating func u8(_ v: UInt8) { store(v) }
    mutating func u32(_ v: UInt32) { store(v) }
    mutating func i32(_ v: Int32) { store(v) }
    mutating func u64(_ v: UInt64) { store(v) }
    mutating func f32(_ v: Float) { store(v.bitPattern) }
    mutating func f64(_ v: Double) { store(v.bitPattern) }

    /// Bytes as they are: copied into the chunk when small, else passed on whole.
    mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        count += bytes.count
        if fill + bytes.count <= Self.chunk {
            (base + fill).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            fill += bytes.count
            return
        }
        flush()
        if bytes.count < Self.chunk / 4 {
            (base + fill).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            fill += bytes.count
        } else if failure == nil {
            do { try out.append(bytes) } catch { failure = error }
        }
    }
    mutating func raw(_ a: [UInt8]) { a.withUnsafeBytes { raw($0) } }

    /// Numbers whose memory is already the little-endian file layout go as
    /// raw bytes; one value at a time elsewhere.
    private mutating func copy<T>(_ a: [T], _ each: (inout ColumnSink, T) -> Void) {
        #if _endian(little)
        a.withUnsafeBytes { raw($0) }
        #else
        for v in a { each(&self, v) }
        #endif
    }
    mutating func raw(_ a: [Int32]) { copy(a) { $0.i32($1) } }
    mutating func raw(_ a: [UInt64]) { copy(a) { $0.u64($1) } }
    mutating func raw(_ a: [Float]) { copy(a) { $0.f32($1) } }
    mutating func raw(_ a: [Double]) { copy(a) { $0.f64($1) } }
}

/// Little-endian byte reader for column bodies (callers check sizes first).
struct ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var remaining: Int { bytes.count - offset }
    mutating func u8() -> UInt8 { defer { offset += 1 }; return bytes[offset] }
    mutating func u32() -> UInt32 {
        defer { offset += 4 }
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }
    mutating func i32() -> Int32 { Int32(bitPattern: u32()) }
    mutating func u64() -> UInt64 {
        defer { offset += 8 }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }
    mutating func f32() -> Float { Float(bitPattern: u32()) }
    mutating func f64() -> Double { Double(bitPattern: u64()) }
}
