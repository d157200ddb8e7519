// Tests of the `.expt` reader and writer against files dxtbx wrote.
import XCTest
import MXTestSupport
import MXMath
import MXModel
@testable import MXFormats

/// Where this target's `.expt` tests find their data.
enum ExptTestData {
    static func packageRoot() -> String { TestPaths.packageRoot }

    /// The shared sweeps (`../shared/data`); a path that does not exist when absent.
    static func sharedDataDirectory() -> String { TestPaths.sharedData ?? packageRoot() + "/../shared/data" }

    /// This target's committed fixtures.
    static func fixture(_ name: String) -> String { packageRoot() + "/Tests/MXFormatsTests/Fixtures/" + name }
}

/// A fully populated experiment exercising every field the codec writes.
func exptSampleExperiment(identifier: String = "a") -> Experiment {
    var beam = Beam(wavelength: 1.0 / 3.0)
    beam.flux = 1.25e12
    var panel = Panel(name: "p", fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0),
                      origin: Vec3(-0.1 - 0.2, 1e-7, -123.456789012345678),
                      imageSize: (100, 200), pixelSize: (0.075, 0.075), trustedRange: (-1, 65535))
    panel.mask = [Panel.MaskRectangle(x0: 1, y0: 2, x1: 3, y1: 4)]
    panel.pxMmStrategy = .parallaxCorrected
    panel.thickness = 0.45; panel.material = "Si"; panel.mu = 3.9226
    var scan = Scan(imageRange: 3...7, oscillationStartDegrees: -12.5, oscillationWidthDegrees: 0.1,
                    exposureTimes: [0.01, 0.01, 0.01, 0.01, 0.01], epochs: [1e9, 1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4])
    scan.validImageRanges = ["b": [3...4, 6...7], "a": [3...7]]
    var crystal = Crystal(realSpaceA: Vec3(10, 0.1, 0), realSpaceB: Vec3(0, 20, 1e-20), realSpaceC: Vec3(0.5, 0, 30),
                          spaceGroupHall: " P 2 2 3")
    crystal.aAtScanPoints = [crystal.A, crystal.A * 1.0000001]
    crystal.mosaicityDegrees = 0.05
    var images = ImageSetDescription(kind: .nexus, template: "/data/x_master.h5", singleFileIndices: [2, 3, 4, 5, 6])
    images.maskPath = "/data/mask.pickle"
    return Experiment(identifier: identifier, beam: beam, detector: Detector(panels: [panel, panel]),
                      goniometer: Goniometer(rotationAxis: Vec3(1, 0, 0), settingRotation: Mat3.rotation(axis: Vec3(0, 0, 1), angle: 0.3)),
                      scan: scan, crystal: crystal, imageSet: images)
}

final class ExperimentListCodecTests: XCTestCase {
    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Every truth.expt (written by dxtbx's `as_json`) is read and written back
    /// byte for byte: key order, number forms and layout all match dxtbx.
    func testTruthFilesRoundTripByteForByte() throws {
        let data = ExptTestData.sharedDataDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: data) else {
            throw XCTSkip("shared data not found at \(data)")
        }
        var checked = 0
        for name in names.sorted() {
            let path = "\(data)/\(name)/truth.expt"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let original = try text(path)
            let list = try ExperimentListCodec.read(path: path)
            let written = try ExperimentListCodec.encode(list)
            XCTAssertEqual(try ExperimentListCodec.decode(written), list, name)
            // dxtbx shares by object identity, mxflow by value: where dxtbx wrote
            // two equal models (split_lattice: two equal detector objects),
            // mxflow writes one; everywhere else the bytes are identical.
            let doc = try JSONValue.parse(original)
            let duplicated = ["beam", "detector", "goniometer", "scan", "crystal"].contains { key in
                let models = doc[key]?.arrayValue ?? []
                return Set(models.indices.flatMap { i in models.indices.filter { $0 > i && models[$0] == models[i] } }).count > 0
            }
            if duplicated {
                XCTAssertLessThan(written.count, original.count, name)
            } else {
                XCTAssertEqual(written, original, name)
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0)
    }

    /// Numbers pinned to the insulin truth.expt (values as dxtbx wrote them).
    func testReadsInsulinTruth() throws {
        let path = ExptTestData.sharedDataDirectory() + "/insulin_i213/truth.expt"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no insulin data") }
        let list = try ExperimentListCodec.read(path: path)
        XCTAssertEqual(list.count, 1)
        let e = list[0]
        XCTAssertEqual(e.identifier, "")
        XCTAssertEqual(e.beam.wavelength, 0.9763)
        XCTAssertEqual(e.beam.direction, Vec3(0, 0, 1))
        XCTAssertEqual(e.beam.polarizationFraction, 0.999)
        let p = e.detector[0]
        XCTAssertEqual(p.name, "/entry/instrument/detector/module")
        XCTAssertEqual(p.origin, Vec3(-39.0975, 36.6975, -120.0))
        XCTAssertEqual(p.slowAxis, Vec3(0, -1, 0))
        XCTAssertEqual(p.imageSize.fast, 1028); XCTAssertEqual(p.imageSize.slow, 1062)
        XCTAssertEqual(p.trustedRange.high, 500000)
        XCTAssertEqual(p.mu, 3.922624691862258)
        XCTAssertEqual(p.pxMmStrategy, .parallaxCorrected)
        XCTAssertEqual(e.scan?.imageRange, 1...90)
        XCTAssertEqual(e.scan?.epochs[35], 0.35000000000000003)
        XCTAssertEqual(e.scan?.exposureTimes.count, 90)
        XCTAssertEqual(e.crystal?.spaceGroupHall, " I 2b 2c 3")
        XCTAssertEqual(e.crystal?.realSpaceA, Vec3(-25.0538310259574, -14.143630380893775, 72.50009152112453))
        XCTAssertNil(e.imageSet)
        // Cubic I213 insulin: a = b = c ≈ 78.1 Å, right angles.
        let cell = e.crystal!.cellParameters
        XCTAssertEqual(cell.a, cell.c, accuracy: 1e-6)
        XCTAssertEqual(cell.alpha, 90, accuracy: 1e-6)
    }

    /// Files `dials.import` 3.12 wrote (CBF with module-gap masks; NXmx with
    /// single_file_indices and a UUID identifier) read and write back exactly.
    func testDialsImportedFilesRoundTrip() throws {
        for name in ["dials_imported_cbf.expt", "dials_imported_nxmx.expt"] {
            let original = try text(ExptTestData.fixture(name))
            let list = try ExperimentListCodec.decode(original, file: name)
            XCTAssertEqual(try ExperimentListCodec.encode(list), original, name)
        }
        let cbf = try ExperimentListCodec.read(path: ExptTestData.fixture("dials_imported_cbf.expt"))[0]
        XCTAssertEqual(cbf.identifier, "329d602b-e108-bf68-76fa-821fe93c5335")
        XCTAssertEqual(cbf.imageSet?.kind, .fileSeries)
        XCTAssertEqual(cbf.imageSet?.template, "/work/shared/data/cbf_p4212/cbf_p4212_#####.cbf")
        XCTAssertEqual(cbf.detector[0].mask.count, 5)
        XCTAssertEqual(cbf.detector[0].mask[0], Panel.MaskRectangle(x0: 487, y0: 0, x1: 494, y1: 1043))
        XCTAssertEqual(cbf.detector[0].pixelSize.fast, 0.17200000000000001)
        XCTAssertEqual(cbf.scan?.epochs.first, 1704067200.0)
        let nx = try ExperimentListCodec.read(path: ExptTestData.fixture("dials_imported_nxmx.expt"))[0]
        XCTAssertEqual(nx.imageSet?.kind, .nexus)
        XCTAssertEqual(nx.imageSet?.singleFileIndices, Array(0..<90))
        XCTAssertNil(nx.crystal)
    }

    /// dials.refine scan_varying=True output (CBF sweep, DIALS 3.12): A at 31
    /// scan points is read; B_covariance, which mxflow does not model, is
    /// dropped, and everything else is written back unchanged.
    func testDialsRefinedScanVaryingFile() throws {
        let path = ExptTestData.fixture("dials_refined_scan_varying.expt")
        let list = try ExperimentListCodec.read(path: path)
        let c = try XCTUnwrap(list[0].crystal)
        XCTAssertEqual(c.aAtScanPoints.count, 31)
        XCTAssertEqual(c.spaceGroupHall, " P 1")
        XCTAssertEqual(list[0].identifier, "b64d5a93-62e9-8a7a-34bd-c93f799ce87f")
        // P4212 test crystal: a = b = 60.5, c = 98.3 Å (refined values, dials.show 60.504, 60.509, 98.309).
        let cell = c.cellParameters
        XCTAssertEqual(cell.a, 60.504, accuracy: 5e-4)
        XCTAssertEqual(cell.b, 60.509, accuracy: 5e-4)
        XCTAssertEqual(cell.c, 98.309, accuracy: 5e-4)
        var original = try JSONValue.parse(try String(contentsOfFile: path, encoding: .utf8))
        let written = try JSONValue.parse(try ExperimentListCodec.encode(list))
        // Remove B_covariance from the original and the rest must match exactly.
        if case .object(var top) = original, let k = top.firstIndex(where: { $0.0 == "crystal" }),
           case .array(var crystals) = top[k].1, case .object(let members) = crystals[0] {
            crystals[0] = .object(members.filter { $0.0 != "B_covariance" })
            top[k].1 = .array(crystals)
            original = .object(top)
        }
        XCTAssertEqual(written, original)
    }

    /// A multi-axis goniometer and a two-level hierarchy, written by dxtbx
    /// (Fixtures/make_multiaxis_fixture.py); F and global panel frames are
    /// those dxtbx computed when reading the same file back.
    func testMultiAxisGoniometerAndHierarchy() throws {
        let list = try ExperimentListCodec.read(path: ExptTestData.fixture("multiaxis_hierarchy.expt"))
        let g = try XCTUnwrap(list[0].goniometer)
        XCTAssertEqual(g.axes.map(\.name), ["PHI", "KAPPA", "OMEGA"])
        XCTAssertEqual(g.scanAxisIndex, 2)
        let expectedF = Mat3([0.9777856402625864, 0.19763526869193926, 0.06982508335368501,
                              -0.11427775519884498, 0.7818991012566169, -0.6128412438150745,
                              -0.1757152138063092, 0.591247914180811, 0.7871150281971773])
        XCTAssertLessThan(g.fixedRotation.maxAbsDifference(expectedF), 1e-12)
        XCTAssertEqual(g.settingRotation, .identity)
        XCTAssertEqual(g.rotationAxis, Vec3(1, 0, 0))

        let d = list[0].detector
        XCTAssertEqual(d.count, 2)
        let fast = Vec3(0.9950041652780258, -0.09983341664682815, 0)
        let slow = Vec3(-0.09983341664682815, -0.9950041652780258, 0)
        XCTAssertLessThan(d[0].origin.maxAbsDifference(Vec3(-75.0, 78.0, -201.5)), 1e-12)
        XCTAssertLessThan(d[1].origin.maxAbsDifference(Vec3(-83.98500749821453, -11.550374875022328, -201.5)), 1e-12)
        for p in d.panels {
            XCTAssertLessThan(p.fastAxis.maxAbsDifference(fast), 1e-15)
            XCTAssertLessThan(p.slowAxis.maxAbsDifference(slow), 1e-15)
        }
        // Written back flat (lab frames under an identity root), the geometry is unchanged.
        let again = try ExperimentListCodec.decode(try ExperimentListCodec.encode(list))
        XCTAssertEqual(again, list)
        XCTAssertTrue(try ExperimentListCodec.encode(list).contains("\"scan_axis\": 2"))
    }

    // MARK: round trips of constructed models

    func testWriteReadRoundTripIsExact() throws {
        var second = exptSampleExperiment(identifier: "b")
        second.crystal?.mlHalfMosaicityDegrees = 0.1
        second.crystal?.mlDomainSizeAngstrom = 1500
        second.crystal?.mosaicityDegrees = nil
        second.goniometer = Goniometer(axes: [.init(name: "phi", vector: Vec3(1, 0, 0), angleDegrees: 5),
                                              .init(name: "omega", vector: Vec3(1, 0, 0), angleDegrees: 0)], scanAxis: 1)
        second.imageSet = ImageSetDescription(kind: .fileSeries, template: "/d/x_####.cbf")
        second.scan = nil
        let list = ExperimentList([exptSampleExperiment(), second])
        let text = try ExperimentListCodec.encode(list)
        let back = try ExperimentListCodec.decode(text)
        XCTAssertEqual(back, list)
        // Deterministic: encoding again gives the same bytes.
        XCTAssertEqual(try ExperimentListCodec.encode(back), text)
    }

    /// Two experiments (two lattices of one sweep) share beam, detector,
    /// goniometer, scan and image set: each is written once, both refer to index 0.
    func testSharedModelsWrittenOnce() throws {
        var other = exptSampleExperiment(identifier: "b")
        other.crystal = Crystal(realSpaceA: Vec3(50, 0, 0), realSpaceB: Vec3(0, 60, 0), realSpaceC: Vec3(0, 0, 70))
        let list = ExperimentList([exptSampleExperiment(), other])
        let doc = try JSONValue.parse(try ExperimentListCodec.encode(list))
        for key in ["beam", "detector", "goniometer", "scan", "imageset"] {
            XCTAssertEqual(doc[key]?.arrayValue?.count, 1, key)
            XCTAssertEqual(doc["experiment"]?.arrayValue?.map { $0[key] }, [.int(0), .int(0)], key)
        }
        XCTAssertEqual(doc["crystal"]?.arrayValue?.count, 2)
        XCTAssertEqual(doc["experiment"]?.arrayValue?.map { $0["crystal"] }, [.int(0), .int(1)])
        XCTAssertEqual(try ExperimentListCodec.decode(doc.pythonJSON()), list)
    }

    // MARK: errors

    func testMalformedJSONNamesLine() {
        XCTAssertThrowsError(try ExperimentListCodec.decode("{\n  \"experiment\": [\n  ,]\n}", file: "bad.expt")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("bad.expt: not valid JSON at line 3"), text)
        }
    }

    func testMissingKeyIsNamed() throws {
        var text = try String(contentsOfFile: ExptTestData.fixture("dials_imported_cbf.expt"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"wavelength\": 0.9763,", with: "")
        XCTAssertThrowsError(try ExperimentListCodec.decode(text, file: "x.expt")) { e in
            XCTAssertEqual(e as? ExperimentListError, .missingKey(file: "x.expt", key: "beam[0].wavelength"))
            XCTAssertEqual("\(e)", "x.expt: required field beam[0].wavelength is missing")
        }
    }

    func testWrongTypeAndBadIndexAreNamed() throws {
        let base = try String(contentsOfFile: ExptTestData.fixture("dials_imported_cbf.expt"), encoding: .utf8)
        let wrong = base.replacingOccurrences(of: "\"image_size\": [\n            981,\n            1043\n          ]",
                                              with: "\"image_size\": \"big\"")
        XCTAssertNotEqual(wrong, base)
        XCTAssertThrowsError(try ExperimentListCodec.decode(wrong, file: "x.expt")) { e in
            XCTAssertEqual("\(e)", "x.expt: field detector[0].panels[0].image_size should be a list of 2 whole numbers")
        }
        let badIndex = base.replacingOccurrences(of: "\"scan\": 0", with: "\"scan\": 3")
        XCTAssertThrowsError(try ExperimentListCodec.decode(badIndex, file: "x.expt")) { e in
            XCTAssertEqual(e as? ExperimentListError, .badIndex(file: "x.expt", key: "experiment[0].scan", index: 3, count: 1))
        }
        XCTAssertThrowsError(try ExperimentListCodec.decode("{\"__id__\": \"DataBlock\"}", file: "d.json")) { e in
            XCTAssertEqual(e as? ExperimentListError, .notAnExperimentList(file: "d.json", found: "DataBlock"))
        }
        XCTAssertThrowsError(try ExperimentListCodec.read(path: "/nonexistent/x.expt")) { e in
            XCTAssertEqual("\(e)", "/nonexistent/x.expt: cannot read the experiment list (no such file, or it cannot be opened)")
        }
    }

    /// What DIALS may add or leave out is tolerated: extra keys, no
    /// hierarchy, defaults for optional beam and panel fields, a relative template.
    func testToleratesExtraAndMissingOptionalKeys() throws {
        let text = """
        {"__id__": "ExperimentList", "experiment": [{"__id__": "Experiment", "beam": 0, "detector": 0,
          "imageset": 0, "extra": 1}],
         "imageset": [{"__id__": "ImageSequence", "template": "img/x_###.cbf", "params": {"x": 1}}],
         "beam": [{"direction": [0, 0, 2], "wavelength": 1, "probe": "x-ray"}],
         "detector": [{"panels": [{"name": "a", "fast_axis": [1, 0, 0], "slow_axis": [0, -1, 0],
            "origin": [0, 0, -100], "image_size": [10, 20], "pixel_size": [0.1, 0.1],
            "trusted_range": [0, 10], "projection_2d": [[1, 0, 0, 1], [0, 0]]}]}],
         "future_key": {"anything": [1, 2, 3]}}
        """
        let list = try ExperimentListCodec.decode(text, baseDirectory: "/base/dir")
        let e = list[0]
        XCTAssertEqual(e.identifier, "")
        XCTAssertEqual(e.beam.direction, Vec3(0, 0, 1))
        XCTAssertEqual(e.beam.polarizationFraction, 0.999)
        XCTAssertEqual(e.detector[0].gain, 1)
        XCTAssertEqual(e.detector[0].pxMmStrategy, .simple)
        XCTAssertEqual(e.imageSet?.template, "/base/dir/img/x_###.cbf")
        XCTAssertNil(e.goniometer)
    }

    /// Newer dxtbx writes the scan's per-image columns in a "properties" table.
    func testReadsScanPropertiesTable() throws {
        let text = """
        {"experiment": [{"beam": 0, "detector": 0, "scan": 0}],
         "beam": [{"direction": [0, 0, 1], "wavelength": 1.0}],
         "detector": [{"panels": [{"fast_axis": [1, 0, 0], "slow_axis": [0, -1, 0], "origin": [0, 0, -100]}]}],
         "scan": [{"image_range": [3, 5], "batch_offset": 2,
                   "properties": {"epochs": [10.0, 10.5, 11.0], "exposure_time": [0.5, 0.5, 0.5],
                                  "oscillation": [30.0, 30.25, 30.5]},
                   "valid_image_ranges": {}},
                  {"image_range": [1, 1], "batch_offset": 0,
                   "properties": {"oscillation": [7.0], "oscillation_width": [0.1]}, "valid_image_ranges": {}}]}
        """
        let s = try XCTUnwrap(ExperimentListCodec.decode(text)[0].scan)
        XCTAssertEqual(s.imageRange, 3...5)
        XCTAssertEqual(s.oscillationStartDegrees, 30)
        XCTAssertEqual(s.oscillationWidthDegrees, 0.25)
        XCTAssertEqual(s.epochs, [10, 10.5, 11])
        XCTAssertEqual(s.exposureTimes, [0.5, 0.5, 0.5])
        XCTAssertEqual(s.batchOffset, 2)
        let single = text.replacingOccurrences(of: "\"scan\": 0}", with: "\"scan\": 1}")
        let one = try XCTUnwrap(ExperimentListCodec.decode(single)[0].scan)
        XCTAssertEqual(one.oscillationWidthDegrees, 0.1)
        XCTAssertEqual(one.oscillationStartDegrees, 7)
    }

    func testNonFiniteNumbersAreRefused() {
        var e = exptSampleExperiment()
        e.beam.flux = .nan
        XCTAssertThrowsError(try ExperimentListCodec.encode(ExperimentList([e]))) { err in
            XCTAssertEqual("\(err)", "cannot write the experiment list: beam[0].flux is nan, which JSON cannot hold")
        }
    }
}
