// Tests of the bitshuffle-LZ4 codec: layout, round trips, corrupt input, and agreement with HDF5's plugin.
import CHDF5
import XCTest
@testable import MXFormats

final class BitshuffleLZ4Tests: XCTestCase {
    /// Deterministic pseudo-random counts (xorshift), mostly small like diffraction images.
    static func pixels(_ n: Int, seed: UInt64 = 1) -> [UInt32] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<n).map { _ in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            switch s % 100 { case 0: return 0xFFFF_FFFF; case 1: return UInt32(truncatingIfNeeded: s >> 20); default: return UInt32(s % 5) }
        }
    }

    func testShuffleLayoutPutsBitROfElement8kPlusIInPlaneRByteKBitI() {
        // 16 elements of 4 bytes: element 9 = bit 0 and bit 17 set → plane 0 and plane 17, byte 1, bit 1.
        var values = [UInt32](repeating: 0, count: 16)
        values[9] = 1 | 1 << 17
        var planes = [UInt8](repeating: 0, count: 64)
        values.withUnsafeBytes { s in planes.withUnsafeMutableBytes { d in
            BitshuffleLZ4.bitShuffleBytewise(s.baseAddress!, d.baseAddress!, count: 16, elementSize: 4)
        } }
        var expected = [UInt8](repeating: 0, count: 64)
        expected[0 * 2 + 1] = 0b10
        expected[17 * 2 + 1] = 0b10
        XCTAssertEqual(planes, expected)
    }

    func testRoundTripUInt32AndUInt16AtAwkwardSizes() throws {
        for n in [0, 1, 7, 8, 9, 2047, 2048, 2049, 2048 * 3 + 13, 1028 * 7 + 5] {
            let v = Self.pixels(n, seed: UInt64(n) + 3)
            let enc = BitshuffleLZ4.encode(v)
            let dec = try BitshuffleLZ4.decode(enc, count: n, elementSize: 4)
            XCTAssertEqual(dec, v.withUnsafeBytes { Array($0) }, "n = \(n)")
            let h = v.map { UInt16(truncatingIfNeeded: $0) }
            let enc16 = BitshuffleLZ4.encode(h)
            let dec16 = try BitshuffleLZ4.decode(enc16, count: n, elementSize: 2)
            XCTAssertEqual(dec16, h.withUnsafeBytes { Array($0) }, "n = \(n) (16-bit)")
        }
    }

    func testHeaderStoresSizeAndBlockBytesBigEndian() {
        let enc = BitshuffleLZ4.encode([UInt32](repeating: 7, count: 4096))
        XCTAssertEqual(Array(enc[0..<12]), [0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x20, 0])  // 16384 bytes, 8192-byte blocks
        XCTAssertEqual(BitshuffleLZ4.defaultBlockSize(elementSize: 2), 4096)
    }

    func testEveryTruncationThrowsAndNeverCrashes() {
        let v = Self.pixels(2048 * 2 + 21)
        let enc = BitshuffleLZ4.encode(v)
        for cut in 0..<enc.count {
            XCTAssertThrowsError(try BitshuffleLZ4.decode(Array(enc[..<cut]), count: v.count, elementSize: 4),
                                 "cut at \(cut)")
        }
    }

    func testCorruptBytesThrowOrDecodeWithoutOverrun() {
        let v = Self.pixels(5000)
        let enc = BitshuffleLZ4.encode(v)
        var s: UInt64 = 99
        var threw = 0
        for _ in 0..<300 {
            var bad = enc
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            bad[Int(s % UInt64(bad.count))] ^= UInt8(truncatingIfNeeded: s >> 32) | 1
            if (try? BitshuffleLZ4.decode(bad, count: v.count, elementSize: 4)) == nil { threw += 1 }
        }
        XCTAssertGreaterThan(threw, 0)
    }

    func testWrongExpectedSizeAndBadBlockSizeAreTyped() {
        let enc = BitshuffleLZ4.encode(Self.pixels(64))
        XCTAssertThrowsError(try BitshuffleLZ4.decode(enc, count: 65, elementSize: 4)) {
            XCTAssertEqual($0 as? BitshuffleLZ4Error, .sizeMismatch(expectedBytes: 260, headerBytes: 256))
        }
        var bad = enc
        bad[8...11] = [0, 0, 0, 3]
        XCTAssertThrowsError(try BitshuffleLZ4.decode(bad, count: 64, elementSize: 4)) {
            guard case .badHeader = $0 as? BitshuffleLZ4Error else { return XCTFail("\($0)") }
        }
    }

    /// Frame 3 of a shared sweep: the raw chunk decoded here must equal what
    /// HDF5's bitshuffle plugin gives through H5Dread.
    func testDecodeMatchesHDF5PluginOnSharedFrame() throws {
        guard let dir = nexusSharedDataDirectory() else { throw XCTSkip("shared data absent") }
        guard H5Zfilter_avail(H5Z_filter_t(32008)) > 0 else { throw XCTSkip("bitshuffle HDF5 plugin absent") }
        let file = try HDF5File(readingAt: dir + "/insulin_i213/insulin_i213_master.h5")
        let data = try file.dataset("/entry/data/data")
        let shape = data.shape
        let n = shape[1] * shape[2]
        let size = try data.chunkStorageSize(at: [3, 0, 0])
        var raw = [UInt8](repeating: 0, count: size)
        _ = try raw.withUnsafeMutableBytes { try data.readRawChunk(at: [3, 0, 0], into: $0) }
        let mine = try BitshuffleLZ4.decode(raw, count: n, elementSize: 4)
        var theirs = [UInt8](repeating: 0, count: n * 4)
        try theirs.withUnsafeMutableBytes {
            try data.readHyperslab(start: [3, 0, 0], count: [1, shape[1], shape[2]], memType: chdf5_native_uint32(), into: $0)
        }
        XCTAssertEqual(mine, theirs)
    }
}

extension BitshuffleLZ4Tests {
    /// The word-wise shuffle and unshuffle (8 k at a time) must equal the
    /// byte-wise definition for every element size, including the k tail.
    func testFastUnshuffleEqualsDefinition() {
        for e in [1, 2, 4, 8] {
            for count in [8, 64, 72, 8 * 77, 128, 8 * 130, 2048, 2048 + 8 * 21] {
                let v = Self.pixels(count * e / 4 + 2, seed: UInt64(count * e))
                let bytes = v.withUnsafeBytes { Array($0[0..<(count * e)]) }
                var shuffled = [UInt8](repeating: 0, count: count * e)
                var back = [UInt8](repeating: 0, count: count * e)
                bytes.withUnsafeBytes { s in shuffled.withUnsafeMutableBytes { d in
                    BitshuffleLZ4.bitShuffleBytewise(s.baseAddress!, d.baseAddress!, count: count, elementSize: e)
                } }
                var fast = [UInt8](repeating: 0, count: count * e)
                bytes.withUnsafeBytes { s in fast.withUnsafeMutableBytes { d in
                    BitshuffleLZ4.bitShuffle(s.baseAddress!, d.baseAddress!, count: count, elementSize: e)
                } }
                XCTAssertEqual(fast, shuffled, "word-wise shuffle, element size \(e), count \(count)")
                for wide in BitshuffleLZ4.wideUnshuffle ? [false, true] : [false] {
                    back = [UInt8](repeating: 0, count: count * e)
                    shuffled.withUnsafeBytes { s in back.withUnsafeMutableBytes { d in
                        BitshuffleLZ4.bitUnshuffle(s.baseAddress!, d.baseAddress!, count: count, elementSize: e, wide: wide)
                    } }
                    XCTAssertTrue(back == bytes, "element size \(e), count \(count), wide \(wide)")
                }
            }
        }
    }
}

extension BitshuffleLZ4Tests {
    /// The AVX2 unshuffle (MXBitshuffleKernel) on values using all their bits,
    /// at block sizes with and without a tail of k that it leaves to the
    /// word-wise code, against the byte-wise definition.
    func testWideUnshuffleOfFullWidthValues() throws {
        try XCTSkipUnless(BitshuffleLZ4.wideUnshuffle, "this processor has no AVX2")
        var s: UInt64 = 0x2545_F491_4F6C_DD1D
        for e in [4, 2] {
            for count in [128, 256, 8 * 17, 8 * 47, 2048, 2048 - 8, 4096 + 8 * 40] {
                let bytes = (0..<(e * count)).map { _ -> UInt8 in
                    s ^= s << 13; s ^= s >> 7; s ^= s << 17
                    return UInt8(truncatingIfNeeded: s >> 29)
                }
                var shuffled = [UInt8](repeating: 0, count: e * count)
                bytes.withUnsafeBytes { src in shuffled.withUnsafeMutableBytes { dst in
                    BitshuffleLZ4.bitShuffleBytewise(src.baseAddress!, dst.baseAddress!, count: count, elementSize: e)
                } }
                var back = [UInt8](repeating: 0xAB, count: e * count)
                shuffled.withUnsafeBytes { src in back.withUnsafeMutableBytes { dst in
                    BitshuffleLZ4.bitUnshuffle(src.baseAddress!, dst.baseAddress!, count: count, elementSize: e, wide: true)
                } }
                XCTAssertTrue(back == bytes, "element size \(e), count \(count)")
            }
        }
    }
}
