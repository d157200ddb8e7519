// Finding sweeps in folders, globs and list files; bad inputs.
import Foundation
import MXBatch
import MXTestSupport
import XCTest

final class SweepDiscoveryTests: XCTestCase {
    func testCBFSeriesGroupIntoTemplatesAndNXmxMastersAreFound() throws {
        let dir = try BatchTest.folder(self)
        try BatchTest.fakeCBFSeries(dir + "/a", "lyso_1", frames: 4)
        try BatchTest.fakeCBFSeries(dir + "/a", "lyso_2", frames: 2)
        try BatchTest.fakeCBFSeries(dir + "/b/deep", "thau", frames: 3)
        try FileManager.default.createSymbolicLink(atPath: dir + "/nx", withDestinationPath: TestPaths.testdata + "/sim_p43212_se_nxmx")
        let sweeps = try SweepDiscovery.discover([dir])
        XCTAssertEqual(sweeps.map(\.name), ["lyso_1", "lyso_2", "thau", "sim_p43212_se_nxmx"])
        XCTAssertEqual(sweeps[0].path, dir + "/a/lyso_1_#####.cbf")
        XCTAssertEqual(sweeps[0].kind, .cbf)
        XCTAssertEqual(sweeps[0].frames.count, 4)
        XCTAssertEqual(sweeps[0].frames.last, dir + "/a/lyso_1_00004.cbf")
        XCTAssertEqual(sweeps[3].kind, .nxmx)
        XCTAssertEqual(sweeps[3].path, dir + "/nx/sim_p43212_se_nxmx_master.h5")
    }

    func testRealTestdataGivesThreeSweeps() throws {
        let sweeps = try SweepDiscovery.discover([TestPaths.testdata])
        XCTAssertEqual(Set(sweeps.map(\.name)), ["sim_c2_cbf_offset", "sim_p212121_ice_nxmx", "sim_p43212_se_nxmx"])
        let cbf = try XCTUnwrap(sweeps.first { $0.kind == .cbf })
        XCTAssertEqual(cbf.frames.count, 30)
        XCTAssertTrue(cbf.path.hasSuffix("sim_c2_cbf_offset/sim_c2_cbf_offset_#####.cbf"))
    }

    func testAMasterWithoutAnNXmxEntryIsSkipped() throws {
        let dir = try BatchTest.folder(self)
        // A data file renamed as a master: HDF5, but no NXmx entry.
        try FileManager.default.copyItem(atPath: TestPaths.testdata + "/sim_p43212_se_nxmx/sim_p43212_se_nxmx_data_000001.h5",
                                         toPath: dir + "/fake_master.h5")
        var warnings: [String] = []
        XCTAssertThrowsError(try SweepDiscovery.discover([dir], warn: { warnings.append($0) })) { e in
            guard case BatchError.noSweeps = e else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("no NXentry with definition NXmx"), warnings[0])
    }

    func testListFileGlobsTemplatesAndRepeatedNames() throws {
        let dir = try BatchTest.folder(self)
        try BatchTest.fakeCBFSeries(dir + "/day1", "x", frames: 2)
        try BatchTest.fakeCBFSeries(dir + "/day2", "x", frames: 2)
        try BatchTest.fakeCBFSeries(dir + "/day2", "y", frames: 2)
        let list = dir + "/sweeps.txt"
        try "# visit 1\nday1/x_#####.cbf\n\n\(dir)/day2/*.cbf\n".write(toFile: list, atomically: true, encoding: .utf8)
        let sweeps = try SweepDiscovery.discover([list])
        XCTAssertEqual(sweeps.map(\.name), ["x", "x_2", "y"])
        XCTAssertEqual(sweeps.map { ($0.path as NSString).deletingLastPathComponent }, [dir + "/day1", dir + "/day2", dir + "/day2"])
    }

    func testMissingEntriesOfAListAreAllNamed() throws {
        let dir = try BatchTest.folder(self)
        try BatchTest.fakeCBFSeries(dir, "ok", frames: 1)
        let list = dir + "/sweeps.txt"
        try "ok_00001.cbf\ngone_master.h5\nalso/missing/\n".write(toFile: list, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepDiscovery.discover([list])) { e in
            XCTAssertEqual(e as? BatchError, .missingInputs(["gone_master.h5", "also/missing/"], listFile: list))
            XCTAssertTrue("\(e)".contains("the list \(list) names files that do not exist: gone_master.h5, also/missing/"), "\(e)")
        }
    }

    func testAFolderWithoutSweepsIsAnError() throws {
        let dir = try BatchTest.folder(self)
        try "notes".write(toFile: dir + "/readme.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepDiscovery.discover([dir])) { e in
            XCTAssertEqual(e as? BatchError, .noSweeps(inputs: [dir]))
            XCTAssertTrue("\(e)".hasPrefix("no sweep found in \(dir)"), "\(e)")
        }
    }

    func testTheOutputFolderIsNotSearched() throws {
        let dir = try BatchTest.folder(self)
        try BatchTest.fakeCBFSeries(dir + "/data", "s", frames: 2)
        try BatchTest.fakeCBFSeries(dir + "/out/s", "copy", frames: 2)
        XCTAssertEqual(try SweepDiscovery.discover([dir], skipping: [dir + "/out"]).map(\.name), ["s"])
    }
}
