// NXmxSweepWriter: the NeXus/NXmx master + data files of a simulated sweep,
// laid out as Eiger/DECTRIS files are (bitshuffle-LZ4 frames, pixel mask).
import Dispatch
import MXFormats
import MXLogging
import MXMath

/// Writes `<name>_master.h5` (geometry, scan, mask; external link to the
/// frames) and `<name>_data_000001.h5` (uint32 frames, one bitshuffle-LZ4
/// chunk each). NeXus vectors are in the McStas frame (z along the beam, x
/// horizontal to the left when looking along it): imgCIF (x, y, z) is
/// McStas (−x, y, −z), so an imgCIF rotation axis (1, 0, 0) is written
/// (−1, 0, 0), as DECTRIS writes omega.
enum NXmxSweepWriter {
    static func mcstas(_ v: Vec3) -> [Double] { [-v.x + 0, v.y + 0, -v.z + 0] }

    static func write(_ sim: Simulation, scratch: String, progress: ProgressCounter = .none()) throws -> [String] {
        let spec = sim.spec
        let master = "\(spec.name)_master.h5", dataName = "\(spec.name)_data_000001.h5"
        let nx = spec.detectorSize.fast, ny = spec.detectorSize.slow
        do {
            try writeData(sim, path: scratch + "/" + dataName, nx: nx, ny: ny, progress: progress)
            try writeMaster(sim, path: scratch + "/" + master, dataFile: dataName, nx: nx, ny: ny)
        } catch let e as SimulationError { throw e } catch {
            throw SimulationError.outputFailed(path: scratch, reason: "\(error)")
        }
        return [master, dataName]
    }

    /// Frames are rendered and compressed in parallel but stored in frame
    /// order, so chunk addresses (and so the file's bytes) do not depend on
    /// thread timing.
    static func writeData(_ sim: Simulation, path: String, nx: Int, ny: Int,
                          progress: ProgressCounter = .none()) throws {
        let spec = sim.spec
        let file = try HDF5Writer(creatingAt: path)
        defer { file.close() }
        try file.createGroup("/entry", nxClass: "NXentry")
        try file.createGroup("/entry/data", nxClass: "NXdata")
        let frames = try file.createFrameDataset(
            "/entry/data/data", frames: spec.nImages, height: ny, width: nx, of: UInt32.self,
            compression: .bitshuffleLZ4,
            attributes: ["image_nr_low": .int(1), "image_nr_high": .int(spec.nImages)])
        defer { frames.close() }
        let pending = OrderedChunks()
        try sim.renderFrames(0..<spec.nImages, threads: spec.nproc) { i, pixels in
            // Gaps (−1) become 0xFFFFFFFF as on an Eiger; dead pixels read 0
            // (the pixel mask flags them).
            let values = pixels.map { $0 == -2 ? UInt32(0) : UInt32(bitPattern: $0) }
            let chunk = BitshuffleLZ4.encode(values)
            try pending.add(i, chunk) { k, bytes in try frames.writeRawChunk(frame: k, bytes: bytes) }
            progress.advance()
        }
    }

    static func writeMaster(_ sim: Simulation, path: String, dataFile: String, nx: Int, ny: Int) throws {
        let spec = sim.spec
        let f = try HDF5Writer(creatingAt: path)
        defer { f.close() }
        let panel = sim.headerDetector[0]
        let px = spec.pixelSize * 1e-3
        try f.setAttribute("/", "default", .string("entry"))
        try f.createGroup("/entry", nxClass: "NXentry", attributes: ["default": .string("data")])
        try f.writeString("/entry/definition", "NXmx")
        try f.writeString("/entry/start_time", "2026-01-01T00:00:00Z")
        try f.writeString("/entry/end_time", "2026-01-01T00:00:00Z")
        try f.writeString("/entry/end_time_estimated", "2026-01-01T00:00:00Z")
        try f.createGroup("/entry/data", nxClass: "NXdata", attributes: ["signal": .string("data")])
        try f.createExternalLink("/entry/data/data", file: dataFile, object: "/entry/data/data")

        // Beam: wavelength and polarisation (Stokes I, Q, U, V for a
        // horizontally polarised fraction p: Q = 2p − 1).
        try f.createGroup("/entry/instrument", nxClass: "NXinstrument")
        try f.writeString("/entry/instrument/name", "mxflow simulate")
        try f.createGroup("/entry/instrument/beam", nxClass: "NXbeam")
        try f.writeScalar("/entry/instrument/beam/incident_wavelength", spec.wavelength,
                          attributes: ["units": .string("angstrom")])
        try f.writeArray("/entry/instrument/beam/incident_polarisation_stokes",
                         [1, 2 * spec.polarizationFraction - 1, 0, 0])
        try f.writeScalar("/entry/instrument/beam/total_flux", 1e12, attributes: ["units": .string("Hz")])
        try f.createGroup("/entry/source", nxClass: "NXsource")
        try f.writeString("/entry/source/name", "Synchrotron X-ray source (simulated)")

        // Detector: translation along the beam by the distance, then the
        // module offset to the corner of pixel (0, 0) in the plane.
        let d = "/entry/instrument/detector"
        try f.createGroup(d, nxClass: "NXdetector")
        try f.writeString(d + "/description", "Eiger-like simulated detector")
        try f.writeString(d + "/type", "Pixel")
        try f.writeString(d + "/depends_on", d + "/transformations/translation")
        try f.writeScalar(d + "/distance", spec.distance * 1e-3, attributes: ["units": .string("m")])
        let beamMm = panel.rayIntersection(sim.beam.s0)!
        let beamPx = panel.pixel(fromMillimetre: beamMm)
        try f.writeScalar(d + "/beam_center_x", beamPx.x, attributes: ["units": .string("pixel")])
        try f.writeScalar(d + "/beam_center_y", beamPx.y, attributes: ["units": .string("pixel")])
        try f.writeScalar(d + "/x_pixel_size", px, attributes: ["units": .string("m")])
        try f.writeScalar(d + "/y_pixel_size", px, attributes: ["units": .string("m")])
        try f.writeScalar(d + "/count_time", spec.exposureTime, attributes: ["units": .string("s")])
        try f.writeScalar(d + "/frame_time", spec.exposureTime, attributes: ["units": .string("s")])
        try f.writeScalar(d + "/bit_depth_image", Int32(32))
        try f.writeScalar(d + "/saturation_value", Int64(spec.saturation))
        try f.writeScalar(d + "/underload_value", Int64(-1))
        try f.writeString(d + "/sensor_material", "Silicon")
        try f.writeScalar(d + "/sensor_thickness", spec.sensorThickness * 1e-3, attributes: ["units": .string("m")])
        // NeXus pixel_mask bits: 1 gap, 2 dead (hot pixels are left for the
        // spot finder to cope with, as on real data).
        let mask = sim.pixelStatus.map { UInt32($0 == 1 ? 1 : ($0 == 2 ? 2 : 0)) }
        try f.writeArray(d + "/pixel_mask", mask, shape: [ny, nx])
        try f.writeScalar(d + "/pixel_mask_applied", Int32(1))
        try f.createGroup(d + "/transformations", nxClass: "NXtransformations")
        try f.writeScalar(d + "/transformations/translation", spec.distance * 1e-3, attributes: [
            "depends_on": .string("."), "transformation_type": .string("translation"),
            "units": .string("m"), "vector": .doubles([0, 0, 1]), "offset": .doubles([0, 0, 0]),
        ])
        let m = d + "/module"
        try f.createGroup(m, nxClass: "NXdetector_module")
        try f.writeArray(m + "/data_origin", [Int32(0), 0])
        try f.writeArray(m + "/data_size", [Int32(ny), Int32(nx)])
        try f.writeArray(m + "/data_stride", [Int32(1), 1])
        // Origin (corner of the first pixel) in the detector plane, McStas frame.
        let o = panel.origin
        let offset = Vec3(o.x, o.y, 0)
        let offsetM = mcstas(offset).map { $0 * 1e-3 }
        let len = (offsetM[0] * offsetM[0] + offsetM[1] * offsetM[1]).squareRoot()
        let unit = len > 0 ? offsetM.map { $0 / len } : [1, 0, 0]
        try f.writeScalar(m + "/module_offset", len, attributes: [
            "depends_on": .string(d + "/transformations/translation"), "transformation_type": .string("translation"),
            "units": .string("m"), "vector": .doubles(unit), "offset": .doubles([0, 0, 0]),
        ])
        for (nm, axis) in [("fast_pixel_direction", panel.fastAxis), ("slow_pixel_direction", panel.slowAxis)] {
            try f.writeScalar(m + "/" + nm, px, attributes: [
                "depends_on": .string(m + "/module_offset"), "transformation_type": .string("translation"),
                "units": .string("m"), "vector": .doubles(mcstas(axis)), "offset": .doubles([0, 0, 0]),
            ])
        }

        // Sample: one rotation axis, with the angle of every frame.
        try f.createGroup("/entry/sample", nxClass: "NXsample")
        try f.writeString("/entry/sample/name", spec.name)
        try f.writeString("/entry/sample/depends_on", "/entry/sample/transformations/omega")
        try f.createGroup("/entry/sample/transformations", nxClass: "NXtransformations")
        let starts = (1...spec.nImages).map { sim.scan.startAngleDegrees(ofImage: $0) }
        try f.writeArray("/entry/sample/transformations/omega", starts, attributes: [
            "depends_on": .string("."), "transformation_type": .string("rotation"), "units": .string("deg"),
            "vector": .doubles(mcstas(sim.goniometer.rotationAxis)), "offset": .doubles([0, 0, 0]),
        ])
        try f.writeArray("/entry/sample/transformations/omega_end", starts.map { $0 + spec.oscWidth },
                         attributes: ["units": .string("deg")])
        try f.writeScalar("/entry/sample/transformations/omega_increment_set", spec.oscWidth,
                          attributes: ["units": .string("deg")])
    }
}

/// Hands chunks to a writer in index order, whichever thread finishes first.
final class OrderedChunks: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var waiting: [Int: [UInt8]] = [:]
    private var next = 0

    func add(_ index: Int, _ bytes: [UInt8], write: (Int, [UInt8]) throws -> Void) throws {
        lock.wait(); defer { lock.signal() }
        waiting[index] = bytes
        while let b = waiting.removeValue(forKey: next) {
            try write(next, b)
            next += 1
        }
    }
}
