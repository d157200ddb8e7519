// CBFFileTests: reading the shared Pilatus images, MD5, and rejecting broken files with one clear sentence.
import MXMath
import XCTest
@testable import MXFormats

final class CBFFileTests: XCTestCase {
    func testMD5KnownVectors() {
        // RFC 1321 appendix A.5.
        func hex(_ s: String) -> String {
            Array(s.utf8).withUnsafeBytes { CBFMD5.digest($0) }.map { String(format: "%02x", $0) }.joined()
        }
        XCTAssertEqual(hex(""), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(hex("abc"), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
                       "57edf4a22be3c955ac49da2e2107b67a")
        XCTAssertEqual(CBFMD5.base64([0x66, 0x6f, 0x6f, 0x62]), "Zm9vYg==")
    }

    /// Pixel values pinned to dxtbx:
    /// python3 -c 'import dxtbx; from scitbx.array_family import flex;
    ///   d = dxtbx.load("cbf_p4212_00001.cbf").get_raw_data(); a = d.as_1d();
    ///   print(flex.sum(a.as_double()), (a == -1).count(True), (a == -2).count(True),
    ///         d[3, 851], d[503, 584], d[200, 100])'
    /// → 318435.0 73533 6 10 8283 -1; image 30: sum 300601.0.
    func testDecodeSharedImageMatchesDxtbx() throws {
        let paths = try cbfSharedSweep()
        let (file, pixels) = try CBFFile.read(path: paths[0], verifyChecksum: true)
        XCTAssertEqual(file.imageSize.width, 981)
        XCTAssertEqual(file.imageSize.height, 1043)
        XCTAssertEqual(file.binary.binarySize, 1_024_289)
        XCTAssertEqual(file.binary.padding, 4095)
        XCTAssertEqual(file.binary.contentMD5, "CHQiHqnqYMprz6bYtR4IeA==")
        XCTAssertEqual(file.dataName, "cbf_p4212_00001")
        XCTAssertEqual(file.headerConvention, "PILATUS_1.2")
        XCTAssertEqual(pixels.count, 981 * 1043)
        XCTAssertEqual(pixels.reduce(0) { $0 + Int($1) }, 318_435)
        XCTAssertEqual(pixels.filter { $0 == -1 }.count, 73_533)
        XCTAssertEqual(pixels.filter { $0 == -2 }.count, 6)
        XCTAssertEqual(pixels[3 * 981 + 851], 10)
        XCTAssertEqual(pixels[503 * 981 + 584], 8283)
        XCTAssertEqual(pixels.max(), 8283)
        XCTAssertEqual(pixels[200 * 981 + 100], -1)
        let (_, last) = try CBFFile.read(path: paths[29], verifyChecksum: true)
        XCTAssertEqual(last.reduce(0) { $0 + Int($1) }, 300_601)
    }

    func testHeaderFieldsOfSharedImage() throws {
        let paths = try cbfSharedSweep()
        let h = try CBFFile.readHeader(path: paths[1]).header
        XCTAssertEqual(h.detector, "PILATUS 1M, S/N 10-0999 simdata")
        XCTAssertEqual(h.timestamp, "2024-01-01T00:00:00.100")
        XCTAssertEqual(h.pixelSize?.fast, 172e-6 * 1000)  // as dxtbx computes it: 0.17200000000000001
        XCTAssertEqual(h.sensorMaterial, "Silicon")
        XCTAssertEqual(h.materialCode, "Si")
        XCTAssertEqual(h.sensorThickness!, 0.45, accuracy: 1e-12)
        XCTAssertEqual(h.exposureTime, 0.09797)
        XCTAssertEqual(h.exposurePeriod, 0.1)
        XCTAssertEqual(h.countCutoff, 1_048_500)
        XCTAssertEqual(h.threshold, 6350)
        XCTAssertEqual(h.wavelength, 0.9763)
        XCTAssertEqual(h.detectorDistance, 200)
        XCTAssertEqual(h.beamXY?.x, 497.8)
        XCTAssertEqual(h.beamXY?.y, 479.8)
        XCTAssertEqual(h.startAngle, 1)
        XCTAssertEqual(h.angleIncrement, 1)
        XCTAssertEqual(h.detector2Theta, 0)
        XCTAssertEqual(h.polarization, 0.999)
        XCTAssertEqual(h.kappa, 0)
        XCTAssertEqual(h.chiIncrement, 0)
        XCTAssertEqual(h.oscillationAxis, "X.CW")
        XCTAssertEqual(h.nOscillations, 1)
        XCTAssertTrue(h.otherLines.contains("N_excluded_pixels = 6"))
    }

    // MARK: bad input

    func testMissingFile() {
        XCTAssertThrowsError(try CBFFile.read(path: "/nonexistent/x_00001.cbf")) { e in
            XCTAssertEqual("\(e)", "/nonexistent/x_00001.cbf: no such file.")
        }
    }

    func testNotACBF() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let path = dir + "/x_00001.cbf"
        try CBFWriter.writeAtomically(path: path, bytes: Array("hello, I am text\n".utf8))
        XCTAssertThrowsError(try CBFFile.read(path: path)) { e in
            XCTAssertEqual("\(e)", "\(path): not a mini-CBF image (it does not begin with \"###CBF\").")
        }
    }

    /// A small valid image as bytes, for corrupting.
    private func smallImage(width: Int = 7, height: Int = 5) -> (bytes: [UInt8], pixels: [Int32]) {
        let pixels = (0..<(width * height)).map { Int32($0 * $0 * 37 % 100_003) - 3 }
        var h = CBFHeader(); h.detector = "PILATUS test"; h.wavelength = 1; h.countCutoff = 100
        let bytes = pixels.withUnsafeBufferPointer {
            CBFWriter.encode(pixels: $0, width: width, height: height, header: h, dataName: "t")
        }
        return (bytes, pixels)
    }

    func testTruncatedBinarySection() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let (bytes, _) = smallImage()
        let path = dir + "/t_00001.cbf"
        let marker = bytes.withUnsafeBytes { CBFFile.findMarker($0)! }
        try CBFWriter.writeAtomically(path: path, bytes: Array(bytes[0..<(marker + 4 + 10)]))
        XCTAssertThrowsError(try CBFFile.read(path: path)) { e in
            guard case CBFError.truncated(_, _, 10) = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".hasPrefix("\(path): the binary section is truncated"), "\(e)")
        }
        XCTAssertThrowsError(try CBFFile.readHeader(path: path))
    }

    func testWrongElementCount() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        var (bytes, _) = smallImage()
        // Claim 36 elements for a 7×5 image.
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("X-Binary-Number-of-Elements: 35\r\n"))
        bytes = replace(bytes, "X-Binary-Number-of-Elements: 35", "X-Binary-Number-of-Elements: 36")
        let path = dir + "/t_00001.cbf"
        try CBFWriter.writeAtomically(path: path, bytes: bytes)
        XCTAssertThrowsError(try CBFFile.read(path: path)) { e in
            XCTAssertEqual("\(e)", "\(path): X-Binary-Number-of-Elements is 36 but the image is 7×5 = 35 pixels.")
        }
        // Consistent dimensions that disagree with the data: 6×6 declared, 35 encoded.
        var (b2, _) = smallImage()
        b2 = replace(b2, "X-Binary-Number-of-Elements: 35", "X-Binary-Number-of-Elements: 36")
        b2 = replace(b2, "Fastest-Dimension: 7", "Fastest-Dimension: 6")
        b2 = replace(b2, "Second-Dimension: 5", "Second-Dimension: 6")
        try CBFWriter.writeAtomically(path: path, bytes: b2)
        XCTAssertThrowsError(try CBFFile.read(path: path)) { e in
            guard case CBFError.corruptData = e else { return XCTFail("\(e)") }
        }
    }

    func testChecksumMismatchDetectedOnlyWhenAsked() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        var (bytes, _) = smallImage()
        let marker = bytes.withUnsafeBytes { CBFFile.findMarker($0)! }
        bytes[marker + 4] ^= 0x01   // first delta changes, still decodable
        let path = dir + "/t_00001.cbf"
        try CBFWriter.writeAtomically(path: path, bytes: bytes)
        XCTAssertNoThrow(try CBFFile.read(path: path))
        XCTAssertThrowsError(try CBFFile.read(path: path, verifyChecksum: true)) { e in
            guard case CBFError.checksumMismatch = e else { return XCTFail("\(e)") }
        }
    }

    /// Random byte flips, truncations and header edits: every outcome is a
    /// value or a thrown error, never a crash or an out-of-bounds read.
    func testCorruptedImagesNeverCrash() {
        let (good, pixels) = smallImage(width: 40, height: 30)
        var g = SplitMix64(seed: 99)
        var thrown = 0
        for trial in 0..<400 {
            var b = good
            switch trial % 4 {
            case 0: b.removeLast(Int(g.next() % UInt64(b.count)))
            case 1: for _ in 0..<4 { b[Int(g.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: g.next()) }
            case 2:
                let marker = b.withUnsafeBytes { CBFFile.findMarker($0)! }
                for _ in 0..<3 { b[marker + 4 + Int(g.next() % 200)] = 0x80 }
            default:
                let edits = [("X-Binary-Size: ", "X-Binary-Size: 99999999999999999999"),
                             ("X-Binary-Size: ", "X-Binary-Size: 9223372036854775807 "),
                             ("Fastest-Dimension: 40", "Fastest-Dimension: 4611686018427387904"),
                             ("Count_cutoff", "Count_cutoff 1e400 counts #"),
                             ("Wavelength", "Wavelength nan #")]
                let (a, r) = edits[trial / 4 % edits.count]
                b = replace(b, a, r)
            }
            do {
                let out: [Int32] = try b.withUnsafeBytes { raw in
                    let f = try CBFFile.parse(raw, path: "fuzz")
                    try f.checkBinaryExtent(fileSize: raw.count)
                    var px = [Int32](repeating: 0, count: f.binary.numberOfElements)
                    try px.withUnsafeMutableBufferPointer { try f.decodePixels(fileBytes: raw, into: $0) }
                    return px
                }
                XCTAssertEqual(out.count, pixels.count)
            } catch { thrown += 1 }
        }
        XCTAssertGreaterThan(thrown, 100)
    }

    private func replace(_ bytes: [UInt8], _ a: String, _ b: String) -> [UInt8] {
        let marker = bytes.withUnsafeBytes { CBFFile.findMarker($0)! }
        let text = String(decoding: bytes[0..<marker], as: UTF8.self).replacingOccurrences(of: a, with: b)
        return Array(text.utf8) + Array(bytes[marker...])
    }
}
