// CBFByteOffset: the CBF "x-CBF_BYTE_OFFSET" compression of integer images, decoder and encoder.

/// The byte-offset compression used by Pilatus/Eiger mini-CBF files (CBFlib
/// documentation, "byte_offset" section). Each pixel is stored as the
/// difference from the previous pixel (the value before the first pixel is 0):
/// a delta in −127…127 is one signed byte; otherwise the byte 0x80 follows with
/// a little-endian Int16, and if that is 0x8000 (−32768) an Int32 follows, and
/// if that is 0x80000000 an Int64 follows. Escapes therefore cost 1, 3, 7 or
/// 15 bytes per pixel.
///
/// Values are accumulated in Int32 with wrap-around: any delta is reduced
/// modulo 2³², which reproduces every Int32 sequence exactly. The encoder
/// therefore writes differences modulo 2³² and needs the Int64 escape only
/// for a difference of exactly 0x80000000 (the Int32 escape value itself).
/// This matters for interchange: dxtbx's decoder (`dxtbx.ext.uncompress`)
/// does not implement the Int64 escape (it adds 0x80000000 as a delta and
/// reads the next 8 bytes as further pixels), so a true 33-bit difference
/// (e.g. Int32.min after 1048499) written in 15 bytes would decode wrongly there.
public enum CBFByteOffset {

    /// Why a byte-offset stream could not be decoded.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        /// The `bytes`-long stream ended after `decoded` complete pixels of the
        /// `expected` ones (within or before pixel `decoded`, 0-based).
        case truncated(decoded: Int, expected: Int, bytes: Int)

        public var description: String {
            switch self {
            case .truncated(let d, let e, let b):
                return "the compressed data (\(b) bytes) ends after \(d) of \(e) pixels"
            }
        }
    }

    /// Longest encoding of one pixel: 0x80, 0x8000, 0x80000000, then 8 bytes.
    @usableFromInline static let maxBytesPerElement = 15

    /// Decodes `output.count` pixels from `input`, returning the number of
    /// bytes consumed. Never reads outside `input`: a stream that ends early
    /// throws `DecodeError.truncated`. Trailing bytes (CBF padding) are ignored.
    @discardableResult
    public static func decode(_ input: UnsafeRawBufferPointer,
                              into output: UnsafeMutableBufferPointer<Int32>) throws -> Int {
        let n = output.count
        guard n > 0 else { return 0 }
        guard let src = input.baseAddress, let dst = output.baseAddress else {
            throw DecodeError.truncated(decoded: 0, expected: n, bytes: input.count)
        }
        let size = input.count
        var pos = 0
        var value: Int32 = 0
        var i = 0
        // Fast loop: while a whole worst-case element fits, no bounds checks are needed.
        let safeEnd = size - maxBytesPerElement
        while i < n && pos <= safeEnd {
            // Eight one-byte deltas at once when none of the next 8 bytes is the
            // 0x80 escape (the usual case for photon-counting images). A byte
            // equals 0x80 iff it is zero after XOR with 0x80; "has a zero byte"
            // is the classic (w − 0x01…01) & ~w & 0x80…80 test (exact as a
            // yes/no answer).
            if n - i >= 8 {
                let w = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
                let x = w ^ 0x8080_8080_8080_8080
                if (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 == 0 {
                    var k = 0
                    while k < 8 {
                        value &+= Int32(Int8(truncatingIfNeeded: w >> UInt64(8 * k)))
                        dst[i + k] = value
                        k += 1
                    }
                    i &+= 8
                    pos &+= 8
                    continue
                }
            }
            let b = Int8(bitPattern: src.load(fromByteOffset: pos, as: UInt8.self))
            if b != -128 {
                value &+= Int32(b)
                pos &+= 1
            } else {
                let s = Int16(littleEndian: src.loadUnaligned(fromByteOffset: pos + 1, as: Int16.self))
                if s != Int16.min {
                    value &+= Int32(s)
                    pos &+= 3
                } else {
                    let w = Int32(littleEndian: src.loadUnaligned(fromByteOffset: pos + 3, as: Int32.self))
                    if w != Int32.min {
                        value &+= w
                        pos &+= 7
                    } else {
                        let q = Int64(littleEndian: src.loadUnaligned(fromByteOffset: pos + 7, as: Int64.self))
                        value &+= Int32(truncatingIfNeeded: q)
                        pos &+= 15
                    }
                }
            }
            dst[i] = value
            i &+= 1
        }
        // Tail: check that each escape's bytes are present before loading them.
        while i < n {
            guard pos < size else { throw DecodeError.truncated(decoded: i, expected: n, bytes: size) }
            let b = Int8(bitPattern: src.load(fromByteOffset: pos, as: UInt8.self))
            if b != -128 {
                value &+= Int32(b); pos += 1
            } else {
                guard pos + 3 <= size else { throw DecodeError.truncated(decoded: i, expected: n, bytes: size) }
                let s = Int16(littleEndian: src.loadUnaligned(fromByteOffset: pos + 1, as: Int16.self))
                if s != Int16.min {
                    value &+= Int32(s); pos += 3
                } else {
                    guard pos + 7 <= size else { throw DecodeError.truncated(decoded: i, expected: n, bytes: size) }
                    let w = Int32(littleEndian: src.loadUnaligned(fromByteOffset: pos + 3, as: Int32.self))
                    if w != Int32.min {
                        value &+= w; pos += 7
                    } else {
                        guard pos + 15 <= size else {
                            throw DecodeError.truncated(decoded: i, expected: n, bytes: size)
                        }
                        let q = Int64(littleEndian: src.loadUnaligned(fromByteOffset: pos + 7, as: Int64.self))
                        value &+= Int32(truncatingIfNeeded: q); pos += 15
                    }
                }
            }
            dst[i] = value
            i += 1
        }
        return pos
    }

    /// Decodes `count` pixels from a byte array into a new array.
    public static func decode(_ input: [UInt8], count: Int) throws -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        _ = try input.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try decode(src, into: $0) }
        }
        return out
    }

    /// Bytes needed for one delta taken modulo 2³² (see the type's comment).
    @inline(__always)
    static func width(of delta: Int32) -> Int {
        if delta > -128 && delta <= 127 { return 1 }
        if delta > -32768 && delta <= 32767 { return 3 }
        if delta != Int32.min { return 7 }
        return 15
    }

    /// Exact size of the byte-offset encoding of `values`.
    public static func encodedSize(_ values: UnsafeBufferPointer<Int32>) -> Int {
        var prev: Int32 = 0
        var total = 0
        for v in values {
            total &+= width(of: v &- prev)
            prev = v
        }
        return total
    }

    /// Encodes `values` (two passes: exact size, then the bytes, so the output
    /// is allocated once at its final size).
    public static func encode(_ values: UnsafeBufferPointer<Int32>) -> [UInt8] {
        let size = encodedSize(values)
        return [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            let dst = UnsafeMutableRawPointer(out.baseAddress!)
            var pos = 0
            var prev: Int32 = 0
            for v in values {
                let d = v &- prev
                prev = v
                switch width(of: d) {
                case 1:
                    dst.storeBytes(of: UInt8(bitPattern: Int8(truncatingIfNeeded: d)), toByteOffset: pos, as: UInt8.self)
                    pos &+= 1
                case 3:
                    dst.storeBytes(of: 0x80, toByteOffset: pos, as: UInt8.self)
                    dst.storeBytes(of: Int16(truncatingIfNeeded: d).littleEndian, toByteOffset: pos + 1, as: Int16.self)
                    pos &+= 3
                case 7:
                    dst.storeBytes(of: 0x80, toByteOffset: pos, as: UInt8.self)
                    dst.storeBytes(of: Int16.min.littleEndian, toByteOffset: pos + 1, as: Int16.self)
                    dst.storeBytes(of: Int32(truncatingIfNeeded: d).littleEndian, toByteOffset: pos + 3, as: Int32.self)
                    pos &+= 7
                default:
                    dst.storeBytes(of: 0x80, toByteOffset: pos, as: UInt8.self)
                    dst.storeBytes(of: Int16.min.littleEndian, toByteOffset: pos + 1, as: Int16.self)
                    dst.storeBytes(of: Int32.min.littleEndian, toByteOffset: pos + 3, as: Int32.self)
                    dst.storeBytes(of: Int64(d).littleEndian, toByteOffset: pos + 7, as: Int64.self)
                    pos &+= 15
                }
            }
            initialized = pos
        }
    }

    /// Encodes an array of pixels.
    public static func encode(_ values: [Int32]) -> [UInt8] {
        values.withUnsafeBufferPointer { encode($0) }
    }
}
