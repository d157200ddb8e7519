// Tests of the msgpack codec and the DIALS .refl layout: round trips of every column type, known bytes, bad files.
import XCTest
import Foundation
import MXMath
import MXModel
@testable import MXFormats

final class ReflectionTableCodecTests: XCTestCase {
    func sampleTable() -> ReflectionTable {
        var t = ReflectionTable(count: 3)
        t.set("flags", .size([32, 32 | 4, 1 << 26]))
        t.set("id", .int([0, 0, -1]))
        t.set("entering", .bool([true, false, true]))
        t.set("d", .double([2.5, .infinity, -0.0]))
        t.set("label", .string(["a", "", "ünïcode"]))
        t.set("xy", .vec2([Vec2(1, 2), Vec2(-3, 4.5), Vec2(0, 0)]))
        t.set("xyzobs.px.value", .vec3([Vec3(1.5, 2.5, 0.5), Vec3(1e6, -2, 3), Vec3(0, 0, 0)]))
        t.set("A", .mat3([.identity, Mat3(1, 2, 3, 4, 5, 6, 7, 8, 9), Mat3.rotation(axis: Vec3(0, 0, 1), angle: 0.3)]))
        t.set("bbox", .int6([BoundingBox(1, 4, 2, 5, 0, 1), BoundingBox(-3, 0, 0, 2, 7, 9), BoundingBox(0, 0, 0, 0, 0, 0)]))
        t.set("miller_index", .miller([MillerIndex(1, -2, 3), MillerIndex(0, 0, 0), MillerIndex(-40, 50, -60)]))
        let b = BoundingBox(0, 2, 0, 1, 3, 4)
        t.set("shoebox", .shoebox([
            Shoebox(panel: 0, bbox: b, data: [1, 2], mask: [5, 3], background: [0.5, 0.25]),
            Shoebox(panel: 2, bbox: BoundingBox(1, 1, 1, 1, 1, 1)),
            Shoebox(panel: 1, bbox: b, data: [7, 8], mask: [1, 0], background: [0, 0]),
        ]))
        t.experimentIdentifiers = [0: "4c1a-uuid", 3: "other"]
        return t
    }

    func testRoundTripEveryColumnType() throws {
        let t = sampleTable()
        let back = try ReflectionTableCodec.decode(ReflectionTableCodec.encode(t))
        XCTAssertEqual(back, t)
    }

    func testRoundTripThroughFileAndEmptyTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxflow-refl-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.refl").path
        try ReflectionTableCodec.write(sampleTable(), path: path)
        XCTAssertEqual(try ReflectionTableCodec.read(path: path), sampleTable())
        var empty = ReflectionTable(count: 0)
        empty.set("xyzobs.px.value", .vec3([]))
        try ReflectionTableCodec.write(empty, path: path)
        let e = try ReflectionTableCodec.read(path: path)
        XCTAssertEqual(e.count, 0)
        XCTAssertEqual(e.columnNames, ["xyzobs.px.value"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["t.refl"])
    }

    /// A table of several MB, with shoeboxes from a few bytes to larger than
    /// the encoder's chunk: the file written in pieces holds exactly the
    /// bytes of the in-memory encoding, and reads back equal.
    func testStreamedFileMatchesEncodedBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxflow-refl-big-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 3000
        var t = ReflectionTable(count: n)
        t.set("entering", .bool((0..<n).map { $0 % 3 == 0 }))
        t.set("xyzobs.px.value", .vec3((0..<n).map { Vec3(Double($0), 0.5 * Double($0), -Double($0) / 7) }))
        t.set("label", .string((0..<n).map { "r\($0)" }))
        t.set("intensity.sum.value", .double((0..<n).map { Double($0) * 1.25 }))
        t.set("shoebox", .shoebox((0..<n).map { i in
            // No data, 3 or 75 voxels, and every 100th 16 000 voxels (192 kB, three chunks).
            let side = i % 100 == 99 ? 40 : [0, 1, 5][i % 3]
            let b = BoundingBox(0, side, 0, side, 0, side == 40 ? 10 : 3)
            guard side > 0 else { return Shoebox(panel: UInt32(i % 2), bbox: b) }
            let m = b.volume
            return Shoebox(panel: 0, bbox: b, data: (0..<m).map { Float($0 + i) },
                           mask: (0..<m).map { Int32(($0 + i) % 7) }, background: (0..<m).map { Float($0) * 0.5 })
        }))
        let path = dir.appendingPathComponent("big.refl").path
        try ReflectionTableCodec.write(t, path: path)
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let encoded = ReflectionTableCodec.encode(t)
        XCTAssertGreaterThan(encoded.count, 2 << 20)
        XCTAssertEqual(written.count, encoded.count)
        XCTAssertTrue(written == encoded, "the streamed file differs from the in-memory encoding")
        XCTAssertEqual(try ReflectionTableCodec.decode(written), t)
    }

    /// The exact bytes of a one-row table with one int column, laid out by
    /// hand from the msgpack spec and DIALS' adapter.
    func testKnownBytes() {
        var t = ReflectionTable(count: 1)
        t.set("id", .int([7]))
        let expected: [UInt8] = [0x93, 0xbb] + Array("dials::af::reflection_table".utf8) + [0x01, 0x83,
            0xab] + Array("identifiers".utf8) + [0x80,
            0xa5] + Array("nrows".utf8) + [0x01,
            0xa4] + Array("data".utf8) + [0x81, 0xa2, 0x69, 0x64, 0x92, 0xa3] + Array("int".utf8)
            + [0x92, 0x01, 0xc4, 0x04, 0x07, 0x00, 0x00, 0x00]
        XCTAssertEqual(ReflectionTableCodec.encode(t), expected)
    }

    func testMessagePackScalarsRoundTrip() throws {
        let values: [MessagePackValue] = [
            .null, .bool(true), .uint(0), .uint(127), .uint(128), .uint(65536), .uint(UInt64.max),
            .int(-1), .int(-33), .int(-200), .int(-40000), .int(Int64.min), .double(3.25), .float(-1.5),
            .string(String(repeating: "x", count: 40)), .string(String(repeating: "y", count: 300)),
            .binary([UInt8](repeating: 9, count: 70000)), .array((0..<20).map { .uint(UInt64($0)) }),
            .map([MessagePackPair(.string("k"), .array([]))]), .ext(5, [1, 2, 3, 4]),
        ]
        for v in values {
            var w = MessagePackWriter()
            w.write(v)
            XCTAssertEqual(try MessagePackReader.decode(w.bytes), v)
        }
        // Smallest encodings from the spec: 127 is one byte, −33 is int8, 256 is uint16.
        var w = MessagePackWriter(); w.write(.uint(127)); XCTAssertEqual(w.bytes, [0x7f])
        w = MessagePackWriter(); w.write(.int(-33)); XCTAssertEqual(w.bytes, [0xd0, 0xdf])
        w = MessagePackWriter(); w.write(.uint(256)); XCTAssertEqual(w.bytes, [0xcd, 0x01, 0x00])
    }

    func testBadFilesGiveSentences() throws {
        XCTAssertThrowsError(try ReflectionTableCodec.decode([0x93, 0xa1], path: "x.refl")) { e in
            XCTAssertEqual("\(e)", "x.refl: not a DIALS reflection table (msgpack data ends early (at byte 2))")
        }
        var w = MessagePackWriter()
        w.write(.array([.string("something"), .uint(1), .map([])]))
        XCTAssertThrowsError(try ReflectionTableCodec.decode(w.bytes, path: "y.refl")) { e in
            XCTAssertTrue("\(e)".hasPrefix("y.refl: not a DIALS reflection table"), "\(e)")
        }
        // A column whose byte count does not match nrows.
        var t = ReflectionTable(count: 2)
        t.set("d", .double([1, 2]))
        var bytes = ReflectionTableCodec.encode(t)
        let nrowsAt = bytes.firstIndex(of: 0xa5)! + 6   // value after "nrows"
        bytes[nrowsAt] = 0x03
        XCTAssertThrowsError(try ReflectionTableCodec.decode(bytes, path: "z.refl")) { e in
            XCTAssertEqual("\(e)", "z.refl: column 'd' has 2 rows but the table has 3")
        }
        XCTAssertThrowsError(try ReflectionTableCodec.read(path: "/nonexistent/strong.refl")) { e in
            XCTAssertEqual("\(e)", "/nonexistent/strong.refl: cannot read the reflection file (no such file)")
        }
    }

    /// DIALS reads what mxflow writes, and mxflow reads what DIALS writes
    /// (skipped when DIALS' Python is not installed).
    func testDIALSReadsAndWritesOurLayout() throws {
        let python = "/usr/bin/libtbx.python"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("DIALS not installed") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxflow-dials-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var t = sampleTable()
        t.removeColumn("label")   // DIALS has no msgpack form for string columns
        let ours = dir.appendingPathComponent("ours.refl").path
        let theirs = dir.appendingPathComponent("theirs.refl").path
        try ReflectionTableCodec.write(t, path: ours)
        let script = """
        from dials.array_family import flex
        t = flex.reflection_table.from_file('\(ours)')
        assert t.size() == 3
        assert list(t['miller_index']) == [(1, -2, 3), (0, 0, 0), (-40, 50, -60)]
        assert list(t['bbox'])[1] == (-3, 0, 0, 2, 7, 9)
        assert t['shoebox'][0].data.as_1d().as_numpy_array().tolist() == [1.0, 2.0]
        assert t['shoebox'][1].data.size() == 0
        assert dict(t.experiment_identifiers()) == {0: '4c1a-uuid', 3: 'other'}
        t['xyzobs.px.value'] = t['xyzobs.px.value'] * 2.0
        t.as_file('\(theirs)')
        """
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: python)
        proc.arguments = ["-c", script]
        let err = Pipe()
        proc.standardError = err
        proc.standardOutput = Pipe()
        try proc.run()
        proc.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(proc.terminationStatus, 0, message)
        let back = try ReflectionTableCodec.read(path: theirs)
        XCTAssertEqual(back.vec3s("xyzobs.px.value")?[1], Vec3(2e6, -4, 6))
        XCTAssertEqual(back.millerIndices("miller_index"), t.millerIndices("miller_index"))
        XCTAssertEqual(back.shoeboxes("shoebox"), t.shoeboxes("shoebox"))
        XCTAssertEqual(back.mat3s("A"), t.mat3s("A"))
        XCTAssertEqual(back.bools("entering"), t.bools("entering"))
    }
}
