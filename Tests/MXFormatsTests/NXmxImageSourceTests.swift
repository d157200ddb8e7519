// Tests of NXmx frame reading: raw-chunk decode vs HDF5's pipeline, threads, 16-bit, deflate, and every bad input.
import CHDF5
import XCTest
@testable import MXFormats

final class NXmxImageSourceTests: XCTestCase {
    /// Collects frames delivered from worker threads.
    final class Collected: @unchecked Sendable {
        let lock = DispatchSemaphore(value: 1)
        var frames: [Int: [Int32]] = [:]
        func put(_ i: Int, _ px: UnsafeBufferPointer<Int32>) { lock.wait(); frames[i] = Array(px); lock.signal() }
    }

    func expected(_ t: TestNXmx, frame f: Int) -> [Int32] {
        (0..<(t.width * t.height)).map { i in
            i % t.width == 5 ? -1 : (t.readoutDepth != nil && i == 7 ? -2 : Int32(t.value(f, i)))
        }
    }

    func testFramesMaskAndGapsFromSyntheticFiles() throws {
        let cases: [(String, TestNXmx)] = [
            ("bslz4_32", TestNXmx(frames: 5)),
            ("bslz4_16", TestNXmx(frames: 5, sixteenBit: true)),
            ("deflate_32", TestNXmx(frames: 5, compression: .deflate(level: 4))),
            ("none_16", TestNXmx(frames: 5, sixteenBit: true, compression: .none)),
            ("split_32", TestNXmx(frames: 5, framesPerFile: 2)),
            // dxtbx: with bit_depth_readout b, 2^b − 1 → −1 and 2^b − 2 → −2 (b = 32: 2^31).
            ("readout_16", TestNXmx(frames: 5, sixteenBit: true, readoutDepth: 16)),
            ("readout_32", TestNXmx(frames: 5, readoutDepth: 32)),
        ]
        for (name, t) in cases {
            let dir = nexusTemporaryDirectory("src-" + name)
            let source = try NXmxImageSource(masterPath: try t.write(to: dir))
            XCTAssertEqual(source.frameCount, 5)
            XCTAssertEqual(source.frameSize.width, 24); XCTAssertEqual(source.frameSize.height, 16)
            XCTAssertEqual(source.blocks[0].rawChunks, t.compression == .bitshuffleLZ4, name)
            XCTAssertEqual(source.blocks.map(\.frames), t.framesPerFile == nil ? [5] : [2, 2, 1], name)
            XCTAssertEqual(source.trustedMask.filter { $0 == 0 }.count, 17, name)  // gap column + one user-masked pixel
            for f in 0..<5 { XCTAssertEqual(try source.readFrame(f), expected(t, frame: f), "\(name) frame \(f)") }
            for threads in [1, 2, 3] {
                let got = Collected()
                try source.forEachFrame(in: 1..<5, threads: threads) { got.put($0, $1) }
                XCTAssertEqual(got.frames.keys.sorted(), [1, 2, 3, 4])
                for f in 1..<5 { XCTAssertEqual(got.frames[f], expected(t, frame: f), "\(name) \(threads) threads") }
            }
        }
    }

    /// Raw-chunk decoding must equal HDF5's own pipeline (bitshuffle plugin) on shared frames.
    func testSharedSweepMatchesHDF5Pipeline() throws {
        guard let dir = nexusSharedDataDirectory() else { throw XCTSkip("shared data absent") }
        guard H5Zfilter_avail(H5Z_filter_t(32008)) > 0 else { throw XCTSkip("bitshuffle HDF5 plugin absent") }
        let master = dir + "/weak_ice_p1/weak_ice_p1_master.h5"
        let source = try NXmxImageSource(masterPath: master)
        XCTAssertTrue(source.blocks[0].rawChunks)
        XCTAssertEqual(source.frameCount, 60)
        let file = try HDF5File(readingAt: master)
        let d = try file.dataset("/entry/data/data")
        let n = 1028 * 1062
        let got = Collected()
        try source.forEachFrame(in: 0..<4, threads: 2) { got.put($0, $1) }
        for f in [0, 3] {
            var pipe = [UInt32](repeating: 0, count: n)
            try pipe.withUnsafeMutableBytes {
                try d.readHyperslab(start: [f, 0, 0], count: [1, 1062, 1028], memType: chdf5_native_uint32(), into: $0)
            }
            let want = pipe.map { Int32(bitPattern: $0) }
            XCTAssertEqual(try source.readFrame(f), want)
            XCTAssertEqual(got.frames[f], want)
        }
        let masked = source.trustedMask.filter { $0 == 0 }.count
        XCTAssertGreaterThan(masked, 0)
    }

    // MARK: bad input: one sentence naming the file and the frame or field

    func testMissingFileAndNonHDF5() throws {
        let dir = nexusTemporaryDirectory("errors-files")
        XCTAssertThrowsError(try NXmxImageSource(masterPath: dir + "/nothing_master.h5")) {
            XCTAssertEqual("\($0)", "\(dir)/nothing_master.h5: no such file")
        }
        let junk = dir + "/junk_master.h5"
        let fp = fopen(junk, "w"); fputs("\u{89}HDF but not really\n", fp); fclose(fp)
        XCTAssertThrowsError(try importNXmx(masterPath: junk)) {
            XCTAssertEqual("\($0)", "\(junk): not a readable image file (not an HDF5 file)")
        }
    }

    func testMissingDataFileNamesLinkAndFile() throws {
        let dir = nexusTemporaryDirectory("errors-link")
        let master = try TestNXmx(writeDataFile: false).write(to: dir, name: "nolink")
        let expected = "\(master): field /entry/data/data is an external link to nolink_data_000001.h5:/entry/data/data, "
            + "but \(dir)/nolink_data_000001.h5 does not exist"
        XCTAssertThrowsError(try NXmxImageSource(masterPath: master)) { XCTAssertEqual("\($0)", expected) }
        XCTAssertThrowsError(try importNXmx(masterPath: master)) { XCTAssertEqual("\($0)", expected) }
        // A data file that is not HDF5 (e.g. cut off during copying).
        let fp = fopen(dir + "/nolink_data_000001.h5", "w"); fputs("garbage", fp); fclose(fp)
        XCTAssertThrowsError(try NXmxImageSource(masterPath: master)) {
            XCTAssertEqual("\($0)", "\(master): field /entry/data/data is an external link to "
                + "nolink_data_000001.h5:/entry/data/data, but \(dir)/nolink_data_000001.h5 is not an HDF5 file")
        }
    }

    func testTruncatedChunkNamesDataFileAndFrame() throws {
        let dir = nexusTemporaryDirectory("errors-chunk")
        let master = try TestNXmx(truncatedFrame: 1).write(to: dir, name: "cut")
        let source = try NXmxImageSource(masterPath: master)
        XCTAssertNoThrow(try source.readFrame(0))
        XCTAssertThrowsError(try source.readFrame(1)) {
            // The block's length field says more bytes than the 9-byte-short chunk holds.
            XCTAssertTrue("\($0)".hasPrefix("\(dir)/cut_data_000001.h5: frame 1 cannot be read "
                + "(bitshuffle-LZ4 chunk is truncated: block 0 takes"), "\($0)")
        }
        XCTAssertThrowsError(try source.forEachFrame(in: 0..<3, threads: 2) { _, _ in }) {
            XCTAssertTrue("\($0)".hasPrefix("\(dir)/cut_data_000001.h5: frame 1 cannot be read"), "\($0)")
        }
    }

    func testMissingRequiredFieldsAreNamed() throws {
        let dir = nexusTemporaryDirectory("errors-fields")
        let noWavelength = try TestNXmx(wavelength: nil).write(to: dir, name: "nowl")
        XCTAssertThrowsError(try importNXmx(masterPath: noWavelength)) {
            XCTAssertEqual("\($0)", "\(noWavelength): required field /entry/instrument/beam/incident_wavelength is missing")
        }
        let noDependsOn = try TestNXmx(sampleDependsOn: false).write(to: dir, name: "nodep")
        XCTAssertThrowsError(try importNXmx(masterPath: noDependsOn)) {
            XCTAssertEqual("\($0)", "\(noDependsOn): required field /entry/sample/depends_on is missing")
        }
    }

    func testFrameOutOfRange() throws {
        let dir = nexusTemporaryDirectory("errors-range")
        let master = try TestNXmx().write(to: dir, name: "range")
        let source = try NXmxImageSource(masterPath: master)
        XCTAssertThrowsError(try source.readFrame(7)) {
            XCTAssertEqual("\($0)", "\(master): frame 7 requested but the file has 3 frames")
        }
        XCTAssertThrowsError(try source.forEachFrame(in: 2..<4, threads: 1) { _, _ in }) {
            XCTAssertEqual($0 as? ImageReadError, .frameOutOfRange(path: master, frame: 3, count: 3))
        }
    }
}
