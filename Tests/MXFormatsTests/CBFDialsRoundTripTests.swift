// CBFDialsRoundTripTests: a series written by CBFWriter, imported by dials.import, gives the intended geometry.
import Foundation
import XCTest
import MXMath
import MXModel
@testable import MXFormats

final class CBFDialsRoundTripTests: XCTestCase {
    /// Path of `dials.import`, or a skip when DIALS is not installed.
    private func dialsImport() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/dials.import"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw XCTSkip("dials.import is not installed")
    }

    /// Runs dials.import on `paths` in `dir` and returns imported.expt as JSON.
    private func runDialsImport(_ exe: String, _ paths: [String], in dir: String) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = paths + ["output.experiments=\(dir)/imported.expt", "output.log=\(dir)/import.log"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "dials.import failed, see \(dir)/import.log")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/imported.expt"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func vec(_ a: Any?) -> Vec3 {
        let v = (a as? [Double]) ?? [.nan, .nan, .nan]
        return Vec3(v[0], v[1], v[2])
    }

    /// Writes 4 images from the models, imports them with DIALS and with
    /// importCBFSeries, and compares every geometry number to 1e-6.
    private func checkRoundTrip(width: Int, height: Int, material: String?, epochs: Bool) throws {
        let exe = try dialsImport()
        let dir = cbfScratchDirectory(); defer { cbfRemoveDirectory(dir) }
        let pixel = 0.172, distance = 150.55, bx = Double(width) * 0.43 + 0.37, by = Double(height) * 0.61 - 0.21
        var panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0),
                          origin: Vec3(-bx * pixel, by * pixel, -distance),
                          imageSize: (width, height), pixelSize: (pixel, pixel), trustedRange: (-1, 1_048_500))
        if let material { panel.material = material; panel.thickness = 0.32 }
        let beam = Beam(wavelength: 1.0332)
        let scan = Scan(imageRange: 1...4, oscillationStartDegrees: 12.5, oscillationWidthDegrees: 0.25,
                        exposureTimes: Array(repeating: 0.05, count: 4),
                        epochs: epochs ? (0..<4).map { 1_700_000_000 + 0.05 * Double($0) } : [])
        var g = SplitMix64(seed: 11)
        var firstPixels: [Int32] = []
        let paths = try (1...4).map { n -> String in
            let h = CBFHeader(beam: beam, panel: panel, scan: scan, image: n)
            let path = dir + String(format: "/rt_%05d.cbf", n)
            var px = (0..<(width * height)).map { _ in Int32(g.next() % 9) }
            // Values that need the 2-, 4- and 8-byte escapes, gaps and bad pixels.
            px[1] = -1; px[2] = -2; px[3] = 40_000; px[4] = 1_048_499; px[5] = Int32.min; px[6] = Int32.max
            if n == 1 { firstPixels = px }
            try CBFWriter.write(path: path, pixels: px, width: width, height: height, header: h)
            return path
        }
        // dxtbx decodes our pixels to the same values, and Content-MD5 matches hashlib's.
        let py = Process()
        py.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        py.arguments = ["-c", """
            import base64, hashlib, sys, dxtbx
            from scitbx.array_family import flex
            a = dxtbx.load(sys.argv[1]).get_raw_data().as_1d()
            raw = open(sys.argv[1], "rb").read()
            start = raw.index(bytes([12, 26, 4, 213])) + 4
            size = int(raw.split(b"X-Binary-Size:")[1].split()[0])
            md5 = raw.split(b"Content-MD5:")[1].split()[0].decode()
            ok = base64.b64encode(hashlib.md5(raw[start:start + size]).digest()).decode() == md5
            print(len(a), int(flex.sum(a.as_double())), a[1], a[2], a[3], a[4], a[5], a[6], ok)
            """, paths[0]]
        let pipe = Pipe()
        py.standardOutput = pipe
        py.standardError = FileHandle.nullDevice
        try py.run(); py.waitUntilExit()
        let line = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let sum = firstPixels.reduce(0) { $0 + Int($1) }
        XCTAssertEqual(line.trimmingCharacters(in: .whitespacesAndNewlines),
                       "\(width * height) \(sum) -1 -2 40000 1048499 \(Int32.min) \(Int32.max) True")

        let json = try runDialsImport(exe, paths, in: dir)
        let ours = try importCBFSeries(paths: paths)

        let dp = try XCTUnwrap(((json["detector"] as? [[String: Any]])?.first?["panels"] as? [[String: Any]])?.first)
        let origin = vec(dp["origin"])
        for (a, b) in [(origin, panel.origin), (ours.detector[0].origin, panel.origin)] {
            XCTAssertEqual(a.x, b.x, accuracy: 1e-6); XCTAssertEqual(a.y, b.y, accuracy: 1e-6)
            XCTAssertEqual(a.z, b.z, accuracy: 1e-6)
        }
        XCTAssertEqual(vec(dp["fast_axis"]), Vec3(1, 0, 0))
        XCTAssertEqual(vec(dp["slow_axis"]), Vec3(0, -1, 0))
        let ps = try XCTUnwrap(dp["pixel_size"] as? [Double])
        XCTAssertEqual(ps[0], pixel, accuracy: 1e-12)
        XCTAssertEqual(dp["image_size"] as? [Int], [width, height])
        XCTAssertEqual(dp["trusted_range"] as? [Double], [-1, 1_048_500])
        XCTAssertEqual((dp["thickness"] as? Double) ?? .nan, ours.detector[0].thickness, accuracy: 1e-12)
        XCTAssertEqual((dp["mu"] as? Double) ?? .nan, ours.detector[0].mu, accuracy: 1e-9)
        XCTAssertEqual((dp["material"] as? String) ?? "", ours.detector[0].material)
        let strategy = (dp["px_mm_strategy"] as? [String: Any])?["type"] as? String
        XCTAssertEqual(strategy, ours.detector[0].pxMmStrategy.rawValue)

        let db = try XCTUnwrap((json["beam"] as? [[String: Any]])?.first)
        XCTAssertEqual((db["wavelength"] as? Double) ?? .nan, 1.0332, accuracy: 1e-9)
        XCTAssertEqual(ours.beam.wavelength, 1.0332, accuracy: 1e-9)
        let ds = try XCTUnwrap((json["scan"] as? [[String: Any]])?.first)
        XCTAssertEqual(ds["image_range"] as? [Int], [1, 4])
        let osc = try XCTUnwrap(ds["oscillation"] as? [Double])
        XCTAssertEqual(osc[0], 12.5, accuracy: 1e-9); XCTAssertEqual(osc[1], 0.25, accuracy: 1e-9)
        XCTAssertEqual(ours.scan!.oscillationStartDegrees, 12.5, accuracy: 1e-9)
        let ex = try XCTUnwrap(ds["exposure_time"] as? [Double])
        XCTAssertEqual(ex, ours.scan!.exposureTimes)
        let ep = try XCTUnwrap(ds["epochs"] as? [Double])
        // Without epochs the writer stamps 1970-01-01T00:00:00.000 on every image.
        let intended = epochs ? scan.epochs : Array(repeating: 0, count: 4)
        XCTAssertEqual(ep.count, 4)
        XCTAssertEqual(ours.scan!.epochs.count, 4)
        for (a, b) in zip(ep, intended) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (a, b) in zip(ours.scan!.epochs, intended) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let dg = try XCTUnwrap((json["goniometer"] as? [[String: Any]])?.first)
        XCTAssertEqual(vec(dg["rotation_axis"]), ours.goniometer!.rotationAxis)
    }

    /// A one-module Pilatus (487 × 195, PILATUS_1.2 convention, dxtbx's Pilatus reader).
    func testPilatusLayoutThroughDials() throws {
        try checkRoundTrip(width: 487, height: 195, material: "Si", epochs: true)
    }

    /// The Pilatus reader again, from a scan without epochs (it needs a time stamp).
    func testPilatusLayoutWithoutEpochsThroughDials() throws {
        try checkRoundTrip(width: 487, height: 195, material: "CdTe", epochs: false)
    }

    /// A non-Pilatus size (GENERIC_MINI convention, dxtbx's generic mini-CBF reader), no sensor line.
    func testGenericSizeThroughDials() throws {
        try checkRoundTrip(width: 300, height: 200, material: nil, epochs: true)
    }
}
