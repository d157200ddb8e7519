// End-to-end test of `mxflow process` on one sweep of a split crystal: two
// P2₁2₁2₁ lattices 25° apart on a small detector, so that many spots of one
// lattice overlap the other's. The run must find both lattices, choose the
// orthorhombic lattice for both before refinement (no re-refinement after
// symmetry analysis), keep the overlaps out of the profile model, symmetry
// analysis and scaling, and find the true space group.
import Foundation
import XCTest

final class ProcessSplitLatticeTests: XCTestCase {
    /// The testdata P2₁2₁2₁ spec with a second lattice of relative strength `fraction` rotated by
    /// `rotationDegrees`, simulated and processed with no parameters; the output folder.
    func simulateAndProcess(fraction: Double, rotationDegrees: Double) throws -> String {
        let exe = try CLITest.mxflowBinary()
        let spec = CLITest.packageRoot() + "/testdata/specs/sim_p212121_ice_nxmx.json"
        let work = try CLITest.temporaryFolder(self)
        let sim = try CLITest.runProcess(exe, ["simulate", spec, work + "/s", "name=s", "second_lattice_fraction=\(fraction)",
                                               "second_lattice_rotation_deg=\(rotationDegrees)", "nproc=2"], in: work)
        XCTAssertEqual(sim.status, 0, sim.stderr)
        let out = work + "/out"
        let run = try CLITest.runProcess(exe, ["process", work + "/s/s_master.h5", "output_dir=\(out)", "nproc=2"], in: work)
        XCTAssertEqual(run.status, 0, run.stderr)
        return out
    }

    func testTwoLatticesOfOneSweepAreRefinedInTheirCommonLatticeAndMerged() throws {
        let out = try simulateAndProcess(fraction: 0.8, rotationDegrees: 25)
        let summaryData = try Data(contentsOf: URL(fileURLWithPath: out + "/mxflow.json"))
        let s = try JSONSerialization.jsonObject(with: summaryData) as! [String: Any]
        XCTAssertEqual(s["status"] as? String, "success")
        let decisions = try XCTUnwrap(s["decisions"] as? [[String: Any]])
        func decided(_ step: String, _ prefix: String) -> Bool {
            decisions.contains { ($0["step"] as? String) == step && ($0["decision"] as? String)?.hasPrefix(prefix) == true }
        }
        XCTAssertTrue(decided("index", "look for up to 2 lattices"), "\(decisions)")
        XCTAssertTrue(decided("refine", "lattice oP for all 2 lattices"), "\(decisions)")
        XCTAssertTrue(decided("symmetry", "leave out"), "\(decisions)")
        XCTAssertFalse(decided("symmetry", "re-refine"), "\(decisions)")
        let result = try XCTUnwrap(s["result"] as? [String: Any])
        XCTAssertEqual(result["space_group_number"] as? Int, 19, "\(result)")

        // Both crystals' mosaicity from spots clear of the other lattice: near the simulated 0.12°.
        let expt = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/integrated.expt")))
            as! [String: Any]
        let profiles = try XCTUnwrap(expt["profile"] as? [[String: Any]])
        XCTAssertEqual(profiles.count, 2)
        for p in profiles {
            let sigmaM = try XCTUnwrap(p["sigma_m"] as? Double)
            XCTAssertEqual(sigmaM, 0.12, accuracy: 0.05, "sigma_m of \(p)")
        }
    }

    /// Two domains only 3° apart, the second nearly as strong: the second lattice is that rotation of the
    /// first (before, candidates within 5° of lattice 1 were passed over as lattice 1 again, and a supercell
    /// fitted to the overlapping spots was taken, which symmetry analysis then could not use).
    func testDomainsAFewDegreesApartAreBothIndexed() throws {
        let out = try simulateAndProcess(fraction: 0.9, rotationDegrees: 3)
        let log = try String(contentsOfFile: out + "/mxflow.log", encoding: .utf8)
        let rotation = try XCTUnwrap(log.split(separator: "\n").first { $0.hasPrefix("  1 → 2: ") }, "no second lattice")
        let degrees = Double(rotation.dropFirst("  1 → 2: ".count).prefix { $0 != "°" }) ?? 0
        XCTAssertEqual(degrees, 3, accuracy: 0.5, String(rotation))
        let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/mxflow.json"))) as! [String: Any]
        let result = try XCTUnwrap(s["result"] as? [String: Any])
        XCTAssertEqual(result["space_group_number"] as? Int, 19, "\(result)")
    }
}
