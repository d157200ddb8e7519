// End-to-end tests of a tiny sweep: determinism, spot photon budget, truth
// file contents, and the written CBF / NXmx files read back.
import Foundation
import XCTest
import MXFormats
import MXMath
@testable import MXSimulation

final class SimulationTests: XCTestCase {
    /// A small, fast sweep: 128 × 128 px, 6 frames, small cell.
    func smallSpec(_ extra: [String] = []) throws -> SimulationSpec {
        try SimulationSpec.load(path: nil, overrides: [
            "space_group=P212121", "unit_cell=30,35,40,90,90,90", "detector_size_px=128,128",
            "pixel_size_mm=0.3", "distance_mm=80", "n_images=6", "osc_width_deg=1", "seed=17",
            "module_size_px=128,60", "module_gap_px=0,8", "d_min=2.5",
        ] + extra)
    }

    func testFramesAreDeterministicAndSeedDependent() throws {
        let a = try Simulation(spec: smallSpec()), b = try Simulation(spec: smallSpec())
        XCTAssertEqual(a.frame(2), b.frame(2))
        let c = try Simulation(spec: smallSpec(["seed=18"]))
        XCTAssertNotEqual(a.frame(2), c.frame(2))
    }

    func testGapsDeadAndHotPixelsAreMarked() throws {
        let sim = try Simulation(spec: smallSpec(["hot_pixels=3", "dead_pixels=2"]))
        let f = sim.frame(0)
        // Rows 60..<68 are the gap between modules.
        XCTAssertTrue((0..<128).allSatisfy { f[64 * 128 + $0] == -1 })
        XCTAssertEqual(f.filter { $0 == -2 }.count, 2)
        XCTAssertEqual(f.filter { $0 == sim.hotValue }.count, 3)
    }

    /// Without noise or background, a frame's counts over the whole sweep
    /// add up to the spots' photons × per-frame scale × partiality.
    func testPhotonBudgetWithoutNoise() throws {
        let sim = try Simulation(spec: smallSpec(["noise=false", "background_constant=0", "background_water=0",
                                                  "hot_pixels=0", "dead_pixels=0", "module_size_px=null",
                                                  "flux_drift=0", "absorption=0", "n_images=40"]))
        var total = 0.0
        for i in 0..<40 { total += sim.frame(i).reduce(0.0) { $0 + Double(max($1, 0)) } }
        // Spots fully inside the sweep and the detector contribute their full photons.
        var expected = 0.0
        for s in sim.spots {
            let r = s.reflection
            let phiA = radians(0.0), phiB = radians(40.0)
            let p = DiffractionPhysics.partiality(phiCentre: r.phi, sigma: s.sigmaPhi, from: phiA, to: phiB)
            expected += s.photons * p
        }
        XCTAssertGreaterThan(expected, 1000)
        // Rounding per pixel and spots cut at the detector edge allow a few per cent.
        XCTAssertEqual(total / expected, 1, accuracy: 0.05)
    }

    func testTruthHasTheModelsAndTheSpec() throws {
        let sim = try Simulation(spec: smallSpec(["header_beam_offset_mm=0.6,-0.3"]))
        let obj = try JSONSerialization.jsonObject(with: try sim.truthJSON(files: [])) as! [String: Any]
        XCTAssertEqual(obj["space_group_number"] as? Int, 19)
        let lat = (obj["lattices"] as! [[String: Any]])[0]
        let a = lat["A"] as! [Double]
        XCTAssertEqual(a.count, 9)
        let t = obj["beam_centre_mm_true"] as! [Double], h = obj["beam_centre_mm_header"] as! [Double]
        XCTAssertEqual(h[0] - t[0], 0.6, accuracy: 1e-9)
        XCTAssertEqual(h[1] - t[1], -0.3, accuracy: 1e-9)
        XCTAssertEqual((obj["spec"] as! [String: Any])["n_images"] as? Double, 6)
        let csv = sim.truthIntensitiesCSV().split(separator: "\n")
        XCTAssertEqual(csv.first, "h,k,l,d,I,Iplus,Iminus,centric")
        XCTAssertEqual(csv.count, sim.unique.count + 1)
    }

    func testSecondLatticeAddsSpots() throws {
        let one = try Simulation(spec: smallSpec())
        let two = try Simulation(spec: smallSpec(["second_lattice_fraction=0.5", "second_lattice_rotation_deg=20"]))
        XCTAssertEqual(two.settingMatrices.count, 2)
        XCTAssertGreaterThan(two.spots.count, one.spots.count + one.spots.count / 2)
    }

    func testWrittenCBFAndNXmxReadBack() throws {
        let dir = NSTemporaryDirectory() + "mxsim-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cbfSpec = try SimulationSpec.load(path: nil, overrides: [
            "format=cbf", "detector_size_px=487,195", "module_size_px=null", "pixel_size_mm=0.172",
            "n_images=3", "unit_cell=30,35,40,90,90,90", "d_min=3", "name=c"])
        try SweepWriter.write(spec: cbfSpec, to: dir + "/cbf")
        let sim = try Simulation(spec: cbfSpec)
        let (file, pixels) = try CBFFile.read(path: dir + "/cbf/c_00002.cbf", verifyChecksum: true)
        XCTAssertEqual(file.imageSize.width, 487)
        XCTAssertEqual(pixels, sim.frame(1))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/cbf/truth.json"))

        let nxSpec = try smallSpec(["name=n", "n_images=3"])
        try SweepWriter.write(spec: nxSpec, to: dir + "/nx")
        let data = try HDF5File(readingAt: dir + "/nx/n_data_000001.h5")
        let ds = try data.dataset("/entry/data/data")
        let bytes = [UInt8](repeating: 0, count: try ds.chunkStorageSize(at: [1, 0, 0]))
        var raw = bytes
        try raw.withUnsafeMutableBytes { try ds.readRawChunk(at: [1, 0, 0], into: $0) }
        let decoded = try BitshuffleLZ4.decode(raw, count: 128 * 128, elementSize: 4)
        let values = decoded.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        let nx = try Simulation(spec: nxSpec).frame(1)
        XCTAssertEqual(values, nx.map { $0 == -2 ? 0 : UInt32(bitPattern: $0) })
        let master = try HDF5File(readingAt: dir + "/nx/n_master.h5")
        XCTAssertEqual(try master.dataset("/entry/instrument/beam/incident_wavelength").readDouble(), 0.9763)
        XCTAssertEqual(try master.dataset("/entry/sample/transformations/omega").readDoubles(), [0, 1, 2])
        // mxflow's own NXmx import sees the header geometry the simulator meant.
        let sim2 = try Simulation(spec: nxSpec)
        let e = try importNXmx(masterPath: dir + "/nx/n_master.h5")
        let p = e.detector[0], q = sim2.headerDetector[0]
        XCTAssertLessThan(p.origin.maxAbsDifference(q.origin), 1e-9)
        XCTAssertLessThan(p.fastAxis.maxAbsDifference(q.fastAxis), 1e-12)
        XCTAssertLessThan(p.slowAxis.maxAbsDifference(q.slowAxis), 1e-12)
        XCTAssertEqual(p.imageSize.fast, 128)
        XCTAssertEqual(e.beam.wavelength, 0.9763, accuracy: 1e-12)
        XCTAssertLessThan(e.goniometer!.rotationAxis.maxAbsDifference(sim2.goniometer.rotationAxis), 1e-12)
        XCTAssertEqual(e.scan!.oscillationWidthDegrees, 1, accuracy: 1e-12)
        XCTAssertEqual(e.scan!.imageRange, 1...3)
    }
}
