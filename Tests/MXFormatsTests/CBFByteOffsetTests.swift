// CBFByteOffsetTests: byte-offset encode/decode round trips, escape widths and corrupt input.
import MXMath
import XCTest
@testable import MXFormats

final class CBFByteOffsetTests: XCTestCase {
    func testRoundTripWithEveryEscapeWidth() throws {
        // Deltas 0, ±1, ±127 (1 byte), ±128, ±32767 (3 bytes), ±32768 … (7 bytes),
        // Int32.max → Int32.min (delta 1 modulo 2³²), 0 → Int32.min (the one 15-byte case).
        let values: [Int32] = [0, 1, -1, 126, -1, 127, -128, 200, -32000, 32767, -32768, 70000,
                               -2, Int32.max, Int32.min, Int32.max, 0, -1, -2, 5, 1_048_500,
                               0, Int32.min, -1, Int32.max, 7]
        let encoded = CBFByteOffset.encode(values)
        XCTAssertEqual(encoded.count, values.withUnsafeBufferPointer { CBFByteOffset.encodedSize($0) })
        XCTAssertEqual(try CBFByteOffset.decode(encoded, count: values.count), values)
        // Two differences of exactly 0x80000000 (0 → Int32.min, −1 → Int32.max) take 15 bytes each.
        XCTAssertEqual(CBFByteOffset.encode([0, Int32.min, -1, Int32.max]).count, 1 + 15 + 7 + 15)
    }

    func testKnownEncodings() {
        // 5 → one byte 05; then +200 → 80 C8 00; then −200000 (delta −200205) → 80 00 80 + Int32 LE.
        XCTAssertEqual(CBFByteOffset.encode([5]), [0x05])
        XCTAssertEqual(CBFByteOffset.encode([5, 205]), [0x05, 0x80, 0xC8, 0x00])
        let d = Int32(-200_000 - 205)
        let le = withUnsafeBytes(of: d.littleEndian) { Array($0) }
        XCTAssertEqual(CBFByteOffset.encode([5, 205, -200_000]), [0x05, 0x80, 0xC8, 0x00, 0x80, 0x00, 0x80] + le)
        // −128 itself is the escape, so a delta of −128 takes 3 bytes.
        XCTAssertEqual(CBFByteOffset.encode([-128]), [0x80, 0x80, 0xFF])
        // A difference of exactly 0x80000000 is the Int32 escape value, so it needs the Int64 form.
        XCTAssertEqual(CBFByteOffset.encode([Int32.min]).count, 15)
        // Differences are written modulo 2³² (dxtbx cannot read the Int64 escape):
        // 1048499 → Int32.min is +2146435149 in 7 bytes, Int32.max → Int32.min is +1 in 1 byte.
        XCTAssertEqual(CBFByteOffset.encode([1_048_499, Int32.min]).count, 7 + 7)
        XCTAssertEqual(CBFByteOffset.encode([Int32.max, Int32.min]).count, 7 + 1)
    }

    func testInt64EscapeDecodesModulo32Bits() throws {
        // A hand-made stream: Int64 delta 2³² + 7 followed by +1 → 7, 8 (wrap-around in Int32).
        var s: [UInt8] = [0x80, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80]
        s += withUnsafeBytes(of: (Int64(1) << 32 + 7).littleEndian) { Array($0) }
        s += [0x01]
        XCTAssertEqual(try CBFByteOffset.decode(s, count: 2), [7, 8])
    }

    func testRandomRoundTripLongerThanFastPathMargin() throws {
        var g = SplitMix64(seed: 42)
        let values: [Int32] = (0..<100_000).map { i in
            switch i % 7 {
            case 0: return Int32(truncatingIfNeeded: g.next())
            case 1: return Int32(truncatingIfNeeded: g.next() % 70_000) - 35_000
            default: return Int32(g.next() % 20)
            }
        }
        let e = CBFByteOffset.encode(values)
        XCTAssertEqual(try CBFByteOffset.decode(e, count: values.count), values)
    }

    func testTruncatedStreamThrowsAtEveryCut() {
        let values: [Int32] = [1, 300, -70_000, Int32.max, Int32.min, 3, 4, 5]
        let e = CBFByteOffset.encode(values)
        for cut in 0..<e.count {
            let part = Array(e[0..<cut])
            XCTAssertThrowsError(try CBFByteOffset.decode(part, count: values.count), "cut at \(cut)") { err in
                guard case CBFByteOffset.DecodeError.truncated = err else { return XCTFail("\(err)") }
            }
        }
        // Asking for more pixels than encoded also throws (reads nothing past the end).
        XCTAssertThrowsError(try CBFByteOffset.decode(e, count: values.count + 1))
    }

    func testGarbageNeverCrashes() {
        var g = SplitMix64(seed: 7)
        for trial in 0..<200 {
            let n = Int(g.next() % 64)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            if trial % 2 == 0 { bytes = bytes.map { $0 | 0x80 } }  // many escapes
            _ = try? CBFByteOffset.decode(bytes, count: Int(g.next() % 40))
        }
    }
}


