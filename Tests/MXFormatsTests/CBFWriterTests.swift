// CBFWriterTests: written images read back identically (pixels, header, Content-MD5).
import XCTest
import MXMath
import MXModel
@testable import MXFormats

final class CBFWriterTests: XCTestCase {
    func testWriteReadRoundTrip() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let w = 487, h = 195
        var g = SplitMix64(seed: 3)
        var pixels = (0..<(w * h)).map { _ in Int32(g.next() % 50) }
        pixels[0] = -1; pixels[10] = -2; pixels[100] = 1_048_500; pixels[101] = Int32.max; pixels[102] = Int32.min
        var header = CBFHeader()
        header.detector = "PILATUS 300K, S/N 3-0000 test"
        header.timestamp = "2025-03-04T05:06:07.890"
        header.pixelSize = (172e-6 * 1000, 172e-6 * 1000)  // what reading "172e-6 m" gives
        header.sensorMaterial = "Silicon"; header.sensorThickness = 0.45
        header.exposureTime = 0.1; header.exposurePeriod = 0.1
        header.countCutoff = 1_048_500
        header.wavelength = 0.97625  // five decimals exactly
        header.detectorDistance = 234.56789  // more digits than Pilatus writes: kept exactly
        header.beamXY = (243.123456, 97.5)
        header.startAngle = -12.5; header.angleIncrement = 0.15
        header.oscillationAxis = "X.CW"; header.nOscillations = 1
        header.otherLines = ["Gain_setting: autog (vrf = 1.000)"]
        let path = dir + "/w_00001.cbf"
        try CBFWriter.write(path: path, pixels: pixels, width: w, height: h, header: header)
        let (file, back) = try CBFFile.read(path: path, verifyChecksum: true)
        XCTAssertEqual(back, pixels)
        XCTAssertEqual(file.header, header)
        XCTAssertEqual(file.dataName, "w_00001")
        XCTAssertEqual(file.imageSize.width, w)
        XCTAssertNotNil(file.binary.contentMD5)
        let text = String(decoding: try CBFFile.readWholeFile(path: path).prefix(1200), as: UTF8.self)
        XCTAssertTrue(text.contains("# Detector_distance 0.23456789 m\r\n"), text)
        XCTAssertTrue(text.contains("# Wavelength 0.97625 A\r\n"), text)
        XCTAssertTrue(text.contains("# Pixel_size 172e-6 m x 172e-6 m\r\n"), text)
        XCTAssertTrue(text.contains("# Beam_xy (243.123456, 97.50) pixels\r\n"), text)
    }

    func testHeaderFromModels() {
        // Beam centre (100.5, 60.25) px on a 0.172 mm Pilatus at 250 mm.
        var panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0),
                          origin: Vec3(-100.5 * 0.172, 60.25 * 0.172, -250),
                          imageSize: (487, 195), pixelSize: (0.172, 0.172), trustedRange: (-1, 1_048_500))
        panel.material = "Si"; panel.thickness = 0.45
        let beam = Beam(wavelength: 1.2)
        var scan = Scan(imageRange: 1...10, oscillationStartDegrees: 30, oscillationWidthDegrees: 0.5,
                        exposureTimes: Array(repeating: 0.2, count: 10),
                        epochs: (0..<10).map { 1_704_067_200 + 0.2 * Double($0) })
        scan.batchOffset = 0
        let h = CBFHeader(beam: beam, panel: panel, scan: scan, image: 3)
        XCTAssertEqual(h.beamXY!.x, 100.5, accuracy: 1e-9)
        XCTAssertEqual(h.beamXY!.y, 60.25, accuracy: 1e-9)
        XCTAssertEqual(h.detectorDistance!, 250, accuracy: 1e-12)
        XCTAssertEqual(h.startAngle!, 31, accuracy: 1e-12)
        XCTAssertEqual(h.angleIncrement, 0.5)
        XCTAssertEqual(h.timestamp, "2024-01-01T00:00:00.400")
        XCTAssertEqual(h.sensorMaterial, "Silicon")
        XCTAssertEqual(h.countCutoff, 1_048_500)
        XCTAssertEqual(h.exposurePeriod, 0.2)
    }

    func testRejectsWrongPixelCount() {
        XCTAssertThrowsError(try CBFWriter.write(path: "/tmp/never.cbf", pixels: [1, 2, 3], width: 2, height: 2,
                                                 header: CBFHeader())) { e in
            XCTAssertEqual("\(e)", "/tmp/never.cbf: cannot be written (3 pixels were given for a 2×2 image).")
        }
    }
}
