// BitshuffleLZ4: the bitshuffle + LZ4 chunk codec of HDF5 filter 32008, in Swift over liblz4.
import CLZ4
import MXBitshuffleKernel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bitshuffle-LZ4 chunk that cannot be decoded (truncated, corrupt, or of
/// the wrong size). Readers wrap it with the file and frame.
public enum BitshuffleLZ4Error: Error, Equatable, CustomStringConvertible {
    /// The chunk ends before the named part.
    case truncated(part: String, needed: Int, available: Int)
    /// The 12-byte header is inconsistent.
    case badHeader(String)
    /// The header's uncompressed size differs from what the caller expects.
    case sizeMismatch(expectedBytes: Int, headerBytes: Int)
    /// An LZ4 block does not decompress to its block size.
    case corruptBlock(index: Int, reason: String)

    public var description: String {
        switch self {
        case .truncated(let p, let n, let a):
            return "bitshuffle-LZ4 chunk is truncated: \(p) takes \(n) bytes, only \(a) are left"
        case .badHeader(let r): return "bitshuffle-LZ4 chunk header is invalid: \(r)"
        case .sizeMismatch(let e, let h):
            return "bitshuffle-LZ4 chunk holds \(h) bytes, expected \(e)"
        case .corruptBlock(let i, let r): return "bitshuffle-LZ4 block \(i) is corrupt: \(r)"
        }
    }
}

/// The bitshuffle-LZ4 codec (Masera et al. 2015, bitshuffle; HDF5 filter 32008
/// with cd_values (0, 3, elementSize, 0, 2)).
///
/// Chunk layout: uncompressed byte count (UInt64, big-endian), block size in
/// bytes (UInt32, big-endian), then for each block of `blockSize` elements a
/// big-endian UInt32 compressed length and an LZ4 block of the bit-shuffled
/// elements. The last block holds the remaining elements rounded down to a
/// multiple of 8; the final n mod 8 elements follow uncompressed.
/// Bit-shuffled block of m elements of E bytes: 8E bit-planes of m/8 bytes;
/// in plane r, bit i of byte k is bit r of (little-endian) element 8k + i.
public enum BitshuffleLZ4 {
    /// bitshuffle's target block size: 8192 bytes (BSHUF_TARGET_BLOCK_SIZE_B).
    public static let targetBlockBytes = 8192
    /// The HDF5 filter id.
    public static let filterID = 32008
    /// cd_values as h5py/bitshuffle store them for `elementSize`-byte data:
    /// version 0.3, element size, block size 0 (automatic), 2 = LZ4.
    public static func filterClientData(elementSize: Int) -> [UInt32] { [0, 3, UInt32(elementSize), 0, 2] }

    /// bitshuffle's automatic block size in elements: 8192 bytes' worth,
    /// rounded down to a multiple of 8, at least 128.
    public static func defaultBlockSize(elementSize: Int) -> Int {
        max(128, (targetBlockBytes / elementSize) / 8 * 8)
    }

    /// Largest encoded size of `count` elements.
    public static func maxEncodedSize(count: Int, elementSize: Int, blockSize: Int = 0) -> Int {
        let bs = blockSize > 0 ? blockSize : defaultBlockSize(elementSize: elementSize)
        let blocks = (count + bs - 1) / bs
        return 12 + blocks * (4 + Int(LZ4_compressBound(Int32(bs * elementSize)))) + count % 8 * elementSize
    }

    // MARK: decode

    /// Decodes one chunk from `source` into `destination`, whose size is the
    /// expected uncompressed size. Never reads outside `source` or writes
    /// outside `destination`.
    /// - Throws: `BitshuffleLZ4Error` for truncated, inconsistent or corrupt input.
    public static func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                              elementSize: Int) throws {
        precondition(elementSize > 0, "element size must be positive")
        guard source.count >= 12 else {
            throw BitshuffleLZ4Error.truncated(part: "the 12-byte header", needed: 12, available: source.count)
        }
        let src = source.baseAddress!
        let total = Int(readBE64(src))
        let blockBytes = Int(readBE32(src + 8))
        guard total == destination.count else {
            throw BitshuffleLZ4Error.sizeMismatch(expectedBytes: destination.count, headerBytes: total)
        }
        guard total % elementSize == 0 else {
            throw BitshuffleLZ4Error.badHeader("size \(total) is not a multiple of the element size \(elementSize)")
        }
        guard blockBytes > 0, blockBytes % (8 * elementSize) == 0, blockBytes <= 1 << 30 else {
            throw BitshuffleLZ4Error.badHeader("block size \(blockBytes) bytes is not a positive multiple of \(8 * elementSize)")
        }
        if total == 0 { return }
        let dst = destination.baseAddress!
        let count = total / elementSize
        let blockSize = blockBytes / elementSize
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: blockBytes, alignment: 16)
        defer { scratch.deallocate() }

        var pos = 12
        var done = 0
        var blockIndex = 0
        let shuffled = count - count % 8
        while done < shuffled {
            let m = min(blockSize, shuffled - done)
            guard source.count - pos >= 4 else {
                throw BitshuffleLZ4Error.truncated(part: "the length of block \(blockIndex)", needed: 4,
                                                   available: source.count - pos)
            }
            let clen = Int(readBE32(src + pos))
            pos += 4
            guard clen <= source.count - pos else {
                throw BitshuffleLZ4Error.truncated(part: "block \(blockIndex)", needed: clen,
                                                   available: source.count - pos)
            }
            let want = m * elementSize
            let got = LZ4_decompress_safe((src + pos).assumingMemoryBound(to: CChar.self),
                                          scratch.assumingMemoryBound(to: CChar.self), Int32(clen), Int32(want))
            guard got == Int32(want) else {
                throw BitshuffleLZ4Error.corruptBlock(
                    index: blockIndex,
                    reason: got < 0 ? "LZ4 reports malformed data" : "it holds \(got) bytes instead of \(want)")
            }
            pos += clen
            bitUnshuffle(UnsafeRawPointer(scratch), dst + done * elementSize, count: m, elementSize: elementSize)
            done += m
            blockIndex += 1
        }
        let rest = (count - shuffled) * elementSize
        guard source.count - pos >= rest else {
            throw BitshuffleLZ4Error.truncated(part: "the \(count - shuffled) trailing elements", needed: rest,
                                               available: source.count - pos)
        }
        if rest > 0 { (dst + shuffled * elementSize).copyMemory(from: src + pos, byteCount: rest) }
    }

    /// Decodes a chunk held in an array; convenience for tests and small data.
    public static func decode(_ source: [UInt8], count: Int, elementSize: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count * elementSize)
        try source.withUnsafeBytes { s in
            try out.withUnsafeMutableBytes { try decode(s, into: $0, elementSize: elementSize) }
        }
        return out
    }

    // MARK: encode

    /// Encodes `source` (a whole number of `elementSize`-byte elements) as
    /// one bitshuffle-LZ4 chunk, `blockSize` elements per block (0: automatic).
    public static func encode(_ source: UnsafeRawBufferPointer, elementSize: Int, blockSize: Int = 0) -> [UInt8] {
        precondition(elementSize > 0 && source.count % elementSize == 0, "source is not whole elements")
        let bs = blockSize > 0 ? blockSize : defaultBlockSize(elementSize: elementSize)
        precondition(bs % 8 == 0, "block size must be a multiple of 8 elements")
        let count = source.count / elementSize
        let capacity = maxEncodedSize(count: count, elementSize: elementSize, blockSize: bs)
        var out = [UInt8](repeating: 0, count: capacity)
        let used = out.withUnsafeMutableBytes { o -> Int in
            let dst = o.baseAddress!
            writeBE64(UInt64(source.count), dst)
            writeBE32(UInt32(bs * elementSize), dst + 8)
            guard count > 0 else { return 12 }
            let src = source.baseAddress!
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: bs * elementSize, alignment: 16)
            defer { scratch.deallocate() }
            var pos = 12
            var done = 0
            let shuffled = count - count % 8
            while done < shuffled {
                let m = min(bs, shuffled - done)
                bitShuffle(src + done * elementSize, scratch, count: m, elementSize: elementSize)
                let bound = Int(LZ4_compressBound(Int32(m * elementSize)))
                let n = LZ4_compress_default(scratch.assumingMemoryBound(to: CChar.self),
                                             (dst + pos + 4).assumingMemoryBound(to: CChar.self),
                                             Int32(m * elementSize), Int32(bound))
                precondition(n > 0, "LZ4 compression failed")
                writeBE32(UInt32(n), dst + pos)
                pos += 4 + Int(n)
                done += m
            }
            let rest = (count - shuffled) * elementSize
            if rest > 0 { (dst + pos).copyMemory(from: src + shuffled * elementSize, byteCount: rest) }
            return pos + rest
        }
        out.removeLast(capacity - used)
        return out
    }

    /// Encodes an array of fixed-width integers.
    public static func encode<T: FixedWidthInteger>(_ values: [T], blockSize: Int = 0) -> [UInt8] {
        values.withUnsafeBytes { encode($0, elementSize: MemoryLayout<T>.size, blockSize: blockSize) }
    }

    // MARK: bit transposes

    /// Transposes the 8×8 bit matrix held in `x` (bit 8r + c is row r, column c)
    /// with three mask-and-shift swaps (Warren, Hacker's Delight §7-3).
    @inline(__always) static func transpose8x8(_ x: UInt64) -> UInt64 {
        var x = x
        var t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA
        x = x ^ t ^ (t << 7)
        t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC
        x = x ^ t ^ (t << 14)
        t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0
        x = x ^ t ^ (t << 28)
        return x
    }

    /// Gathers byte k of the eight planes `first`…`first+7` (stride `plane`
    /// bytes) into one word, plane `first + b` in byte b.
    @inline(__always) static func gatherPlanes(_ src: UnsafeRawPointer, first: Int, plane: Int, k: Int) -> UInt64 {
        let p = src + first * plane + k
        var x = UInt64(p.load(as: UInt8.self))
        x |= UInt64((p + plane).load(as: UInt8.self)) << 8
        x |= UInt64((p + 2 * plane).load(as: UInt8.self)) << 16
        x |= UInt64((p + 3 * plane).load(as: UInt8.self)) << 24
        x |= UInt64((p + 4 * plane).load(as: UInt8.self)) << 32
        x |= UInt64((p + 5 * plane).load(as: UInt8.self)) << 40
        x |= UInt64((p + 6 * plane).load(as: UInt8.self)) << 48
        x |= UInt64((p + 7 * plane).load(as: UInt8.self)) << 56
        return x
    }

    /// Eight rows of an 8×8 byte matrix.
    typealias Rows8 = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Swaps the off-diagonal blocks of width `shift` bits between rows a and c
    /// (one step of the recursive matrix transpose).
    @inline(__always) static func swapBlocks(_ a: inout UInt64, _ c: inout UInt64, _ shift: UInt64, _ mask: UInt64) {
        let t = ((a >> shift) ^ c) & mask
        c ^= t
        a ^= t << shift
    }

    /// Loads byte k…k+7 of planes `first`…`first+7` and turns them into
    /// eight words, one per k: word m byte i = byte (first/8) of element
    /// 8(k+m) + i. An 8×8 byte transpose (three block swaps) gathers the
    /// planes' bytes per k, then an 8×8 bit transpose per word splits them
    /// into elements; this reads whole words instead of 64 single bytes.
    @inline(__always) static func unshuffleRows(_ src: UnsafeRawPointer, first: Int, plane: Int, k: Int) -> Rows8 {
        let p = src + first * plane + k
        var r: Rows8 = (p.loadUnaligned(as: UInt64.self), (p + plane).loadUnaligned(as: UInt64.self),
                        (p + 2 * plane).loadUnaligned(as: UInt64.self), (p + 3 * plane).loadUnaligned(as: UInt64.self),
                        (p + 4 * plane).loadUnaligned(as: UInt64.self), (p + 5 * plane).loadUnaligned(as: UInt64.self),
                        (p + 6 * plane).loadUnaligned(as: UInt64.self), (p + 7 * plane).loadUnaligned(as: UInt64.self))
        byteTranspose(&r)
        return (transpose8x8(r.0), transpose8x8(r.1), transpose8x8(r.2), transpose8x8(r.3),
                transpose8x8(r.4), transpose8x8(r.5), transpose8x8(r.6), transpose8x8(r.7))
    }

    /// Writes eight 4-byte elements from words holding their bytes 0–3
    /// (t_j byte i = byte j of element i).
    @inline(__always) static func store8x4(_ out: UnsafeMutableRawPointer,
                                           _ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64) {
        // lo01 holds the low 16-bit halves of elements 0–3, lo23 their high halves.
        let lo01 = interleaveLow(t0, t1), hi01 = interleaveHigh(t0, t1)
        let lo23 = interleaveLow(t2, t3), hi23 = interleaveHigh(t2, t3)
        out.storeBytes(of: (lo01 & 0xFFFF) | (lo23 & 0xFFFF) << 16
                       | ((lo01 >> 16) & 0xFFFF) << 32 | ((lo23 >> 16) & 0xFFFF) << 48, as: UInt64.self)
        out.storeBytes(of: ((lo01 >> 32) & 0xFFFF) | ((lo23 >> 32) & 0xFFFF) << 16
                       | (lo01 >> 48) << 32 | (lo23 >> 48) << 48, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: (hi01 & 0xFFFF) | (hi23 & 0xFFFF) << 16
                       | ((hi01 >> 16) & 0xFFFF) << 32 | ((hi23 >> 16) & 0xFFFF) << 48,
                       toByteOffset: 16, as: UInt64.self)
        out.storeBytes(of: ((hi01 >> 32) & 0xFFFF) | ((hi23 >> 32) & 0xFFFF) << 16
                       | (hi01 >> 48) << 32 | (hi23 >> 48) << 48, toByteOffset: 24, as: UInt64.self)
    }

    /// Undoes the bit shuffle of `count` elements (a multiple of 8) from
    /// `src` (8E planes) into `dst` (elements in order). With `wide`, 4- and
    /// 2-byte elements go through MXBitshuffleKernel's AVX2 code as far as it
    /// takes whole groups of k (the tests compare both).
    static func bitUnshuffle(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, count: Int, elementSize: Int,
                             wide: Bool = wideUnshuffle) {
        let plane = count / 8
        var k = 0
        switch elementSize {
        case 4:
            if wide && plane >= 16 {
                // Whole groups of 16 k with AVX2 (MXBitshuffleKernel, ~2.6× the word-wise code); the rest below.
                k = plane & ~15
                mx_unshuffle32_avx2(src, dst, plane, k)
            }
            while k + 8 <= plane {
                let a = unshuffleRows(src, first: 0, plane: plane, k: k)
                let b = unshuffleRows(src, first: 8, plane: plane, k: k)
                let c = unshuffleRows(src, first: 16, plane: plane, k: k)
                let d = unshuffleRows(src, first: 24, plane: plane, k: k)
                let out = dst + 32 * k
                store8x4(out, a.0, b.0, c.0, d.0); store8x4(out + 32, a.1, b.1, c.1, d.1)
                store8x4(out + 64, a.2, b.2, c.2, d.2); store8x4(out + 96, a.3, b.3, c.3, d.3)
                store8x4(out + 128, a.4, b.4, c.4, d.4); store8x4(out + 160, a.5, b.5, c.5, d.5)
                store8x4(out + 192, a.6, b.6, c.6, d.6); store8x4(out + 224, a.7, b.7, c.7, d.7)
                k += 8
            }
            while k < plane {
                store8x4(dst + 32 * k, transpose8x8(gatherPlanes(src, first: 0, plane: plane, k: k)),
                         transpose8x8(gatherPlanes(src, first: 8, plane: plane, k: k)),
                         transpose8x8(gatherPlanes(src, first: 16, plane: plane, k: k)),
                         transpose8x8(gatherPlanes(src, first: 24, plane: plane, k: k)))
                k += 1
            }
        case 2:
            if wide && plane >= 32 {
                k = plane & ~31
                mx_unshuffle16_avx2(src, dst, plane, k)
            }
            while k + 8 <= plane {
                let a = unshuffleRows(src, first: 0, plane: plane, k: k)
                let b = unshuffleRows(src, first: 8, plane: plane, k: k)
                let out = dst + 16 * k
                withUnsafeBytes(of: a) { ab in
                    withUnsafeBytes(of: b) { bb in
                        for m in 0..<8 {
                            let x = ab.load(fromByteOffset: 8 * m, as: UInt64.self)
                            let y = bb.load(fromByteOffset: 8 * m, as: UInt64.self)
                            out.storeBytes(of: interleaveLow(x, y), toByteOffset: 16 * m, as: UInt64.self)
                            out.storeBytes(of: interleaveHigh(x, y), toByteOffset: 16 * m + 8, as: UInt64.self)
                        }
                    }
                }
                k += 8
            }
            while k < plane {
                let t0 = transpose8x8(gatherPlanes(src, first: 0, plane: plane, k: k))
                let t1 = transpose8x8(gatherPlanes(src, first: 8, plane: plane, k: k))
                let out = dst + 16 * k
                out.storeBytes(of: interleaveLow(t0, t1), as: UInt64.self)
                out.storeBytes(of: interleaveHigh(t0, t1), toByteOffset: 8, as: UInt64.self)
                k += 1
            }
        default:
            for k in 0..<plane {
                for j in 0..<elementSize {
                    let t = transpose8x8(gatherPlanes(src, first: 8 * j, plane: plane, k: k))
                    for i in 0..<8 {
                        (dst + (8 * k + i) * elementSize + j).storeBytes(of: UInt8(truncatingIfNeeded: t >> (8 * i)),
                                                                         as: UInt8.self)
                    }
                }
            }
        }
    }

    /// Whether 4- and 2-byte elements are unshuffled by MXBitshuffleKernel's AVX2
    /// code: when the processor runs it and `MXFLOW_SIMD=baseline` is not set
    /// (the same switch as the spot-finding kernels').
    static let wideUnshuffle: Bool = {
        if let v = getenv("MXFLOW_SIMD"), String(cString: v) == "baseline" { return false }
        return mx_unshuffle_avx2_available() == 1
    }()

    /// Bytes 0–3 of `a` and `b` interleaved: a0 b0 a1 b1 a2 b2 a3 b3.
    @inline(__always) static func interleaveLow(_ a: UInt64, _ b: UInt64) -> UInt64 {
        spread(a & 0xFFFF_FFFF) | spread(b & 0xFFFF_FFFF) << 8
    }
    /// Bytes 4–7 of `a` and `b` interleaved.
    @inline(__always) static func interleaveHigh(_ a: UInt64, _ b: UInt64) -> UInt64 {
        spread(a >> 32) | spread(b >> 32) << 8
    }
    /// Moves byte i of a 32-bit value to byte 2i.
    @inline(__always) static func spread(_ x: UInt64) -> UInt64 {
        var x = x
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
        return x
    }

    /// The 8×8 byte transpose of `r` (row b byte m ↔ row m byte b), by three
    /// rounds of block swaps.
    @inline(__always) static func byteTranspose(_ r: inout Rows8) {
        let m1: UInt64 = 0x00FF_00FF_00FF_00FF, m2: UInt64 = 0x0000_FFFF_0000_FFFF, m4: UInt64 = 0x0000_0000_FFFF_FFFF
        swapBlocks(&r.0, &r.1, 8, m1); swapBlocks(&r.2, &r.3, 8, m1)
        swapBlocks(&r.4, &r.5, 8, m1); swapBlocks(&r.6, &r.7, 8, m1)
        swapBlocks(&r.0, &r.2, 16, m2); swapBlocks(&r.1, &r.3, 16, m2)
        swapBlocks(&r.4, &r.6, 16, m2); swapBlocks(&r.5, &r.7, 16, m2)
        swapBlocks(&r.0, &r.4, 32, m4); swapBlocks(&r.1, &r.5, 32, m4)
        swapBlocks(&r.2, &r.6, 32, m4); swapBlocks(&r.3, &r.7, 32, m4)
    }

    /// Element `i` (of `e` ≤ 8 bytes) at `p`, zero-extended.
    @inline(__always) static func loadElement(_ p: UnsafeRawPointer, _ i: Int, _ e: Int) -> UInt64 {
        switch e {
        case 4: return UInt64(p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        case 2: return UInt64(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        case 8: return p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
        default: return UInt64(p.load(fromByteOffset: i, as: UInt8.self))
        }
    }

    /// Bit-shuffles `count` elements (a multiple of 8) from `src` into `dst`
    /// (8E planes of count/8 bytes): the inverse of `bitUnshuffle`. For each
    /// group of 8 elements, a byte transpose splits them into E words of one
    /// byte each, a bit transpose turns each into 8 plane bytes; eight groups'
    /// plane bytes are byte-transposed again so each plane gets a whole word.
    static func bitShuffle(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, count: Int, elementSize: Int) {
        let plane = count / 8
        let e = elementSize
        guard e <= 8 else {
            bitShuffleBytewise(src, dst, count: count, elementSize: e)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { t in
            var k = 0
            while k + 8 <= plane {
                // t[8j + m] byte b = plane 8j + b, byte k + m.
                for m in 0..<8 {
                    let base = src + (8 * (k + m)) * e
                    var r: Rows8 = (loadElement(base, 0, e), loadElement(base, 1, e), loadElement(base, 2, e),
                                    loadElement(base, 3, e), loadElement(base, 4, e), loadElement(base, 5, e),
                                    loadElement(base, 6, e), loadElement(base, 7, e))
                    byteTranspose(&r)  // row j: byte j of the 8 elements
                    withUnsafeBytes(of: r) { rb in
                        for j in 0..<e { t[8 * j + m] = transpose8x8(rb.load(fromByteOffset: 8 * j, as: UInt64.self)) }
                    }
                }
                for j in 0..<e {
                    var r: Rows8 = (t[8 * j], t[8 * j + 1], t[8 * j + 2], t[8 * j + 3],
                                    t[8 * j + 4], t[8 * j + 5], t[8 * j + 6], t[8 * j + 7])
                    byteTranspose(&r)  // row b: plane 8j + b, bytes k…k+7
                    withUnsafeBytes(of: r) { rb in
                        for b in 0..<8 {
                            (dst + (8 * j + b) * plane + k).storeBytes(
                                of: rb.load(fromByteOffset: 8 * b, as: UInt64.self), as: UInt64.self)
                        }
                    }
                }
                k += 8
            }
            if k < plane {
                // The last k < 8 groups, byte by byte.
                for kk in k..<plane { shuffleGroup(src, dst, k: kk, plane: plane, elementSize: e) }
            }
        }
    }

    /// Shuffles the 8 elements of group k into byte k of each plane.
    @inline(__always) static func shuffleGroup(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer,
                                               k: Int, plane: Int, elementSize e: Int) {
        let base = src + 8 * k * e
        for j in 0..<e {
            // Byte i of x = byte j of element 8k + i; its transpose has plane 8j + b in byte b.
            var x: UInt64 = 0
            for i in 0..<8 { x |= UInt64((base + i * e + j).load(as: UInt8.self)) << (8 * i) }
            let t = transpose8x8(x)
            for b in 0..<8 {
                (dst + (8 * j + b) * plane + k).storeBytes(of: UInt8(truncatingIfNeeded: t >> (8 * b)), as: UInt8.self)
            }
        }
    }

    /// The definition of the shuffle, one byte at a time (any element size;
    /// the reference the word-wise paths are tested against).
    static func bitShuffleBytewise(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, count: Int,
                                   elementSize: Int) {
        for k in 0..<(count / 8) { shuffleGroup(src, dst, k: k, plane: count / 8, elementSize: elementSize) }
    }

    // MARK: big-endian fields

    @inline(__always) static func readBE32(_ p: UnsafeRawPointer) -> UInt32 {
        UInt32(bigEndian: p.loadUnaligned(as: UInt32.self))
    }
    @inline(__always) static func readBE64(_ p: UnsafeRawPointer) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
    }
    @inline(__always) static func writeBE32(_ v: UInt32, _ p: UnsafeMutableRawPointer) {
        p.storeBytes(of: v.bigEndian, as: UInt32.self)
    }
    @inline(__always) static func writeBE64(_ v: UInt64, _ p: UnsafeMutableRawPointer) {
        p.storeBytes(of: v.bigEndian, as: UInt64.self)
    }
}
