// The real `mxflow process` on six testdata sweeps through engine=local jobs=2 and engine=slurm: the same statistics from both.
import Foundation
import MXBatch
import MXTestSupport
import XCTest

final class BatchEndToEndTests: XCTestCase {
    /// Six sweeps: each testdata sweep twice, the copies made of symbolic
    /// links (NXmx copies in their own folder, as the master names its
    /// data file; CBF copies renamed).
    func sixSweeps(_ dir: String) throws -> String {
        let data = dir + "/data"
        let fm = FileManager.default
        for copy in 1...2 {
            for name in ["sim_p43212_se_nxmx", "sim_p212121_ice_nxmx", "sim_c2_cbf_offset"] {
                let src = TestPaths.testdata + "/" + name
                let dst = "\(data)/\(name)_c\(copy)"
                try fm.createDirectory(atPath: dst, withIntermediateDirectories: true)
                for f in try fm.contentsOfDirectory(atPath: src) where f.hasSuffix(".h5") || f.hasSuffix(".cbf") {
                    let target = f.hasSuffix(".cbf") ? f.replacingOccurrences(of: name + "_", with: "\(name)_c\(copy)_") : f
                    try fm.createSymbolicLink(atPath: dst + "/" + target, withDestinationPath: src + "/" + f)
                }
            }
        }
        return data
    }

    func testLocalAndSlurmGiveTheSameStatisticsPerSweep() throws {
        let mxflow = try BatchTest.mxflow()
        guard BatchTest.hasSbatch else { throw XCTSkip("sbatch is not installed (Slurm: scripts/slurm-local.sh)") }
        let dir = try BatchTest.folder(self)
        let data = try sixSweeps(dir)
        let local = try BatchTest.run(["batch", data, dir + "/local", "engine=local", "jobs=2", "nproc=2"], in: dir)
        XCTAssertEqual(local.status, 0, local.stdout + local.stderr)
        let slurm = try BatchTest.run(["batch", data, dir + "/slurm", "engine=slurm", "slurm.cpus_per_task=1",
                                       "slurm.poll=1", "batch.mxflow=\(mxflow)"], in: dir)
        XCTAssertEqual(slurm.status, 0, slurm.stdout + slurm.stderr)
        let l = try BatchDatabase.existing(folder: dir + "/local").records()
        let s = try BatchDatabase.existing(folder: dir + "/slurm").records()
        XCTAssertEqual(l.count, 6)
        XCTAssertEqual(l.map(\.name), s.map(\.name))
        for (a, b) in zip(l, s) {
            XCTAssertEqual(a.status, .done, "\(a.name): \(a.reason ?? "")")
            XCTAssertEqual(b.status, .done, "\(b.name): \(b.reason ?? "")")
            XCTAssertNotNil(a.statistics.spaceGroup, a.name)
            XCTAssertNotNil(a.statistics.ccHalf, a.name)
            // Both ran mxflow process with nproc=1 on the same data: the same numbers.
            XCTAssertEqual(a.statistics, b.statistics, a.name)
        }
        // The truth: each sweep's space group as simulated (intensities cannot tell
        // P4₃2₁2 from its enantiomorph P4₁2₁2).
        for r in l {
            let expected = r.name.contains("p43212") ? ["P43212", "P41212"]
                : r.name.contains("p212121") ? ["P212121"] : ["C121"]
            let found = r.statistics.spaceGroup?.replacingOccurrences(of: " ", with: "") ?? "-"
            XCTAssertTrue(expected.contains(found), "\(r.name): \(found), expected one of \(expected)")
        }
    }
}
