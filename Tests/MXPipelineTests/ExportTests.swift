// Tests of `export`: the unmerged MTZ of a scaled (or integrated) table, read back by mxflow, gemmi and iotbx.
import Foundation
import MXFormats
import MXModel
import MXSymmetry
import XCTest
@testable import MXPipeline

final class ExportTests: XCTestCase {
    func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scaling/\(name)").path
    }

    /// The committed integrated fixture with scaled columns added: g varies
    /// smoothly with the image, I_scale is the profile-fitted intensity ·lp/qe.
    func scaledFixture() throws -> (ExperimentList, ReflectionTable, [Double]) {
        let list = try ExperimentListCodec.read(path: fixture("sim_p43212_se_symmetrized.expt"))
        var table = try ReflectionTableCodec.read(path: fixture("sim_p43212_se_symmetrized.refl"))
        let z = try XCTUnwrap(table.vec3s(ReflectionTable.Name.xyzobsPxValue)).map(\.z)
        let g = z.map { 1 + 0.2 * sin($0 / 7) }
        let prf = try XCTUnwrap(table.doubles(ReflectionTable.Name.intensityPrfValue))
        let prfVar = try XCTUnwrap(table.doubles(ReflectionTable.Name.intensityPrfVariance))
        table.set("inverse_scale_factor", .double(g))
        // σ(g) = (row + 1)·10⁻³ names each row in SIGSCALEUSED, so the file's rows can be traced back.
        table.set("inverse_scale_factor_variance", .double(g.indices.map { pow(Double($0 + 1) * 1e-3, 2) }))
        table.set("intensity.scale.value", .double(prf))
        table.set("intensity.scale.variance", .double(prfVar.map { max($0, 1) }))
        return (list, table, g)
    }

    func parameters(_ items: [String]) throws -> ParameterSet {
        var set = ParameterSet(ExportParameterDefinitions.all)
        try set.parse(items)
        return set
    }

    func testScaledExportRoundTripsWithOneBatchPerImage() throws {
        let (list, table, g) = try scaledFixture()
        let result = try Export.unmergedMTZ(table: table, experiments: list, set: try parameters([]), history: ["test"])
        XCTAssertEqual(result.intensity, .scale)
        let mtz = result.mtz
        // (the fixture has no background.sum columns, so no BG/SIGBG)
        XCTAssertEqual(mtz.columns.map(\.label), ["H", "K", "L", "M/ISYM", "BATCH", "I", "SIGI", "SCALEUSED",
                                                  "SIGSCALEUSED", "FRACTIONCALC", "XDET", "YDET", "ROT", "LP", "QE"])
        let scan = try XCTUnwrap(list[0].scan)
        XCTAssertEqual(mtz.batches.count, scan.numberOfImages)
        XCTAssertEqual(mtz.batches.map(\.number), Array(scan.imageRange).map { $0 + scan.batchOffset })
        let back = try MTZReader.decode(try MTZWriter.encode(mtz))
        XCTAssertEqual(back.reflectionCount, mtz.reflectionCount)
        XCTAssertEqual(back.columns.map(\.label), mtz.columns.map(\.label))
        XCTAssertEqual(String(back.columns.map(\.type)), "HHHYBJQRRRRRRRR")
        let crystalGroup = try XCTUnwrap(list[0].crystal).spaceGroup()
        XCTAssertEqual(back.symmetry.number, crystalGroup.number)
        XCTAssertEqual(back.batches.count, mtz.batches.count)
        for (a, b) in zip(back.batches, mtz.batches) {
            XCTAssertEqual(a.number, b.number)
            XCTAssertEqual(a.reals, b.reals)
            XCTAssertEqual(a.integers, b.integers)
        }
        // Each image's φ range follows the scan, and consecutive batches abut.
        let w = Float(scan.oscillationWidthDegrees)
        for (k, b) in back.batches.enumerated() {
            XCTAssertEqual(b.phiEnd - b.phiStart, w, accuracy: 1e-4)
            if k > 0 { XCTAssertEqual(b.phiStart, back.batches[k - 1].phiEnd, accuracy: 1e-3) }
        }
        // I = I_scale/g, SIGI = σ/g and SCALEUSED = g, row by row; indices in the ASU.
        let group = try XCTUnwrap(back.symmetry.spaceGroup())
        let i = try XCTUnwrap(back.column("I")).values, sigi = try XCTUnwrap(back.column("SIGI")).values
        let s = try XCTUnwrap(back.column("SCALEUSED")).values, tag = try XCTUnwrap(back.column("SIGSCALEUSED")).values
        let iScale = try XCTUnwrap(table.doubles("intensity.scale.value"))
        let vScale = try XCTUnwrap(table.doubles("intensity.scale.variance"))
        let hkl = try XCTUnwrap(table.millerIndices(ReflectionTable.Name.millerIndex))
        var seen = Set<Int>()
        for r in 0..<back.reflectionCount {
            let row = Int((Double(tag[r]) * 1000).rounded()) - 1
            XCTAssertTrue(seen.insert(row).inserted)
            XCTAssertEqual(Double(s[r]), g[row], accuracy: 1e-6)
            XCTAssertEqual(Double(i[r]), iScale[row] / g[row], accuracy: 1e-5 * max(1, abs(iScale[row] / g[row])))
            XCTAssertEqual(Double(sigi[r]), vScale[row].squareRoot() / g[row], accuracy: 1e-5 * vScale[row].squareRoot())
            let m = hkl[row]
            XCTAssertEqual(back.millerIndices[r], group.asymmetricUnitIndex(Miller(Int(m.h), Int(m.k), Int(m.l))).index)
        }
        XCTAssertEqual(seen.count, back.reflectionCount)
        for m in back.millerIndices.prefix(500) { XCTAssertEqual(group.asymmetricUnitIndex(m).index, m) }
    }

    func testSumExportCarriesProfileColumnsAndDMinCuts() throws {
        let (list, table, _) = try scaledFixture()
        let all = try Export.unmergedMTZ(table: table, experiments: list, set: try parameters(["intensity=sum"]),
                                         history: [])
        XCTAssertEqual(all.intensity, .sum)
        XCTAssertNotNil(all.mtz.column("IPR"))
        XCTAssertNotNil(all.mtz.column("SIGIPR"))
        XCTAssertNil(all.mtz.column("SCALEUSED"))
        let cut = try Export.unmergedMTZ(table: table, experiments: list,
                                         set: try parameters(["intensity=profile", "d_min=2.5"]), history: [])
        XCTAssertNil(cut.mtz.column("IPR"))
        let cell = try UnitCell(parameters: cut.mtz.cell)
        XCTAssertGreaterThan(cut.mtz.reflectionCount, 100)
        XCTAssertTrue(cut.mtz.millerIndices.allSatisfy { cell.dSpacing($0) >= 2.5 - 1e-9 })
        XCTAssertLessThan(cut.mtz.reflectionCount, all.mtz.reflectionCount)
    }

    // MARK: other readers

    func writeScaled() throws -> String {
        let (list, table, _) = try scaledFixture()
        let mtz = try Export.unmergedMTZ(table: table, experiments: list, set: try parameters([]), history: []).mtz
        let path = NSTemporaryDirectory() + "mxflow-export-\(ProcessInfo.processInfo.processIdentifier).mtz"
        try MTZWriter.write(mtz, to: path)
        return path
    }

    func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testGemmiReadsTheBatches() throws {
        let gemmi = "/usr/bin/gemmi"
        guard FileManager.default.isExecutableFile(atPath: gemmi) else { throw XCTSkip("gemmi is not installed") }
        let path = try writeScaled()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, out) = try run(gemmi, ["mtz", "-B", "5", path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("Batch 5"), out)
        XCTAssertTrue(out.contains("Phi start - end: 4 - 5"), out)   // image 5 of 1° images from 0°
        let (s2, dump) = try run(gemmi, ["mtz", path])
        XCTAssertEqual(s2, 0, dump)
        XCTAssertTrue(dump.contains("Number of Batches = 20"), dump)
        XCTAssertTrue(dump.contains("Space Group Number: 89"), dump)   // P 4 2 2, Hall " P 4 2", as DIALS reads the fixture
        XCTAssertTrue(dump.contains("SCALEUSED"), dump)
    }

    func testIotbxReadsTheBatches() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python),
              (try? run(python, ["-c", "import iotbx.mtz"]))?.0 == 0 else { throw XCTSkip("iotbx (cctbx) is not installed") }
        let path = try writeScaled()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
        import sys, iotbx.mtz
        m = iotbx.mtz.object(sys.argv[1])
        b = m.batches()
        print(len(b), b[0].num(), round(b[0].phistt(), 3), round(b[0].phiend(), 3), round(b[0].alambd(), 4))
        print(m.n_reflections(), m.space_group_info().type().number())
        print(' '.join(c.label() for c in m.columns()))
        """
        let (status, out) = try run(python, ["-c", script, path])
        XCTAssertEqual(status, 0, out)
        let lines = out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let (list, _, _) = try scaledFixture()
        let scan = try XCTUnwrap(list[0].scan)
        XCTAssertEqual(Int(lines[0][0]), scan.numberOfImages)
        XCTAssertEqual(Int(lines[0][1]), scan.imageRange.lowerBound + scan.batchOffset)
        XCTAssertEqual(Double(lines[0][2])!, scan.startAngleDegrees(ofImage: scan.imageRange.lowerBound), accuracy: 1e-3)
        XCTAssertEqual(Double(lines[0][4])!, list[0].beam.wavelength, accuracy: 1e-4)
        XCTAssertEqual(Int(lines[1][1]), try XCTUnwrap(list[0].crystal).spaceGroup().number)
        XCTAssertTrue(lines[2].contains("SCALEUSED"))
    }
}
