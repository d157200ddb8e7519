// CBFMD5: the MD5 digest (RFC 1321) and base64 text used by the CBF "Content-MD5" MIME header.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MD5 of a byte buffer, as CBF's `Content-MD5` header wants it (RFC 1864:
/// the 16-byte digest in base64). MD5 is only an integrity check here; this
/// small implementation avoids a crypto dependency for one header line.
public enum CBFMD5 {
    /// Per-round shift amounts (RFC 1321 §3.4).
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]
    /// T[i] = floor(2³² · |sin(i + 1)|) (RFC 1321 §3.4), computed once.
    private static let sines: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4294967296.0).rounded(.down)))
    }

    /// The 16-byte MD5 digest of `data`.
    public static func digest(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var a0: UInt32 = 0x67452301, b0: UInt32 = 0xefcdab89, c0: UInt32 = 0x98badcfe, d0: UInt32 = 0x10325476
        let k = sines, s = shifts
        var m = [UInt32](repeating: 0, count: 16)

        func block(_ bytes: UnsafeRawPointer) {
            for j in 0..<16 { m[j] = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self)) }
            var a = a0, b = b0, c = c0, d = d0
            for i in 0..<64 {
                var f: UInt32, g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 &* i &+ 1) & 15
                case 32..<48: f = b ^ c ^ d; g = (3 &* i &+ 5) & 15
                default: f = c ^ (b | ~d); g = (7 &* i) & 15
                }
                f = f &+ a &+ k[i] &+ m[g]
                a = d; d = c; c = b
                b = b &+ ((f << s[i]) | (f >> (32 - s[i])))
            }
            a0 &+= a; b0 &+= b; c0 &+= c; d0 &+= d
        }

        let n = data.count
        var offset = 0
        if let base = data.baseAddress {
            while offset + 64 <= n { block(base + offset); offset += 64 }
        }
        // Final block(s): remaining bytes, 0x80, zeros, bit length (little-endian).
        var tail = [UInt8](repeating: 0, count: 128)
        let rest = n - offset
        for j in 0..<rest { tail[j] = data[offset + j] }
        tail[rest] = 0x80
        let tailCount = rest + 9 <= 64 ? 64 : 128
        let bits = UInt64(n) &* 8
        for j in 0..<8 { tail[tailCount - 8 + j] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(j))) }
        tail.withUnsafeBytes { t in
            block(t.baseAddress!)
            if tailCount == 128 { block(t.baseAddress! + 64) }
        }
        var out = [UInt8]()
        out.reserveCapacity(16)
        for w in [a0, b0, c0, d0] { for j in 0..<4 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(j)))) } }
        return out
    }

    /// The `Content-MD5` value: base64 of the digest.
    public static func base64Digest(_ data: UnsafeRawBufferPointer) -> String {
        base64(digest(data))
    }

    /// Standard base64 (RFC 4648, with padding).
    public static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = (b0 << 16) | (b1 << 8) | b2
            out.append(table[Int((v >> 18) & 63)])
            out.append(table[Int((v >> 12) & 63)])
            out.append(i + 1 < bytes.count ? table[Int((v >> 6) & 63)] : "=")
            out.append(i + 2 < bytes.count ? table[Int(v & 63)] : "=")
            i += 3
        }
        return out
    }
}
