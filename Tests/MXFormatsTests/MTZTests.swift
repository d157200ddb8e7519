// Tests of the MTZ model, writer and reader: Swift round trips, gemmi and iotbx reading our files, reading the truth MTZs.
import XCTest
import Foundation
import MXMath
import MXSymmetry
@testable import MXFormats

final class MTZTests: XCTestCase {
    /// A small merged file laid out as dials.merge writes it.
    static func mergedFile() throws -> MTZFile {
        let g = try SpaceGroup("P 43 21 2")
        let cell = [79.1, 79.1, 37.9, 90.0, 90.0, 90.0]
        var f = MTZFile(title: "From mxflow merge", cell: cell, symmetry: MTZSymmetry(spaceGroup: g))
        let ds = f.addDataset(project: "DIALS", crystal: "XTAL", dataset: "FROMDIALS", cell: cell, wavelength: 0.9795)
        let hkl: [(Float, Float, Float)] = [(1, 0, 1), (2, 1, 3), (3, 2, 0), (5, 4, 7)]
        func col(_ label: String, _ type: Character, _ v: [Float], _ d: Int) -> MTZColumn {
            MTZColumn(label: label, type: type, datasetID: d, values: v)
        }
        f.columns = [col("H", "H", hkl.map(\.0), 0), col("K", "H", hkl.map(\.1), 0), col("L", "H", hkl.map(\.2), 0)]
        let labels: [(String, Character)] = [
            ("IMEAN", "J"), ("SIGIMEAN", "Q"), ("I(+)", "K"), ("SIGI(+)", "M"), ("I(-)", "K"), ("SIGI(-)", "M"),
            ("N(+)", "I"), ("N(-)", "I"), ("F", "F"), ("SIGF", "Q"), ("F(+)", "G"), ("SIGF(+)", "L"),
            ("F(-)", "G"), ("SIGF(-)", "L"), ("DANO", "D"), ("SIGDANO", "Q")]
        for (j, (label, type)) in labels.enumerated() {
            var v: [Float] = (0..<4).map { Float(10 * $0 + j) + 0.5 }
            if label.hasSuffix("(-)") { v[2] = .nan }   // (3,2,0) is centric: no I(−)
            f.columns.append(col(label, type, v, ds))
        }
        f.history = ["From mxflow, test"]
        return f
    }

    /// An unmerged file laid out as dials.export writes it, with one batch header per image.
    static func unmergedFile() throws -> MTZFile {
        let g = try SpaceGroup("P 21 21 21")
        let cell = [40.0, 50.0, 60.0, 90.0, 90.0, 90.0]
        var f = MTZFile(title: "From mxflow export", cell: cell, symmetry: MTZSymmetry(spaceGroup: g))
        let ds = f.addDataset(project: "DIALS", crystal: "XTAL", dataset: "FROMDIALS", cell: cell, wavelength: 1.0)
        let original = [Miller(1, 2, 3), Miller(-1, 2, 3), Miller(2, -3, -4), Miller(0, 0, 4)]
        let mapped = original.map { g.asymmetricUnitIndex($0) }
        var cols: [MTZColumn] = []
        for (a, name) in ["H", "K", "L"].enumerated() {
            cols.append(MTZColumn(label: name, type: "H", datasetID: 0, values: mapped.map { Float($0.index[a]) }))
        }
        cols.append(MTZColumn(label: "M/ISYM", type: "Y", datasetID: ds, values: mapped.map { Float($0.isym) }))
        cols.append(MTZColumn(label: "BATCH", type: "B", datasetID: ds, values: [1, 1, 2, 3]))
        for (label, type) in [("I", "J"), ("SIGI", "Q"), ("XDET", "R"), ("YDET", "R"), ("ROT", "R"),
                              ("FRACTIONCALC", "R"), ("LP", "R"), ("QE", "R")] as [(String, Character)] {
            cols.append(MTZColumn(label: label, type: type, datasetID: ds, values: [1.5, 2.5, 3.5, 4.5]))
        }
        f.columns = cols
        let U = Mat3.rotation(axis: Vec3(0, 0, 1), angle: 0.3)
        f.batches = (1...3).map {
            MTZBatch(number: $0, datasetID: ds, cell: cell, U: U, phiStart: Double($0 - 1) * 0.5,
                     phiEnd: Double($0) * 0.5, rotationAxis: Vec3(1, 0, 0), sourceVector: Vec3(0, 0, -1),
                     wavelength: 1.0, distance: 200, detectorSize: (1028, 1062), mosaicity: 0.1)
        }
        return f
    }

    /// A folder of this test's own, removed when the test ends.
    private lazy var temporaryDirectory: String = {
        let dir = NSTemporaryDirectory() + "mxflow-mtz-\(getpid())-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        self.addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }()

    func temporaryPath(_ name: String) -> String {
        temporaryDirectory + "/" + name
    }

    func testMergedRoundTrip() throws {
        let f = try Self.mergedFile()
        let path = temporaryPath("merged.mtz")
        try MTZWriter.write(f, to: path)
        let g = try MTZReader.read(path: path)
        XCTAssertEqual(g.title, f.title)
        XCTAssertEqual(g.cell, f.cell)
        XCTAssertEqual(g.symmetry, f.symmetry)
        XCTAssertEqual(g.symmetry.number, 96)
        XCTAssertEqual(g.symmetry.operations.count, 8)
        XCTAssertEqual(g.datasets.map(\.dataset), ["HKL_base", "FROMDIALS"])
        XCTAssertEqual(g.datasets[1].wavelength, 0.9795, accuracy: 1e-5)
        XCTAssertEqual(g.columns.map(\.label), f.columns.map(\.label))
        XCTAssertEqual(g.columns.map(\.type), f.columns.map(\.type))
        XCTAssertEqual(g.history, f.history)
        for (a, b) in zip(f.columns, g.columns) {
            XCTAssertEqual(a.values.count, b.values.count)
            for (x, y) in zip(a.values, b.values) { XCTAssertTrue(x == y || (x.isNaN && y.isNaN), "\(a.label)") }
        }
        XCTAssertEqual(g.millerIndices, [Miller(1, 0, 1), Miller(2, 1, 3), Miller(3, 2, 0), Miller(5, 4, 7)])
    }

    func testUnmergedRoundTripKeepsBatchHeaders() throws {
        let f = try Self.unmergedFile()
        let bytes = try MTZWriter.encode(f)
        XCTAssertEqual(Array(bytes[0..<4]), Array("MTZ ".utf8))
        XCTAssertEqual(Array(bytes[8..<12]), [0x44, 0x41, 0, 0])
        // Header starts right after 4 rows × 13 columns of data.
        XCTAssertEqual(Int(bytes[4]) | Int(bytes[5]) << 8, 21 + 4 * 13)
        let g = try MTZReader.decode(bytes)
        XCTAssertEqual(g.batches, f.batches)
        XCTAssertEqual(g.batches[1].phiStart, 0.5)
        XCTAssertEqual(g.batches[1].axisLabels, ["AXIS", "", ""])
        // cmtzlib's word positions (as in dials.export's headers): λ at 86, distance at 111, detlm at 113–116.
        XCTAssertEqual(g.batches[0].wavelength, 1.0)
        XCTAssertEqual(g.batches[0].reals[111], 200)
        XCTAssertEqual(Array(g.batches[0].reals[113...116]), [0, 1028, 0, 1062])
        XCTAssertEqual(Array(g.batches[0].reals[83...85]), [0, 0, -1])
        XCTAssertEqual(g.batches[0].U[0, 1], f.batches[0].U[0, 1], accuracy: 1e-6)
        // M/ISYM reconstructs the original indices.
        let sg = try SpaceGroup("P 21 21 21")
        let isym = g.column("M/ISYM")!.values.map { Int($0) }
        let back = zip(g.millerIndices, isym).map { sg.originalIndex(asu: $0.0, isym: $0.1)! }
        XCTAssertEqual(back, [Miller(1, 2, 3), Miller(-1, 2, 3), Miller(2, -3, -4), Miller(0, 0, 4)])
    }

    func testRejectsNonMTZ() {
        XCTAssertThrowsError(try MTZReader.decode(Array("not an mtz file at all".utf8) + [UInt8](repeating: 0, count: 80))) {
            XCTAssertTrue("\($0)".contains("does not start with 'MTZ '"))
        }
        XCTAssertThrowsError(try MTZReader.read(path: "/nonexistent/x.mtz")) {
            XCTAssertTrue("\($0)".contains("no such file"))
        }
    }

    func testWriterRejectsColumnsOfUnequalLength() throws {
        var f = try Self.mergedFile()
        f.columns[4].values.removeLast()
        XCTAssertThrowsError(try MTZWriter.encode(f, path: "x.mtz")) { XCTAssertTrue("\($0)".contains("IMEAN")) }
    }

    /// `gemmi mtz` (Debian's gemmi) reads both layouts without a warning.
    func testGemmiReadsOurFiles() throws {
        let gemmi = "/usr/bin/gemmi"
        guard FileManager.default.isExecutableFile(atPath: gemmi) else { throw XCTSkip("gemmi not installed") }
        for (name, file) in [("merged.mtz", try Self.mergedFile()), ("unmerged.mtz", try Self.unmergedFile())] {
            let path = temporaryPath("gemmi-" + name)
            try MTZWriter.write(file, to: path)
            let (rc, out) = run(gemmi, ["mtz", "-s", "-b", "-d", path])
            XCTAssertEqual(rc, 0, out)
            XCTAssertFalse(out.lowercased().contains("warning"), out)
            XCTAssertFalse(out.lowercased().contains("error"), out)
            XCTAssertTrue(out.contains(file.symmetry.name), out)
            if name == "unmerged.mtz" { XCTAssertTrue(out.contains("Batch 3"), out) }
        }
    }

    /// iotbx (cctbx's MTZ reader, on cmtzlib) reads both layouts and sees our columns and symmetry.
    func testIotbxReadsOurFiles() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python),
              run(python, ["-c", "import iotbx.mtz"]).0 == 0 else { throw XCTSkip("iotbx not installed") }
        for (name, file) in [("merged.mtz", try Self.mergedFile()), ("unmerged.mtz", try Self.unmergedFile())] {
            let path = temporaryPath("iotbx-" + name)
            try MTZWriter.write(file, to: path)
            let script = """
            import sys, io
            from iotbx import mtz
            m = mtz.object(sys.argv[1])
            m.show_summary(out=io.StringIO())
            print(m.space_group().type().number(), m.n_reflections(), m.n_batches())
            print(' '.join(m.column_labels()))
            for a in m.as_miller_arrays(merge_equivalents=False): pass
            """
            let (rc, out) = run(python, ["-c", script, path])
            XCTAssertEqual(rc, 0, out)
            let lines = out.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.first, "\(file.symmetry.spaceGroup()!.number) \(file.reflectionCount) \(file.batches.count)", out)
            // iotbx spells CCP4's M/ISYM as M_ISYM.
            XCTAssertEqual(lines.dropFirst().first,
                           file.columns.map { $0.label == "M/ISYM" ? "M_ISYM" : $0.label }.joined(separator: " "), out)
        }
    }

    /// The truth MTZs of the shared sweeps (written by gemmi elsewhere) read correctly.
    func testReadsTruthIntensities() throws {
        let path = ExptTestData.sharedDataDirectory() + "/lysozyme_p43212/truth_intensities.mtz"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no shared data") }
        let f = try MTZReader.read(path: path)
        XCTAssertEqual(f.reflectionCount, 5994)
        XCTAssertEqual(f.cell, [79.1, 79.1, 37.9, 90, 90, 90])
        XCTAssertEqual(f.symmetry.number, 96)
        XCTAssertEqual(f.symmetry.spaceGroup()?.number, 96)
        XCTAssertEqual(f.columns.map(\.label), ["H", "K", "L", "I", "I(+)", "I(-)"])
        XCTAssertEqual(f.column("I")?.type, "J")
        XCTAssertEqual(f.dataset(id: 1)?.wavelength ?? 0, 1.2, accuracy: 1e-6)
        let range = f.column("I")!.range
        XCTAssertEqual(Double(range.max), 24.2261658, accuracy: 1e-5)
        // Re-writing and reading gives the same values.
        let again = try MTZReader.decode(try MTZWriter.encode(f))
        XCTAssertEqual(again.millerIndices, f.millerIndices)
    }

    func run(_ exe: String, _ args: [String]) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
