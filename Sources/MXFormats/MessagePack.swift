// MessagePack: a small encoder and decoder for the msgpack format (msgpack.org spec), as .refl files use it.

/// A msgpack value. Integers keep their sign class: msgpack stores
/// non-negative integers unsigned and negative ones signed.
public indirect enum MessagePackValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([MessagePackValue])
    /// Key–value pairs in file order (msgpack maps are ordered on disk).
    case map([MessagePackPair])
    /// Extension type (code, bytes), kept opaque.
    case ext(Int8, [UInt8])

    /// The value as a signed integer, whichever integer class it was stored in.
    public var integerValue: Int? {
        switch self {
        case .int(let v): return Int(exactly: v)
        case .uint(let v): return Int(exactly: v)
        default: return nil
        }
    }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [MessagePackValue]? { if case .array(let a) = self { return a }; return nil }
    public var mapValue: [MessagePackPair]? { if case .map(let m) = self { return m }; return nil }
    public var binaryValue: [UInt8]? { if case .binary(let b) = self { return b }; return nil }

    /// The value stored under string key `key` of a map.
    public subscript(key: String) -> MessagePackValue? {
        mapValue?.first { $0.key == .string(key) }?.value
    }
}

/// One entry of a msgpack map.
public struct MessagePackPair: Equatable, Sendable {
    public var key: MessagePackValue
    public var value: MessagePackValue
    public init(_ key: MessagePackValue, _ value: MessagePackValue) { self.key = key; self.value = value }
}

/// Why bytes could not be decoded as msgpack.
public enum MessagePackError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int)
    case unknownTypeByte(UInt8, offset: Int)
    case invalidUTF8(offset: Int)
    case trailingBytes(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let o): return "msgpack data ends early (at byte \(o))"
        case .unknownTypeByte(let b, let o): return "msgpack type byte 0x\(String(b, radix: 16)) at byte \(o) is not valid"
        case .invalidUTF8(let o): return "msgpack string at byte \(o) is not valid UTF-8"
        case .trailingBytes(let o): return "unexpected bytes after the msgpack value (at byte \(o))"
        }
    }
}

/// Writes msgpack values to a byte array, using the smallest encoding of each
/// integer, string, binary, array and map header (msgpack spec "formats").
public struct MessagePackWriter {
    public private(set) var bytes: [UInt8] = []
    public init(reservingCapacity n: Int = 0) { bytes.reserveCapacity(n) }

    public mutating func write(_ v: MessagePackValue) {
        switch v {
        case .null: bytes.append(0xc0)
        case .bool(let b): bytes.append(b ? 0xc3 : 0xc2)
        case .int(let i): writeInt(i)
        case .uint(let u): writeUInt(u)
        case .float(let f): bytes.append(0xca); appendBigEndian(UInt64(f.bitPattern), count: 4)
        case .double(let d): bytes.append(0xcb); appendBigEndian(d.bitPattern, count: 8)
        case .string(let s): writeString(s)
        case .binary(let b): writeBinaryHeader(b.count); bytes.append(contentsOf: b)
        case .array(let a): writeArrayHeader(a.count); for e in a { write(e) }
        case .map(let m): writeMapHeader(m.count); for p in m { write(p.key); write(p.value) }
        case .ext(let code, let data): writeExt(code, data)
        }
    }

    public mutating func writeUInt(_ u: UInt64) {
        switch u {
        case 0...0x7f: bytes.append(UInt8(u))
        case 0...0xff: bytes.append(0xcc); bytes.append(UInt8(u))
        case 0...0xffff: bytes.append(0xcd); appendBigEndian(u, count: 2)
        case 0...0xffff_ffff: bytes.append(0xce); appendBigEndian(u, count: 4)
        default: bytes.append(0xcf); appendBigEndian(u, count: 8)
        }
    }

    public mutating func writeInt(_ i: Int64) {
        if i >= 0 { writeUInt(UInt64(i)); return }
        switch i {
        case -32 ..< 0: bytes.append(UInt8(bitPattern: Int8(i)))
        case -128 ..< 0: bytes.append(0xd0); bytes.append(UInt8(bitPattern: Int8(i)))
        case -32768 ..< 0: bytes.append(0xd1); appendBigEndian(UInt64(UInt16(bitPattern: Int16(i))), count: 2)
        case Int64(Int32.min) ..< 0:
            bytes.append(0xd2); appendBigEndian(UInt64(UInt32(bitPattern: Int32(i))), count: 4)
        default: bytes.append(0xd3); appendBigEndian(UInt64(bitPattern: i), count: 8)
        }
    }

    public mutating func writeString(_ s: String) {
        let utf8 = Array(s.utf8)
        switch utf8.count {
        case 0...31: bytes.append(0xa0 | UInt8(utf8.count))
        case 0...0xff: bytes.append(0xd9); bytes.append(UInt8(utf8.count))
        case 0...0xffff: bytes.append(0xda); appendBigEndian(UInt64(utf8.count), count: 2)
        default: bytes.append(0xdb); appendBigEndian(UInt64(utf8.count), count: 4)
        }
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeBinaryHeader(_ n: Int) {
        switch n {
        case 0...0xff: bytes.append(0xc4); bytes.append(UInt8(n))
        case 0...0xffff: bytes.append(0xc5); appendBigEndian(UInt64(n), count: 2)
        default: bytes.append(0xc6); appendBigEndian(UInt64(n), count: 4)
        }
    }

    /// Appends raw bytes (the body after `writeBinaryHeader`).
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 { bytes.append(contentsOf: raw) }

    public mutating func writeArrayHeader(_ n: Int) {
        switch n {
        case 0...15: bytes.append(0x90 | UInt8(n))
        case 0...0xffff: bytes.append(0xdc); appendBigEndian(UInt64(n), count: 2)
        default: bytes.append(0xdd); appendBigEndian(UInt64(n), count: 4)
        }
    }

    public mutating func writeMapHeader(_ n: Int) {
        switch n {
        case 0...15: bytes.append(0x80 | UInt8(n))
        case 0...0xffff: bytes.append(0xde); appendBigEndian(UInt64(n), count: 2)
        default: bytes.append(0xdf); appendBigEndian(UInt64(n), count: 4)
        }
    }

    mutating func writeExt(_ code: Int8, _ data: [UInt8]) {
        switch data.count {
        case 1: bytes.append(0xd4)
        case 2: bytes.append(0xd5)
        case 4: bytes.append(0xd6)
        case 8: bytes.append(0xd7)
        case 16: bytes.append(0xd8)
        case 0...0xff: bytes.append(0xc7); bytes.append(UInt8(data.count))
        case 0...0xffff: bytes.append(0xc8); appendBigEndian(UInt64(data.count), count: 2)
        default: bytes.append(0xc9); appendBigEndian(UInt64(data.count), count: 4)
        }
        bytes.append(UInt8(bitPattern: code))
        bytes.append(contentsOf: data)
    }

    mutating func appendBigEndian(_ v: UInt64, count: Int) {
        for k in stride(from: count - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }
}

/// Reads msgpack values from bytes.
public struct MessagePackReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Decodes exactly one value spanning all the bytes.
    public static func decode(_ bytes: [UInt8]) throws -> MessagePackValue {
        var r = MessagePackReader(bytes)
        let v = try r.read()
        if r.offset != bytes.count { throw MessagePackError.trailingBytes(offset: r.offset) }
        return v
    }

    public mutating func read() throws -> MessagePackValue {
        let start = offset
        let t = try byte()
        switch t {
        case 0x00...0x7f: return .uint(UInt64(t))
        case 0x80...0x8f: return try readMap(Int(t & 0x0f))
        case 0x90...0x9f: return try readArray(Int(t & 0x0f))
        case 0xa0...0xbf: return try readString(Int(t & 0x1f))
        case 0xc0: return .null
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4: return .binary(try take(Int(try bigEndian(1))))
        case 0xc5: return .binary(try take(Int(try bigEndian(2))))
        case 0xc6: return .binary(try take(Int(try bigEndian(4))))
        case 0xc7, 0xc8, 0xc9:
            let n = Int(try bigEndian(t == 0xc7 ? 1 : (t == 0xc8 ? 2 : 4)))
            let code = Int8(bitPattern: try byte())
            return .ext(code, try take(n))
        case 0xca: return .float(Float(bitPattern: UInt32(try bigEndian(4))))
        case 0xcb: return .double(Double(bitPattern: try bigEndian(8)))
        case 0xcc: return .uint(try bigEndian(1))
        case 0xcd: return .uint(try bigEndian(2))
        case 0xce: return .uint(try bigEndian(4))
        case 0xcf: return .uint(try bigEndian(8))
        case 0xd0: return .int(Int64(Int8(truncatingIfNeeded: try bigEndian(1))))
        case 0xd1: return .int(Int64(Int16(truncatingIfNeeded: try bigEndian(2))))
        case 0xd2: return .int(Int64(Int32(truncatingIfNeeded: try bigEndian(4))))
        case 0xd3: return .int(Int64(bitPattern: try bigEndian(8)))
        case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
            let n = 1 << Int(t - 0xd4)
            let code = Int8(bitPattern: try byte())
            return .ext(code, try take(n))
        case 0xd9: return try readString(Int(try bigEndian(1)))
        case 0xda: return try readString(Int(try bigEndian(2)))
        case 0xdb: return try readString(Int(try bigEndian(4)))
        case 0xdc: return try readArray(Int(try bigEndian(2)))
        case 0xdd: return try readArray(Int(try bigEndian(4)))
        case 0xde: return try readMap(Int(try bigEndian(2)))
        case 0xdf: return try readMap(Int(try bigEndian(4)))
        case 0xe0...0xff: return .int(Int64(Int8(bitPattern: t)))
        default: throw MessagePackError.unknownTypeByte(t, offset: start)
        }
    }

    private mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw MessagePackError.truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func bigEndian(_ n: Int) throws -> UInt64 {
        guard offset + n <= bytes.count else { throw MessagePackError.truncated(offset: offset) }
        var v: UInt64 = 0
        for k in 0..<n { v = (v << 8) | UInt64(bytes[offset + k]) }
        offset += n
        return v
    }

    private mutating func take(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= bytes.count else { throw MessagePackError.truncated(offset: offset) }
        defer { offset += n }
        return Array(bytes[offset ..< offset + n])
    }

    private mutating func readString(_ n: Int) throws -> MessagePackValue {
        let start = offset
        let raw = try take(n)
        guard let s = String(validating: raw, as: UTF8.self) else { throw MessagePackError.invalidUTF8(offset: start) }
        return .string(s)
    }

    private mutating func readArray(_ n: Int) throws -> MessagePackValue {
        var a: [MessagePackValue] = []
        a.reserveCapacity(min(n, bytes.count - offset))
        for _ in 0..<n { a.append(try read()) }
        return .array(a)
    }

    private mutating func readMap(_ n: Int) throws -> MessagePackValue {
        var m: [MessagePackPair] = []
        m.reserveCapacity(min(n, bytes.count - offset))
        for _ in 0..<n {
            let k = try read()
            let v = try read()
            m.append(MessagePackPair(k, v))
        }
        return .map(m)
    }
}
