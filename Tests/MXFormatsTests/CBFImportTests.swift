// CBFImportTests: the shared Pilatus sweep imported as dials.import does, and series that must be refused.
import Foundation
import XCTest
import MXMath
import MXModel
@testable import MXFormats

final class CBFImportTests: XCTestCase {
    /// Expected numbers from DIALS 3.12 / dxtbx 3.11:
    ///   dials.import /work/shared/data/cbf_p4212/*.cbf && dials.show imported.expt
    /// and the raw JSON of imported.expt (origin, pixel size, mu, epochs).
    func testSharedSweepMatchesDials() throws {
        let paths = try cbfSharedSweep()
        // Given out of order: import sorts by image number.
        let e = try importCBFSeries(paths: paths.reversed())
        let dir = (paths[0] as NSString).deletingLastPathComponent
        XCTAssertEqual(e.imageSet?.kind, .fileSeries)
        XCTAssertEqual(e.imageSet?.template, cbfAbsolutePath(dir, cwd: "/") + "/cbf_p4212_#####.cbf")
        XCTAssertTrue(e.imageSet!.template.hasPrefix("/"))

        XCTAssertEqual(e.beam.wavelength, 0.9763, accuracy: 1e-12)
        XCTAssertEqual(e.beam.direction, Vec3(0, 0, 1))
        XCTAssertEqual(e.beam.polarizationFraction, 0.999)
        XCTAssertEqual(e.beam.polarizationNormal, Vec3(0, 1, 0))
        XCTAssertEqual(e.beam.flux, 0)
        XCTAssertEqual(e.beam.transmission, 1)

        let p = e.detector[0]
        XCTAssertEqual(e.detector.count, 1)
        XCTAssertEqual(p.name, "Panel")
        XCTAssertEqual(p.fastAxis, Vec3(1, 0, 0))
        XCTAssertEqual(p.slowAxis, Vec3(0, -1, 0))
        XCTAssertEqual(p.origin.x, -85.6216, accuracy: 1e-9)
        XCTAssertEqual(p.origin.y, 82.52560000000001, accuracy: 1e-9)
        XCTAssertEqual(p.origin.z, -200.0, accuracy: 1e-12)
        XCTAssertEqual(p.distance, 200, accuracy: 1e-9)
        XCTAssertEqual(p.pixelSize.fast, 0.17200000000000001, accuracy: 1e-15)
        XCTAssertEqual(p.pixelSize.slow, 0.17200000000000001, accuracy: 1e-15)
        XCTAssertEqual(p.imageSize.fast, 981)
        XCTAssertEqual(p.imageSize.slow, 1043)
        XCTAssertEqual(p.trustedRange.low, -1)
        XCTAssertEqual(p.trustedRange.high, 1_048_500)
        XCTAssertEqual(p.thickness, 0.45, accuracy: 1e-12)
        XCTAssertEqual(p.material, "Si")
        XCTAssertEqual(p.mu, 3.922624691862258, accuracy: 1e-12)
        XCTAssertEqual(p.pxMmStrategy, .parallaxCorrected)
        // dials.show: Beam centre mm (85.62, 82.53), px (497.80, 479.80).
        let bc = try XCTUnwrap(e.detector.beamCentre(s0: e.beam.s0))
        XCTAssertEqual(bc.mm.x, 85.6216, accuracy: 1e-6)
        XCTAssertEqual(bc.mm.y, 82.5256, accuracy: 1e-6)
        let px = p.pixel(fromMillimetre: bc.mm)
        XCTAssertEqual(px.x, 497.8, accuracy: 1e-6)
        XCTAssertEqual(px.y, 479.8, accuracy: 1e-6)

        // dials.show: "Max resolution (at corners): 1.725736".
        XCTAssertEqual(e.detector.maxResolution(s0: e.beam.s0), 1.725736, accuracy: 1e-6)

        XCTAssertEqual(e.goniometer?.rotationAxis, Vec3(1, 0, 0))
        XCTAssertEqual(e.goniometer?.fixedRotation, .identity)
        let scan = try XCTUnwrap(e.scan)
        XCTAssertEqual(scan.imageRange, 1...30)
        XCTAssertEqual(scan.oscillationStartDegrees, 0)
        XCTAssertEqual(scan.oscillationWidthDegrees, 1)
        XCTAssertEqual(scan.exposureTimes, Array(repeating: 0.1, count: 30))  // Exposure_period, as dxtbx
        XCTAssertEqual(scan.epochs.count, 30)
        XCTAssertEqual(scan.epochs[0], 1_704_067_200.0, accuracy: 1e-6)
        XCTAssertEqual(scan.epochs[29], 1_704_067_202.9, accuracy: 1e-6)
    }

    func testTimestampForms() {
        XCTAssertEqual(pilatusEpoch("2024-01-01T00:00:00.100")!, 1_704_067_200.1, accuracy: 1e-9)
        XCTAssertEqual(pilatusEpoch("2024-Jan-01T00:00:00"), 1_704_067_200)
        XCTAssertEqual(pilatusEpoch("2013/Mar/05 12:34:56.5")!, 1_362_486_896.5, accuracy: 1e-9)
        XCTAssertEqual(pilatusEpoch("1970-01-01T00:00:00.000"), 0)
        XCTAssertNil(pilatusEpoch("yesterday"))
        XCTAssertNil(pilatusEpoch("2024-13-01T00:00:00"))
    }

    func testNumberedNames() {
        let s = cbfSplitNumberedName("/a/b/x_1_00012.cbf")!
        XCTAssertEqual(s.dir, "/a/b"); XCTAssertEqual(s.prefix, "x_1_"); XCTAssertEqual(s.number, 12)
        XCTAssertEqual(s.width, 5); XCTAssertEqual(s.ext, ".cbf")
        XCTAssertNil(cbfSplitNumberedName("/a/b/x.cbf"))
        XCTAssertEqual(cbfAbsolutePath("d/./e/../f.cbf", cwd: "/w"), "/w/d/f.cbf")
        XCTAssertEqual(pilatusModuleGaps(width: 981, height: 1043).count, 5)
        XCTAssertTrue(pilatusModuleGaps(width: 1000, height: 1000).isEmpty)
    }

    // MARK: series that must be refused

    /// Writes images `numbers` of a 487 × 195 series into `dir`; `edit` may change each header or size.
    private func writeSeries(_ dir: String, _ numbers: [Int], size: (Int) -> (Int, Int) = { _ in (487, 195) },
                             edit: (Int, inout CBFHeader) -> Void = { _, _ in }) throws -> [String] {
        try numbers.map { n in
            var h = CBFHeader()
            h.detector = "PILATUS 100K test"
            h.pixelSize = (0.172, 0.172); h.wavelength = 1; h.detectorDistance = 100
            h.beamXY = (200, 100); h.countCutoff = 1_000_000; h.exposurePeriod = 0.1
            h.startAngle = Double(n - 1) * 0.5; h.angleIncrement = 0.5
            edit(n, &h)
            let (w, hh) = size(n)
            let path = dir + String(format: "/s_%04d.cbf", n)
            try CBFWriter.write(path: path, pixels: Array(repeating: 1, count: w * hh), width: w, height: hh, header: h)
            return path
        }
    }

    func testSmallWrittenSeriesImports() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let paths = try writeSeries(dir, [3, 4, 5])
        let e = try importCBFSeries(paths: paths)
        XCTAssertEqual(e.scan?.imageRange, 3...5)
        XCTAssertEqual(e.scan!.oscillationStartDegrees, 1.0, accuracy: 1e-12)
        XCTAssertEqual(e.imageSet?.template, cbfAbsolutePath(dir, cwd: "/") + "/s_####.cbf")
        XCTAssertEqual(e.detector[0].material, "")          // no sensor line → no material
        XCTAssertEqual(e.detector[0].pxMmStrategy, .simple)
        XCTAssertTrue(e.scan!.epochs.isEmpty)                // no time stamps
    }

    func testNonConsecutiveSeries() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let paths = try writeSeries(dir, [1, 2, 4])
        XCTAssertThrowsError(try importCBFSeries(paths: paths)) { e in
            XCTAssertEqual("\(e)", "\(paths[2]): the series is not consecutive (image 4 follows where 3 was expected).")
        }
    }

    func testFramesOfDifferentSize() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let paths = try writeSeries(dir, [1, 2], size: { $0 == 2 ? (487, 407) : (487, 195) })
        XCTAssertThrowsError(try importCBFSeries(paths: paths)) { e in
            XCTAssertEqual("\(e)", "\(paths[1]): the image is 487×407 pixels but the series' first image is 487×195.")
        }
        // The image source refuses the odd frame too.
        let src = try CBFImageSource(template: dir + "/s_####.cbf", imageRange: 1...2)
        XCTAssertThrowsError(try src.readFrame(1)) { e in
            guard case CBFError.sizeMismatch = e else { return XCTFail("\(e)") }
        }
    }

    func testInconsistentAngles() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let paths = try writeSeries(dir, [1, 2, 3], edit: { n, h in if n == 3 { h.startAngle = 5 } })
        XCTAssertThrowsError(try importCBFSeries(paths: paths)) { e in
            guard case CBFError.inconsistentAngles(let p, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(p, paths[2])
        }
    }

    func testMissingFileAndMixedNames() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let paths = try writeSeries(dir, [1])
        XCTAssertThrowsError(try importCBFSeries(paths: paths + [dir + "/s_0002.cbf"])) { e in
            XCTAssertEqual("\(e)", "\(dir)/s_0002.cbf: no such file.")
        }
        XCTAssertThrowsError(try importCBFSeries(paths: paths + [dir + "/other_0002.cbf"])) { e in
            guard case CBFError.differentDirectoryOrName = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try importCBFSeries(paths: [])) { e in XCTAssertEqual("\(e)", "No CBF files were given.") }
    }

    func testMissingRequiredHeaderField() throws {
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let paths = try writeSeries(dir, [1], edit: { _, h in h.wavelength = nil })
        XCTAssertThrowsError(try importCBFSeries(paths: paths)) { e in
            XCTAssertEqual("\(e)", "\(paths[0]): required header field Wavelength is missing.")
        }
    }
}
