// Tests of ImageInput (templates, folders, format sniffing) and importImages/openImageSource.
import XCTest
import MXModel
import MXMath
@testable import MXFormats

final class ImageImportTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "imageinput-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func touch(_ name: String, _ content: String) throws {
        try content.write(toFile: folder + "/" + name, atomically: false, encoding: .isoLatin1)
    }

    func testTemplateOfNumberedName() {
        XCTAssertEqual(ImageInput.template(of: "/d/run2/x_00012.cbf"), "/d/run2/x_#####.cbf")
        XCTAssertEqual(ImageInput.template(of: "/d/9/img.cbf"), "/d/9/img.cbf")
        XCTAssertEqual(ImageInput.imageNumber("/d/run2/x_00012.cbf"), 12)
    }

    func testSniffRecognisesHDF5AndCBFByContent() throws {
        try touch("a.cbf", "###CBF: VERSION 1.5\n")
        try touch("b.dat", "\u{89}HDF\r\n\u{1A}\nrest")
        try touch("c.cbf", "plain text")
        XCTAssertEqual(try ImageFileFormat.sniff(folder + "/a.cbf"), .cbf)
        XCTAssertEqual(try ImageFileFormat.sniff(folder + "/b.dat"), .hdf5)
        XCTAssertThrowsError(try ImageFileFormat.sniff(folder + "/c.cbf")) { e in
            XCTAssertEqual("\(e)", "\(self.folder)/c.cbf: not a readable image file (neither an HDF5/NeXus file nor a CBF image)")
        }
        XCTAssertThrowsError(try ImageFileFormat.sniff(folder + "/none.cbf")) { e in
            XCTAssertEqual(e as? ImageReadError, .fileMissing(path: folder + "/none.cbf"))
        }
    }

    /// Templates expand to matching numbers only (right width, digits), in
    /// numeric order; files of two templates form two series.
    func testResolveGroupsSeriesByTemplate() throws {
        for n in [3, 1, 4, 2] { try touch(String(format: "x_%03d.cbf", n), "###CBF\n") }
        try touch("x_1.cbf", "###CBF\n")      // other width: a different template
        try touch("y_001.cbf", "###CBF\n")
        try touch("x_abc.cbf", "###CBF\n")
        let t = folder + "/x_###.cbf"
        XCTAssertEqual(try ImageInput.resolve([t]),
                       [.cbfSeries(template: t, paths: [1, 2, 3, 4].map { folder + String(format: "/x_%03d.cbf", $0) })])
        let all = try ImageInput.resolve([folder])
        XCTAssertEqual(all.count, 4)   // x_###, x_#, x_abc (no digits: its own), y_###
        XCTAssertTrue(all.contains(.cbfSeries(template: folder + "/y_###.cbf", paths: [folder + "/y_001.cbf"])))
        XCTAssertThrowsError(try ImageInput.resolve([folder + "/z_####.cbf"])) { e in
            XCTAssertEqual(e as? ImageInputError, .templateMatchesNothing(template: folder + "/z_####.cbf"))
        }
        XCTAssertThrowsError(try ImageInput.resolve([])) { XCTAssertEqual($0 as? ImageInputError, .nothingGiven) }
    }

    /// Images 1, 2 and 5 are two sweeps, as dials.import makes them ([1, 2] and [5, 5]).
    func testGapsSplitSeries() throws {
        for n in [1, 2, 5] { try touch(String(format: "g_%03d.cbf", n), "###CBF\n") }
        let t = folder + "/g_###.cbf"
        XCTAssertEqual(try ImageInput.resolve([t]),
                       [.cbfSeries(template: t, paths: [folder + "/g_001.cbf", folder + "/g_002.cbf"]),
                        .cbfSeries(template: t, paths: [folder + "/g_005.cbf"])])
    }

    /// A folder with a master file imports the master, not its data files.
    func testFolderPrefersMasterFiles() throws {
        try touch("s_master.h5", "\u{89}HDF\r\n\u{1A}\n")
        try touch("s_data_000001.h5", "\u{89}HDF\r\n\u{1A}\n")
        XCTAssertEqual(try ImageInput.resolve([folder]), [.nexus(master: folder + "/s_master.h5")])
        let empty = folder + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        XCTAssertThrowsError(try ImageInput.resolve([empty])) { e in
            XCTAssertEqual(e as? ImageInputError, .folderHasNoImages(folder: empty))
        }
    }

    func testIdentifierIsStableAndUUIDShaped() {
        let beam = Beam(wavelength: 1)
        let panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(0, 0, -100),
                          imageSize: (10, 10), pixelSize: (0.1, 0.1), trustedRange: (-1, 100))
        var e = Experiment(beam: beam, detector: Detector(panels: [panel]),
                           imageSet: ImageSetDescription(kind: .nexus, template: "/d/a_master.h5", singleFileIndices: Array(0..<10)))
        let a = experimentIdentifier(for: e)
        XCTAssertEqual(a, experimentIdentifier(for: e))
        XCTAssertEqual(a.split(separator: "-").map(\.count), [8, 4, 4, 4, 12])
        e.imageSet?.template = "/d/b_master.h5"
        XCTAssertNotEqual(experimentIdentifier(for: e), a)
    }

    /// The shared sweeps import and their pixels open through the image set
    /// recorded in the experiment (what later steps do with imported.expt).
    func testImportAndOpenSharedSweeps() throws {
        let data = ExptTestData.sharedDataDirectory()
        let master = data + "/insulin_i213/insulin_i213_master.h5", cbf = data + "/cbf_p4212"
        guard FileManager.default.fileExists(atPath: master), FileManager.default.fileExists(atPath: cbf) else {
            throw XCTSkip("shared data not found")
        }
        let list = try importImages([master, cbf])
        XCTAssertEqual(list.count, 2)
        XCTAssertEqual(list[0].imageSet?.kind, .nexus)
        XCTAssertEqual(list[1].detector[0].mask.count, 5)   // Pilatus 2×5 module gaps, as dials.import lists them
        // Same beam written once: both sweeps were simulated at 0.9763 Å.
        let doc = try JSONValue.parse(try ExperimentListCodec.encode(list))
        XCTAssertEqual(doc["beam"]?.arrayValue?.count, 1)
        XCTAssertEqual(doc["detector"]?.arrayValue?.count, 2)

        let nx = try openImageSource(list[0].imageSet!)
        XCTAssertEqual(nx.frameCount, 90)
        XCTAssertTrue(nx.frameSize == (1028, 1062))
        let series = try openImageSource(list[1].imageSet!)
        XCTAssertEqual(series.frameCount, 30)
        XCTAssertTrue(series.frameSize == (981, 1043))
        let first = try series.readFrame(0)
        XCTAssertEqual(first.count, 981 * 1043)
        let ranged = try openImageSource(list[1].imageSet!, imageRange: 5...6)
        XCTAssertEqual(ranged.frameCount, 2)
    }
}

