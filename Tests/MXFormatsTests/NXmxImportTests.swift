// Tests of NXmx import: geometry of the shared sweeps pinned to dials.import, and of small synthetic files.
import XCTest
import MXMath
import MXModel
@testable import MXFormats

/// Writes a small NXmx master + data file pair for tests, with switches that
/// break it in the ways readers must report.
struct TestNXmx {
    var frames = 3, height = 16, width = 24
    var wavelength: Double? = 1.2
    var sampleDependsOn = true
    var multiAxis = false
    var sixteenBit = false
    var compression: HDF5Writer.FrameCompression = .bitshuffleLZ4
    var writeDataFile = true
    /// Frame whose stored chunk is cut short.
    var truncatedFrame: Int? = nil
    /// Frames per data file when the sweep is split over data_000001, data_000002, …
    /// (Eiger style, no NXdata signal); nil for one linked `data`.
    var framesPerFile: Int? = nil

    /// When set, omega_end = omega + this (e.g. a shutter closed between frames).
    var omegaEndStep: Double? = nil
    /// When set, written as omega_increment_set.
    var omegaIncrementSet: Double? = nil
    /// bit_depth_readout, when written; pixel 7 then holds 2^b − 2 (dead).
    var readoutDepth: Int? = nil

    /// Pixel value of frame f at pixel i; column 5 is a module gap.
    func value(_ f: Int, _ i: Int) -> UInt32 {
        if let b = readoutDepth, i == 7 { return UInt32((UInt64(1) << UInt64(b == 32 ? 31 : b)) - 2) }
        return i % width == 5 ? (sixteenBit ? 0xFFFF : 0xFFFF_FFFF) : UInt32((f * 7 + i * 3) % 50)
    }

    @discardableResult
    func write(to dir: String, name: String = "t") throws -> String {
        let master = dir + "/\(name)_master.h5"
        let perFile = framesPerFile ?? frames
        let files = (frames + perFile - 1) / perFile
        func dataName(_ k: Int) -> String {
            let digits = String(k + 1)
            return "\(name)_data_" + String(repeating: "0", count: 6 - digits.count) + digits + ".h5"
        }
        for k in 0..<files where writeDataFile {
            let first = k * perFile, count = min(perFile, frames - first)
            let w = try HDF5Writer(creatingAt: dir + "/" + dataName(k))
            try w.createGroup("/entry", nxClass: "NXentry")
            try w.createGroup("/entry/data", nxClass: "NXdata")
            let n = height * width
            if sixteenBit {
                let fw = try w.createFrameDataset("/entry/data/data", frames: count, height: height, width: width,
                                                  of: UInt16.self, compression: compression)
                for f in 0..<count { try fw.write(frame: f, pixels: (0..<n).map { UInt16(value(first + f, $0)) }) }
            } else {
                let fw = try w.createFrameDataset("/entry/data/data", frames: count, height: height, width: width,
                                                  of: UInt32.self, compression: compression)
                for f in 0..<count {
                    let px = (0..<n).map { value(first + f, $0) }
                    if first + f == truncatedFrame {
                        let enc = BitshuffleLZ4.encode(px)
                        try fw.writeRawChunk(frame: f, bytes: Array(enc[..<(enc.count - 9)]))
                    } else {
                        try fw.write(frame: f, pixels: px)
                    }
                }
            }
            w.close()
        }
        let w = try HDF5Writer(creatingAt: master)
        try w.createGroup("/entry", nxClass: "NXentry")
        try w.writeString("/entry/definition", "NXmx")
        if framesPerFile == nil {
            try w.createGroup("/entry/data", nxClass: "NXdata", attributes: ["signal": .string("data")])
            try w.createExternalLink("/entry/data/data", file: dataName(0), object: "/entry/data/data")
        } else {
            try w.createGroup("/entry/data", nxClass: "NXdata")
            for k in 0..<files {
                let link = String(dataName(k).dropFirst(name.count + 1).dropLast(3))  // data_00000k
                try w.createExternalLink("/entry/data/" + link, file: dataName(k), object: "/entry/data/data")
            }
        }
        try w.createGroup("/entry/instrument", nxClass: "NXinstrument")
        try w.createGroup("/entry/instrument/beam", nxClass: "NXbeam")
        if let wl = wavelength {
            try w.writeScalar("/entry/instrument/beam/incident_wavelength", wl, attributes: ["units": .string("angstrom")])
        }
        let det = "/entry/instrument/detector"
        try w.createGroup(det, nxClass: "NXdetector")
        try w.writeScalar(det + "/saturation_value", Int64(60000))
        try w.writeScalar(det + "/underload_value", Int64(0))
        try w.writeString(det + "/sensor_material", "Silicon")
        try w.writeScalar(det + "/sensor_thickness", 450.0, attributes: ["units": .string("um")])
        try w.writeScalar(det + "/frame_time", 0.1, attributes: ["units": .string("s")])
        try w.writeScalar(det + "/bit_depth_image", Int32(sixteenBit ? 16 : 32))
        if let b = readoutDepth { try w.writeScalar(det + "/bit_depth_readout", Int32(b)) }
        var mask = [UInt32](repeating: 0, count: height * width)
        for i in stride(from: 5, to: mask.count, by: width) { mask[i] = 1 }
        mask[width * 2 + 9] = 8
        try w.writeArray(det + "/pixel_mask", mask, shape: [height, width])
        try w.createGroup(det + "/transformations", nxClass: "NXtransformations")
        // Detector on a 2θ arm: 100 mm along the beam, then the arm turns 30° about x.
        try w.writeScalar(det + "/transformations/two_theta", 30.0, attributes: [
            "depends_on": .string("."), "transformation_type": .string("rotation"),
            "vector": .doubles([1, 0, 0]), "units": .string("deg")])
        try w.writeScalar(det + "/transformations/distance", 0.1, attributes: [
            "depends_on": .string("two_theta"), "transformation_type": .string("translation"),
            "vector": .doubles([0, 0, 1]), "units": .string("m")])
        let mod = det + "/module"
        try w.createGroup(mod, nxClass: "NXdetector_module")
        try w.writeArray(mod + "/data_origin", [Int32(0), 0])
        try w.writeArray(mod + "/data_size", [Int32(height), Int32(width)])
        try w.writeScalar(mod + "/module_offset", 10.0, attributes: [
            "depends_on": .string(det + "/transformations/distance"), "transformation_type": .string("translation"),
            "vector": .doubles([1, 0, 0]), "offset": .doubles([0, 0, 0]), "units": .string("mm")])
        for (axis, vec) in [("fast_pixel_direction", [-1.0, 0, 0]), ("slow_pixel_direction", [0.0, -1, 0])] {
            try w.writeScalar(mod + "/" + axis, 0.075, attributes: [
                "depends_on": .string(mod + "/module_offset"), "transformation_type": .string("translation"),
                "vector": .doubles(vec), "units": .string("mm")])
        }
        try w.createGroup("/entry/sample", nxClass: "NXsample")
        try w.createGroup("/entry/sample/transformations", nxClass: "NXtransformations")
        let omega = (0..<frames).map { 10 + 0.5 * Double($0) }
        try w.writeArray("/entry/sample/transformations/omega", omega, attributes: [
            "depends_on": .string("."), "transformation_type": .string("rotation"),
            "vector": .doubles([-1, 0, 0]), "units": .string("deg")])
        if let step = omegaEndStep {
            try w.writeArray("/entry/sample/transformations/omega_end", omega.map { $0 + step },
                             attributes: ["units": .string("deg")])
        }
        if let inc = omegaIncrementSet {
            try w.writeScalar("/entry/sample/transformations/omega_increment_set", inc, attributes: ["units": .string("deg")])
        }
        if multiAxis {
            try w.writeScalar("/entry/sample/transformations/chi", 90.0, attributes: [
                "depends_on": .string("/entry/sample/transformations/omega"),
                "transformation_type": .string("rotation"), "vector": .doubles([0, 0, 1]), "units": .string("deg")])
            try w.writeArray("/entry/sample/transformations/phi", [Double](repeating: 20, count: frames), attributes: [
                "depends_on": .string("/entry/sample/transformations/chi"),
                "transformation_type": .string("rotation"), "vector": .doubles([-1, 0, 0]), "units": .string("deg")])
        }
        if sampleDependsOn {
            try w.writeString("/entry/sample/depends_on", "/entry/sample/transformations/" + (multiAxis ? "phi" : "omega"))
        }
        w.close()
        return master
    }
}

final class NXmxImportTests: XCTestCase {
    /// Numbers from `dials.import <master.h5>` (DIALS 3.12, HDF5_PLUGIN_PATH set)
    /// then dxtbx `panel.get_beam_centre(s0)`, `get_beam_centre_px(s0)`,
    /// `get_pixel_lab_coord((100.5, 200.25))`.
    struct Reference {
        let name: String
        let origin: Vec3, wavelength: Double, mu: Double
        let images: Int, width: Double
        let centreMM: (Double, Double), centrePx: (Double, Double), labAt: Vec3
    }
    static let references: [Reference] = [
        Reference(name: "insulin_i213", origin: Vec3(-39.0975, 36.6975, -120), wavelength: 0.9763,
                  mu: 3.922624691862258, images: 90, width: 1, centreMM: (39.0975, 36.6975), centrePx: (521.3, 489.3),
                  labAt: Vec3(-31.52469636357902, 21.654499724079173, -120.0)),
        Reference(name: "beam_offset_c2", origin: Vec3(-40.29749999999999, 35.7975, -130), wavelength: 0.9763,
                  mu: 3.922624691862258, images: 60, width: 1, centreMM: (40.2975, 35.7975), centrePx: (537.3, 477.3),
                  labAt: Vec3(-32.72616825856083, 20.75729147443746, -130.0)),
        Reference(name: "lysozyme_p43212", origin: Vec3(-39.0975, 36.6975, -100), wavelength: 1.2,
                  mu: 7.176242358809583, images: 180, width: 0.5, centreMM: (39.0975, 36.6975), centrePx: (521.3, 489.3),
                  labAt: Vec3(-31.524695584176488, 21.65449918870298, -100.0)),
        Reference(name: "split_lattice_p212121", origin: Vec3(-39.0975, 36.6975, -120), wavelength: 0.9763,
                  mu: 3.922624691862258, images: 60, width: 1, centreMM: (39.0975, 36.6975), centrePx: (521.3, 489.3),
                  labAt: Vec3(-31.52469636357902, 21.654499724079173, -120.0)),
        Reference(name: "thaumatin_p41212", origin: Vec3(-39.0975, 36.6975, -130), wavelength: 0.9763,
                  mu: 3.922624691862258, images: 120, width: 0.5, centreMM: (39.0975, 36.6975), centrePx: (521.3, 489.3),
                  labAt: Vec3(-31.52740679058807, 21.65636153236569, -130.0)),
        Reference(name: "weak_ice_p1", origin: Vec3(-39.0975, 36.6975, -90), wavelength: 0.9763,
                  mu: 3.922624691862258, images: 60, width: 1, centreMM: (39.0975, 36.6975), centrePx: (521.3, 489.3),
                  labAt: Vec3(-31.512994036642688, 21.64646132673852, -90.0)),
    ]

    func testSharedSweepsMatchDialsImport() throws {
        guard let dir = nexusSharedDataDirectory() else { throw XCTSkip("shared data absent") }
        for r in Self.references {
            let master = "\(dir)/\(r.name)/\(r.name)_master.h5"
            let e = try importNXmx(masterPath: master)
            let p = e.detector[0]
            XCTAssertEqual(p.name, "/entry/instrument/detector/module")
            XCTAssertLessThan(p.origin.maxAbsDifference(r.origin), 1e-9, r.name)
            XCTAssertLessThan(p.fastAxis.maxAbsDifference(Vec3(1, 0, 0)), 1e-12)
            XCTAssertLessThan(p.slowAxis.maxAbsDifference(Vec3(0, -1, 0)), 1e-12)
            XCTAssertEqual(p.imageSize.fast, 1028); XCTAssertEqual(p.imageSize.slow, 1062)
            XCTAssertEqual(p.pixelSize.fast, 0.075, accuracy: 1e-12)
            XCTAssertEqual(p.trustedRange.low, -1); XCTAssertEqual(p.trustedRange.high, 500000)
            XCTAssertEqual(p.thickness, 0.45, accuracy: 1e-12)
            XCTAssertEqual(p.material, "Si")
            XCTAssertEqual(p.mu, r.mu, accuracy: 1e-9, r.name)
            XCTAssertEqual(p.pxMmStrategy, .parallaxCorrected)
            XCTAssertEqual(e.beam.wavelength, r.wavelength, accuracy: 1e-12)
            XCTAssertLessThan(e.goniometer!.rotationAxis.maxAbsDifference(Vec3(1, 0, 0)), 1e-12)
            XCTAssertEqual(e.goniometer!.fixedRotation, .identity)
            let s = e.scan!
            XCTAssertEqual(s.imageRange, 1...r.images)
            XCTAssertEqual(s.oscillationStartDegrees, 0, accuracy: 1e-9)
            XCTAssertEqual(s.oscillationWidthDegrees, r.width, accuracy: 1e-9)
            XCTAssertEqual(s.exposureTimes.first ?? 0, 0.01, accuracy: 1e-12)
            XCTAssertEqual(s.epochs[2], 0.02, accuracy: 1e-12)
            let c = try XCTUnwrap(e.detector.beamCentre(s0: e.beam.s0))
            XCTAssertEqual(c.mm.x, r.centreMM.0, accuracy: 1e-6); XCTAssertEqual(c.mm.y, r.centreMM.1, accuracy: 1e-6)
            let px = p.pixel(fromMillimetre: c.mm)
            XCTAssertEqual(px.x, r.centrePx.0, accuracy: 1e-6); XCTAssertEqual(px.y, r.centrePx.1, accuracy: 1e-6)
            XCTAssertEqual(p.distance, -r.origin.z, accuracy: 1e-9)
            XCTAssertLessThan(p.labCoordinate(pixel: (100.5, 200.25)).maxAbsDifference(r.labAt), 1e-6, r.name)
            XCTAssertEqual(e.imageSet?.kind, .nexus)
            XCTAssertEqual(e.imageSet?.template, master)
            XCTAssertEqual(e.imageSet?.singleFileIndices, Array(0..<r.images))
        }
    }

    /// `dials.import t_master.h5` on this file (kept with NXMX_TEST_KEEP=1)
    /// gives origin (−10, −49.99999999999999, −86.60254037844388), slow axis
    /// (0, −0.8660254037844387, 0.49999999999999994), oscillation (10, 0.5).
    func testSyntheticTwoThetaDetectorAndScan() throws {
        let dir = nexusTemporaryDirectory("import")
        let master = try TestNXmx().write(to: dir)
        let e = try importNXmx(masterPath: master)
        let p = e.detector[0]
        // Module 10 mm along McStas x, 100 mm along z, arm turned 30° about McStas x;
        // imgCIF = diag(−1, 1, −1)·McStas.
        let s = 0.5, c = 0.75.squareRoot()
        XCTAssertLessThan(p.origin.maxAbsDifference(Vec3(-10, -100 * s, -100 * c)), 1e-9)
        XCTAssertLessThan(p.fastAxis.maxAbsDifference(Vec3(1, 0, 0)), 1e-12)
        XCTAssertLessThan(p.slowAxis.maxAbsDifference(Vec3(0, -c, s)), 1e-12)
        XCTAssertEqual(p.imageSize.fast, 24); XCTAssertEqual(p.imageSize.slow, 16)
        XCTAssertEqual(p.trustedRange.high, 60000)
        XCTAssertEqual(p.thickness, 0.45, accuracy: 1e-12)
        XCTAssertEqual(p.mu, SensorAttenuation.mu(material: "Si", wavelength: 1.2)!, accuracy: 1e-12)
        XCTAssertEqual(e.beam.wavelength, 1.2)
        XCTAssertEqual(e.scan?.oscillationStartDegrees, 10)
        XCTAssertEqual(e.scan?.oscillationWidthDegrees, 0.5)
        XCTAssertEqual(e.scan?.exposureTimes, [0.1, 0.1, 0.1])
        XCTAssertEqual(e.scan?.imageRange, 1...3)
        // An Eiger-style split over data_000001…data_000003 gives one sweep.
        let split = try importNXmx(masterPath: try TestNXmx(frames: 5, framesPerFile: 2).write(to: dir, name: "split"))
        XCTAssertEqual(split.scan?.imageRange, 1...5)
        XCTAssertEqual(split.imageSet?.singleFileIndices, [0, 1, 2, 3, 4])
    }

    /// dxtbx takes the width from omega_end − omega when present, else from
    /// the differences; a single frame falls back on omega_increment_set
    /// (where dxtbx would give 0).
    func testScanWidthFromEndAndIncrementSet() throws {
        let dir = nexusTemporaryDirectory("scanwidth")
        let withEnd = try importNXmx(masterPath: try TestNXmx(omegaEndStep: 0.4).write(to: dir, name: "end"))
        XCTAssertEqual(withEnd.scan!.oscillationWidthDegrees, 0.4, accuracy: 1e-12)
        let single = try importNXmx(masterPath: try TestNXmx(frames: 1, omegaIncrementSet: 0.25).write(to: dir, name: "one"))
        XCTAssertEqual(single.scan!.oscillationWidthDegrees, 0.25, accuracy: 1e-12)
        XCTAssertEqual(single.scan!.oscillationStartDegrees, 10)
        XCTAssertEqual(single.scan!.imageRange, 1...1)
    }

    /// dials.import gives axes (1,0,0), (0,0,−1), (1,0,0), angles 20, 90, 10,
    /// scan_axis 2 and fixed rotation (0, 0.9397, −0.3420, −1, 0, 0, 0, 0.3420, 0.9397).
    func testMultiAxisGoniometerTakesTheVaryingAxisAsScanAxis() throws {
        let dir = nexusTemporaryDirectory("multiaxis")
        let master = try TestNXmx(multiAxis: true).write(to: dir)
        let g = try XCTUnwrap(try importNXmx(masterPath: master).goniometer)
        XCTAssertEqual(g.axes.map(\.name), ["phi", "chi", "omega"])
        XCTAssertEqual(g.scanAxisIndex, 2)
        XCTAssertEqual(g.axes.map(\.angleDegrees), [20, 90, 10])
        XCTAssertLessThan(g.rotationAxisDatum.maxAbsDifference(Vec3(1, 0, 0)), 1e-12)
        // chi's McStas z becomes imgCIF −z.
        XCTAssertLessThan(g.axes[1].vector.maxAbsDifference(Vec3(0, 0, -1)), 1e-12)
        let expectedF = Mat3.rotation(axis: Vec3(0, 0, -1), angle: radians(90)) * Mat3.rotation(axis: Vec3(1, 0, 0), angle: radians(20))
        XCTAssertLessThan(g.fixedRotation.maxAbsDifference(expectedF), 1e-12)
        let dxtbxF = Mat3(0, 0.9396926207859084, -0.3420201433256687, -1, 0, 0, 0, 0.3420201433256687, 0.9396926207859084)
        XCTAssertLessThan(g.fixedRotation.maxAbsDifference(dxtbxF), 1e-12)
        XCTAssertEqual(g.settingRotation, .identity)
    }

    /// μ pinned to cctbx's eltbx (`attenuation_coefficient.get_table(m).mu_at_angstrom(λ)/10`).
    func testAttenuationMatchesEltbx() {
        XCTAssertEqual(SensorAttenuation.mu(material: "Silicon", wavelength: 0.9763)!, 3.922624691862258, accuracy: 1e-12)
        XCTAssertEqual(SensorAttenuation.mu(material: "Si", wavelength: 1.2)!, 7.176242358809583, accuracy: 1e-12)
        XCTAssertEqual(SensorAttenuation.mu(material: "CdTe", wavelength: 0.5)!, 7.4492529402964305, accuracy: 1e-9)
        XCTAssertEqual(SensorAttenuation.mu(material: "CdTe", wavelength: 1.0)!, 48.11463840098675, accuracy: 1e-9)
        XCTAssertEqual(SensorAttenuation.mu(material: "GaAs", wavelength: 1.0)!, 80.07998629661657, accuracy: 1e-9)
        XCTAssertEqual(SensorAttenuation.mu(material: "Ge", wavelength: 0.7)!, 31.15779697579117, accuracy: 1e-9)
        XCTAssertNil(SensorAttenuation.mu(material: "Unobtainium", wavelength: 1))
    }
}
