// End-to-end tests of `mxflow import`: the built binary on the shared sweeps.
import Foundation
import XCTest
import MXFormats
import MXModel
import MXMath

final class ImportCommandTests: XCTestCase {
    func requireData(_ relative: String) throws -> String {
        let path = CLITest.sharedDataDirectory() + "/" + relative
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no shared data at \(path)") }
        return path
    }

    /// The DIALS-written file for the same data (dials.import 3.12), committed as a fixture.
    func dialsImported(_ name: String) throws -> Experiment {
        try ExperimentListCodec.read(path: CLITest.packageRoot() + "/Tests/MXFormatsTests/Fixtures/" + name)[0]
    }

    /// Geometry agrees with what dials.import wrote for the same files.
    func assertSameGeometry(_ a: Experiment, _ b: Experiment, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.beam.wavelength, b.beam.wavelength, accuracy: 1e-12, file: file, line: line)
        XCTAssertLessThan(a.beam.direction.maxAbsDifference(b.beam.direction), 1e-12, file: file, line: line)
        XCTAssertEqual(a.detector.count, b.detector.count, file: file, line: line)
        for (p, q) in zip(a.detector.panels, b.detector.panels) {
            XCTAssertLessThan(p.origin.maxAbsDifference(q.origin), 1e-9, file: file, line: line)
            XCTAssertLessThan(p.fastAxis.maxAbsDifference(q.fastAxis), 1e-12, file: file, line: line)
            XCTAssertLessThan(p.slowAxis.maxAbsDifference(q.slowAxis), 1e-12, file: file, line: line)
            XCTAssertEqual(p.pixelSize.fast, q.pixelSize.fast, accuracy: 1e-12, file: file, line: line)
            XCTAssertTrue(p.imageSize == q.imageSize, file: file, line: line)
            XCTAssertTrue(p.trustedRange == q.trustedRange, file: file, line: line)
            XCTAssertEqual(p.mask, q.mask, file: file, line: line)
            XCTAssertEqual(p.pxMmStrategy, q.pxMmStrategy, file: file, line: line)
        }
        XCTAssertEqual(a.scan?.imageRange, b.scan?.imageRange, file: file, line: line)
        XCTAssertEqual(a.scan?.oscillationWidthDegrees, b.scan?.oscillationWidthDegrees, file: file, line: line)
        XCTAssertEqual(a.goniometer?.rotationAxis, b.goniometer?.rotationAxis, file: file, line: line)
        // The same file, whichever way a symbolic link in the path is spelt.
        XCTAssertEqual(a.imageSet?.template.resolvedPath, b.imageSet?.template.resolvedPath, file: file, line: line)
        XCTAssertEqual(a.imageSet?.singleFileIndices, b.imageSet?.singleFileIndices, file: file, line: line)
    }

    func testImportCBFFolder() throws {
        let folder = try requireData("cbf_p4212")
        let work = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", folder], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Writing experiments to imported.expt"), r.stdout)
        let list = try ExperimentListCodec.read(path: work + "/imported.expt")
        XCTAssertEqual(list.count, 1)
        var expected = try dialsImported("dials_imported_cbf.expt")
        expected.imageSet?.template = CLITest.sharedDataDirectory().standardizedPath + "/cbf_p4212/cbf_p4212_#####.cbf"
        assertSameGeometry(list[0], expected)
        // UUID-shaped, and the same every time for the same data.
        XCTAssertEqual(list[0].identifier.split(separator: "-").map(\.count), [8, 4, 4, 4, 12])
    }

    /// A template and an explicit output name give the same experiment as the folder.
    func testImportCBFTemplateWithOutputName() throws {
        let folder = try requireData("cbf_p4212")
        let work = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(),
                                       ["import", folder + "/cbf_p4212_#####.cbf", "output.experiments=sweep.expt"], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work), ["sweep.expt"])
        let viaTemplate = try ExperimentListCodec.read(path: work + "/sweep.expt")
        _ = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", folder], in: work)
        XCTAssertEqual(try ExperimentListCodec.read(path: work + "/imported.expt"), viaTemplate)
    }

    /// Images 1, 2 and 5: two experiments sharing beam, detector and
    /// goniometer, scans [1, 2] and [5, 5], as dials.import writes them.
    func testGapInImagesMakesTwoSweeps() throws {
        let folder = try requireData("cbf_p4212")
        let work = try CLITest.temporaryFolder(self)
        let files = [1, 2, 5].map { folder + String(format: "/cbf_p4212_%05d.cbf", $0) }
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import"] + files, in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try JSONValue.parse(try String(contentsOfFile: work + "/imported.expt", encoding: .utf8))
        XCTAssertEqual(doc["experiment"]?.arrayValue?.count, 2)
        XCTAssertEqual(doc["scan"]?.arrayValue?.compactMap { $0["image_range"] },
                       [.array([.int(1), .int(2)]), .array([.int(5), .int(5)])])
        for key in ["beam", "detector", "goniometer"] { XCTAssertEqual(doc[key]?.arrayValue?.count, 1, key) }
        let ids = doc["experiment"]?.arrayValue?.compactMap { $0["identifier"]?.stringValue } ?? []
        XCTAssertEqual(Set(ids).count, 2)
    }

    func testImportNXmxMaster() throws {
        let master = try requireData("insulin_i213/insulin_i213_master.h5")
        let work = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", master], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let list = try ExperimentListCodec.read(path: work + "/imported.expt")
        var expected = try dialsImported("dials_imported_nxmx.expt")
        expected.imageSet?.template = master.standardizedPath
        assertSameGeometry(list[0], expected)
        XCTAssertEqual(list[0].scan?.epochs.count, 90)
    }

    /// A missing input: exit status 1, one sentence naming the file, no output.
    func testMissingFileLeavesNoOutput() throws {
        let work = try CLITest.temporaryFolder(self)
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", "/no/such/x_master.h5"], in: work)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "mxflow import: /no/such/x_master.h5: no such file\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work), [])
    }

    func testUnknownFormatAndEmptyTemplateAreOneSentence() throws {
        let work = try CLITest.temporaryFolder(self)
        try "hello".write(toFile: work + "/notes.txt", atomically: true, encoding: .utf8)
        var r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", "notes.txt"], in: work)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "mxflow import: notes.txt: not a readable image file (neither an HDF5/NeXus file nor a CBF image)\n")
        r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", work + "/img_####.cbf"], in: work)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "mxflow import: \(work)/img_####.cbf: no image files match this template\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work), ["notes.txt"])
    }

    func testShowConfigListsOutputName() throws {
        let r = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", "--show-config"], in: try CLITest.temporaryFolder(self))
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("output.experiments = imported.expt"), r.stdout)
        let bad = try CLITest.runProcess(try CLITest.mxflowBinary(), ["import", "x.h5", "output.experimnts=a.expt"],
                                         in: try CLITest.temporaryFolder(self))
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("did you mean 'output.experiments'"), bad.stderr)
    }
}

private extension String {
    var standardizedPath: String { (self as NSString).standardizingPath }
    /// The path with every symbolic link resolved (the `#` template's folder included).
    var resolvedPath: String {
        let url = URL(fileURLWithPath: self)
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }
}
