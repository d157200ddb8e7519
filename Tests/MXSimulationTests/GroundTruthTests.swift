// Tests of the truth files of a written sweep: truth_intensities.mtz read back
// with MTZReader (and gemmi when installed) against truth_intensities.csv.
import Foundation
import XCTest
import MXFormats
@testable import MXSimulation

final class GroundTruthTests: XCTestCase {
    /// A tiny NXmx sweep (3 frames, 64 × 64 px) with selenium, so I(+) ≠ I(−) for acentrics.
    func writeTinySweep() throws -> (dir: String, spec: SimulationSpec) {
        let dir = NSTemporaryDirectory() + "mxsim-truth-\(getpid())"
        let spec = try SimulationSpec.load(path: nil, overrides: [
            "space_group=P212121", "unit_cell=30,35,40,90,90,90", "detector_size_px=64,64",
            "module_size_px=null", "pixel_size_mm=0.3", "distance_mm=80", "n_images=3", "d_min=3", "seed=5",
            "name=tiny", "anomalous_element=Se", "anomalous_atoms=2",
        ])
        try SweepWriter.write(spec: spec, to: dir)
        return (dir, spec)
    }

    func testTruthMTZMatchesTheCSV() throws {
        let (dir, spec) = try writeTinySweep()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mtz = try MTZReader.read(path: dir + "/truth_intensities.mtz")
        XCTAssertEqual(mtz.columns.map(\.label), ["H", "K", "L", "IMEAN", "SIGIMEAN", "I(+)", "SIGI(+)", "I(-)", "SIGI(-)"])
        XCTAssertEqual(String(mtz.columns.map(\.type)), "HHHJQKMKM")
        XCTAssertEqual(mtz.symmetry.number, 19)
        XCTAssertEqual(mtz.symmetry.spaceGroup()?.number, 19)
        XCTAssertEqual(mtz.symmetry.operations.count, 4)
        for (a, b) in zip(mtz.cell, [30.0, 35, 40, 90, 90, 90]) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        let ds = try XCTUnwrap(mtz.dataset(id: mtz.columns[3].datasetID))
        XCTAssertEqual([ds.project, ds.crystal, ds.dataset], ["mxflow_simulation", "tiny", "truth"])
        XCTAssertEqual(ds.wavelength, spec.wavelength, accuracy: 1e-5)
        for (a, b) in zip(ds.cell, spec.unitCell) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(mtz.columns[0].datasetID, 0)

        let csv = try String(contentsOfFile: dir + "/truth_intensities.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        XCTAssertGreaterThan(csv.count, 50)
        XCTAssertEqual(mtz.reflectionCount, csv.count)
        let col = { (label: String) in mtz.column(label)!.values }
        let h = col("H"), k = col("K"), l = col("L"), i = col("IMEAN"), ip = col("I(+)"), im = col("I(-)")
        var centrics = 0, anomalous = 0
        for (r, row) in csv.enumerated() {
            XCTAssertEqual([Double(h[r]), Double(k[r]), Double(l[r])], Array(row[0..<3]), "row \(r)")
            // CSV has 6 decimals, MTZ Float32: agree to the coarser of the two.
            for (v, c) in [(i[r], row[4]), (ip[r], row[5])] + (row[7] == 1 ? [] : [(im[r], row[6])]) {
                XCTAssertEqual(Double(v), c, accuracy: 6e-7 + 1e-6 * abs(c), "row \(r)")
            }
            // Centrics: I(+) only, as dials.merge writes them.
            if row[7] == 1 { centrics += 1; XCTAssertTrue(im[r].isNaN && col("SIGI(-)")[r].isNaN, "centric row \(r)") }
            else { XCTAssertEqual(col("SIGI(-)")[r], 0); if ip[r] != im[r] { anomalous += 1 } }
        }
        XCTAssertGreaterThan(centrics, 0)
        XCTAssertGreaterThan(anomalous, 0)
        for s in ["SIGIMEAN", "SIGI(+)"] { XCTAssertTrue(col(s).allSatisfy { $0 == 0 }, s) }
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/truth.json")))
        XCTAssertTrue(((truth as! [String: Any])["files"] as! [String]).contains("truth_intensities.mtz"))
    }

    /// gemmi (CCP4's other MTZ library) reads the file and sees our columns and symmetry.
    func testGemmiReadsTheTruthMTZ() throws {
        let gemmi = ["/usr/bin/gemmi", "/usr/local/bin/gemmi"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let gemmi else { throw XCTSkip("gemmi not installed") }
        let (dir, _) = try writeTinySweep()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gemmi)
        p.arguments = ["mtz", dir + "/truth_intensities.mtz"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("Space Group Number: 19"), out)
        XCTAssertTrue(out.contains("mxflow_simulation > tiny > truth"), out)
        XCTAssertTrue(out.contains("Number of Columns = 9"), out)
        for label in ["IMEAN", "SIGIMEAN", "I(+)", "SIGI(-)"] { XCTAssertTrue(out.contains(label), out) }
    }
}
