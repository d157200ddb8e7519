// CBFByteOffset: the CBF "x-CBF_BYTE_OFFSET" compression of integer images, decoder and encoder.

/// The byte-offset compression used by Pilatus/Eiger mini-CBF files (CBFlib
/// documentation, "byte_offset" section). Each pixel is stored as the
/// difference from the previous pixel (the value before the first pixel is 0):
/// a delta in −127…127 is one signed byte; otherwise the byte 0x80 follows with
/// a little-endian Int16, and if that is 0x8000 (−32768) an Int32 follows, and
/// if that is 0x80000000 an Int64 follows. Escapes therefore cost 1, 3, 7 or
/// 15 bytes per pixel.
///
/// Values are accumulated in Int32 with wrap-around: an Int64 (or any) delta
/// is reduced modulo 2³², which reproduces every Int32 sequence exactly, so
/// the encoder never needs the Int64 escape (it uses it only where the Int32
/// difference itself does not fit an Int32, see `encodedSize`).
public enum CBFByteOffset {

    /// Why a byte-offset stream could not be decoded.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        /// The stream ended in the middle of pixel `element` (0-based) after
        /// `decoded` complete pixels, `expected` wanted.
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

    /// Bytes needed for one delta (the difference of two Int32, which needs 33 bits).
    @inline(__always)
    static func width(of delta: Int64) -> Int {
        if delta > -128 && delta <= 127 { return 1 }
        if delta > -32768 && delta <= 32767 { return 3 }
        if delta > -2147483648 && delta <= 2147483647 { return 7 }
        return 15
    }

    /// Exact size of the byte-offset encoding of `values`.
    public static func encodedSize(_ values: UnsafeBufferPointer<Int32>) -> Int {
        var prev: Int64 = 0
        var total = 0
        for v in values {
            let x = Int64(v)
            total &+= width(of: x &- prev)
            prev = x
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
            var prev: Int64 = 0
            for v in values {
                let x = Int64(v)
                let d = x &- prev
                prev = x
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
                    dst.storeBytes(of: d.littleEndian, toByteOffset: pos + 7, as: Int64.self)
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
