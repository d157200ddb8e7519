// Tests of the HDF5 reader and writer: a NeXus-like file written, then read back field by field.
import CHDF5
import Foundation
import MXTestSupport
import XCTest
@testable import MXFormats

/// `shared/data` beside the package root (`../shared/data`), or beside one
/// of its parent folders (a git worktree nested one level deeper); nil when absent.
func nexusSharedDataDirectory() -> String? { TestPaths.sharedData }

extension XCTestCase {
    /// A fresh temporary folder for one test, removed when the test ends.
    func nexusTemporaryDirectory(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "mxflow-nxmx-tests-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // NXMX_TEST_KEEP=1 keeps the files, e.g. to compare them with dials.import.
        if ProcessInfo.processInfo.environment["NXMX_TEST_KEEP"] == nil {
            addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        }
        return absolutePath(dir)
    }
}

final class HDF5FileTests: XCTestCase {
    func testWriteThenReadScalarsStringsArraysAttributesAndLinks() throws {
        let dir = nexusTemporaryDirectory("rw")
        let w = try HDF5Writer(creatingAt: dir + "/a.h5")
        try w.createGroup("/entry", nxClass: "NXentry")
        try w.writeString("/entry/definition", "NXmx")
        try w.writeScalar("/entry/x", 1.5, attributes: ["units": .string("mm"), "vector": .doubles([1, 0, 0])])
        try w.writeArray("/entry/i", [Int32(1), -2, 3, 4, 5, 6], shape: [2, 3])
        try w.writeArray("/entry/u16", [UInt16(65535), 2])
        try w.writeScalar("/entry/n", Int64(42), attributes: ["depends_on": .string(".")])
        let frames = try w.createFrameDataset("/entry/data/data", frames: 2, height: 3, width: 5, of: UInt32.self)
        try frames.write(frame: 0, pixels: (0..<15).map { UInt32($0) })
        try frames.write(frame: 1, pixels: (0..<15).map { UInt32(100 + $0) })
        frames.close()
        w.close()
        let w2 = try HDF5Writer(creatingAt: dir + "/b.h5")
        try w2.createGroup("/entry", nxClass: "NXentry")
        try w2.createExternalLink("/entry/linked", file: "a.h5", object: "/entry/data/data")
        try w2.createExternalLink("/entry/broken", file: "missing.h5", object: "/entry/data/data")
        w2.close()

        let f = try HDF5File(readingAt: dir + "/a.h5")
        XCTAssertEqual(try f.group("/entry").nxClass, "NXentry")
        XCTAssertEqual(try f.dataset("/entry/definition").readString(), "NXmx")
        let x = try f.dataset("/entry/x")
        XCTAssertEqual(try x.readDouble(), 1.5)
        XCTAssertEqual(x.shape, [])
        XCTAssertEqual(try x.stringAttribute("units"), "mm")
        XCTAssertEqual(try x.doublesAttribute("vector"), [1, 0, 0])
        let i = try f.dataset("/entry/i")
        XCTAssertEqual(i.shape, [2, 3])
        XCTAssertEqual(i.elementType, .integer(bytes: 4, signed: true))
        XCTAssertEqual(try i.readDoubles(), [1, -2, 3, 4, 5, 6])
        XCTAssertEqual(try f.dataset("/entry/u16").readInt64s(), [65535, 2])
        XCTAssertEqual(try f.dataset("/entry/n").stringAttribute("depends_on"), ".")
        XCTAssertThrowsError(try f.dataset("/entry/definition").readDoubles())
        XCTAssertThrowsError(try f.dataset("/entry/nothing")) {
            XCTAssertEqual($0 as? ImageReadError, .missingField(path: dir + "/a.h5", field: "/entry/nothing"))
        }
        let d = try f.dataset("/entry/data/data")
        XCTAssertEqual(d.shape, [2, 3, 5])
        XCTAssertEqual(d.chunkShape, [1, 3, 5])
        XCTAssertEqual(d.filters.map(\.id), [32008])
        XCTAssertEqual(d.filters.first?.clientData, [0, 3, 4, 0, 2])
        var raw = [UInt8](repeating: 0, count: try d.chunkStorageSize(at: [1, 0, 0]))
        _ = try raw.withUnsafeMutableBytes { try d.readRawChunk(at: [1, 0, 0], into: $0) }
        let dec = try BitshuffleLZ4.decode(raw, count: 15, elementSize: 4)
        XCTAssertEqual(dec, (0..<15).map { UInt32(100 + $0) }.withUnsafeBytes { Array($0) })
        if H5Zfilter_avail(H5Z_filter_t(32008)) > 0 {
            // The plugin reads what we compressed ourselves.
            var pipe = [UInt32](repeating: 0, count: 15)
            try pipe.withUnsafeMutableBytes {
                try d.readHyperslab(start: [1, 0, 0], count: [1, 3, 5], memType: chdf5_native_uint32(), into: $0)
            }
            XCTAssertEqual(pipe, (0..<15).map { UInt32(100 + $0) })
        }

        let g = try HDF5File(readingAt: dir + "/b.h5")
        XCTAssertEqual(try g.dataset("/entry/linked").shape, [2, 3, 5])
        XCTAssertEqual(try g.group("/entry").childNames, ["broken", "linked"])
        XCTAssertThrowsError(try g.dataset("/entry/broken")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("/entry/broken") && text.contains(dir + "/missing.h5"), text)
        }
    }

    func testMissingAndNonHDF5FilesAreNamed() throws {
        let dir = nexusTemporaryDirectory("bad")
        XCTAssertThrowsError(try HDF5File(readingAt: dir + "/none.h5")) {
            XCTAssertEqual($0 as? ImageReadError, .fileMissing(path: dir + "/none.h5"))
        }
        let text = dir + "/text.h5"
        let fp = fopen(text, "w"); fputs("not hdf5\n", fp); fclose(fp)
        XCTAssertThrowsError(try HDF5File(readingAt: text)) {
            XCTAssertEqual("\($0)", "\(text): not a readable image file (not an HDF5 file)")
        }
    }

    /// Without the bitshuffle plugin the optional filter still lets the file
    /// be written; the plugin (when present) then reads it.
    func testFrameDatasetIsWritableWithoutThePlugin() throws {
        let dir = nexusTemporaryDirectory("noplugin")
        var state: UInt32 = 0
        H5PLget_loading_state(&state)
        H5PLset_loading_state(0)
        if H5Zfilter_avail(H5Z_filter_t(32008)) > 0 { H5Zunregister(H5Z_filter_t(32008)) }
        XCTAssertLessThanOrEqual(H5Zfilter_avail(H5Z_filter_t(32008)), 0)
        let w = try HDF5Writer(creatingAt: dir + "/np.h5")
        let fw = try w.createFrameDataset("/data", frames: 1, height: 4, width: 8, of: UInt16.self)
        try fw.write(frame: 0, pixels: (0..<32).map { UInt16($0 * 3) })
        fw.close(); w.close()
        H5PLset_loading_state(state)
        let f = try HDF5File(readingAt: dir + "/np.h5")
        let d = try f.dataset("/data")
        XCTAssertEqual(d.filters.first?.clientData, [0, 3, 2, 0, 2])
        var raw = [UInt8](repeating: 0, count: try d.chunkStorageSize(at: [0, 0, 0]))
        _ = try raw.withUnsafeMutableBytes { try d.readRawChunk(at: [0, 0, 0], into: $0) }
        XCTAssertEqual(try BitshuffleLZ4.decode(raw, count: 32, elementSize: 2),
                       (0..<32).map { UInt16($0 * 3) }.withUnsafeBytes { Array($0) })
    }
}
