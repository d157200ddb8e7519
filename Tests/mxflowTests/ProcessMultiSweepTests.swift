// End-to-end test of `mxflow process` on two sweeps of one crystal whose
// lattice (tetragonal) has more symmetry than its Laue group (4/m): the
// second sweep is simulated with the crystal turned by a lattice twofold that
// is not a crystal symmetry, so indexed on its own it lands in the other
// setting, and only its intensities can bring it into the first one's.
import Foundation
import MXFormats
import XCTest

final class ProcessMultiSweepTests: XCTestCase {
    func testTwoSweepsInAmbiguousSettingsAreReindexedScaledAndMergedTogether() throws {
        let exe = try CLITest.mxflowBinary()
        let spec = CLITest.packageRoot() + "/testdata/specs/sim_p43212_se_nxmx.json"
        let work = try CLITest.temporaryFolder(self)
        let common = ["space_group=P43", "n_images=20", "nproc=2"]
        let a = try CLITest.runProcess(exe, ["simulate", spec, work + "/a", "name=a", "start_angle_deg=0"] + common, in: work)
        XCTAssertEqual(a.status, 0, a.stderr)
        let truthData = try Data(contentsOf: URL(fileURLWithPath: work + "/a/truth.json"))
        let truth = try JSONSerialization.jsonObject(with: truthData) as! [String: Any]
        let lattices = try XCTUnwrap(truth["lattices"] as? [[String: Any]])
        let u = try XCTUnwrap(lattices.first?["U"] as? [Double])
        // U·R with R the twofold along a+b of the tetragonal cell (in its orthogonal frame).
        let r: [Double] = [0, 1, 0, 1, 0, 0, 0, 0, -1]
        var turned = [Double](repeating: 0, count: 9)
        for row in 0..<3 {
            for column in 0..<3 {
                for k in 0..<3 { turned[3 * row + column] += u[3 * row + k] * r[3 * k + column] }
            }
        }
        let b = try CLITest.runProcess(exe, ["simulate", spec, work + "/b", "name=b", "start_angle_deg=50",
                                             "orientation_u=" + turned.map { String(format: "%.15f", $0) }.joined(separator: ",")]
                                       + common, in: work)
        XCTAssertEqual(b.status, 0, b.stderr)

        let out = work + "/out"
        let run = try CLITest.runProcess(exe, ["process", work + "/a/a_master.h5", work + "/b/b_master.h5",
                                               "output_dir=\(out)", "nproc=2"], in: work)
        XCTAssertEqual(run.status, 0, run.stderr)
        let summaryData = try Data(contentsOf: URL(fileURLWithPath: out + "/mxflow.json"))
        let s = try JSONSerialization.jsonObject(with: summaryData) as! [String: Any]
        XCTAssertEqual(s["status"] as? String, "success")
        let decisions = try XCTUnwrap(s["decisions"] as? [[String: Any]])
        XCTAssertTrue(decisions.contains { ($0["step"] as? String) == "combine"
            && ($0["decision"] as? String)?.hasPrefix("reindex sweep 2") == true }, "\(decisions)")
        XCTAssertTrue(decisions.contains { ($0["step"] as? String) == "sweep_2/refine"
            && ($0["decision"] as? String)?.hasPrefix("lattice tP") == true }, "\(decisions)")
        for file in ["sweep_1/integrated.refl", "sweep_2/integrated.refl", "integrated.refl", "merged.mtz"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let result = try XCTUnwrap(s["result"] as? [String: Any])
        // P 43 (78) or its enantiomorph P 41 (76).
        XCTAssertTrue([76, 78].contains(result["space_group_number"] as? Int ?? 0), "\(result)")

        // Merged intensities against the truth, in whichever of the two settings the first sweep took.
        let mtz = try MTZReader.read(path: out + "/merged.mtz")
        let h = try XCTUnwrap(mtz.column("H")).values, k = try XCTUnwrap(mtz.column("K")).values
        let l = try XCTUnwrap(mtz.column("L")).values, i = try XCTUnwrap(mtz.column("IMEAN")).values
        var trueI: [[Int]: Double] = [:]
        let csv = try String(contentsOfFile: work + "/a/truth_intensities.csv", encoding: .utf8)
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            trueI[[Int(f[0])!, Int(f[1])!, Int(f[2])!]] = Double(f[4])!
        }
        // Unique in 4/m: (h,k,l) ≡ (−k,h,l) ≡ (−h,−k,l) ≡ (k,−h,l), with Friedel mates.
        func lookup(_ m: [Int]) -> Double? {
            var v = m
            for _ in 0..<4 {
                if let t = trueI[v] ?? trueI[v.map { -$0 }] { return t }
                v = [-v[1], v[0], v[2]]
            }
            return nil
        }
        var best = -1.0
        for flip in [false, true] {
            var x: [Double] = [], y: [Double] = []
            for n in 0..<mtz.reflectionCount {
                let m = [Int(h[n]), Int(k[n]), Int(l[n])]
                guard let t = lookup(flip ? [-m[0], m[1], -m[2]] : m), !i[n].isNaN else { continue }
                x.append(Double(i[n])); y.append(t)
            }
            XCTAssertGreaterThan(x.count, 1000)
            best = max(best, correlation(x, y))
        }
        XCTAssertGreaterThan(best, 0.97, "merged intensities vs truth")
    }

    func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxy / (sxx * syy).squareRoot()
    }
}
