// SweepWriter: writes a simulated sweep (images, truth.json, true intensities)
// into a directory, all or nothing.
import Dispatch
import Foundation
import MXFormats
import MXLogging

/// Timings of one `write` call, seconds.
public struct SweepTimings: Sendable {
    public var setup: Double
    public var frames: Double
    public var frameCount: Int
    public var total: Double
    /// Wall-clock seconds per frame (render + encode + write, all threads).
    public var perFrame: Double { frames / Double(max(frameCount, 1)) }
}

public enum SweepWriter {
    /// Monotonic seconds.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Simulates `spec` and writes it into `directory` (created if needed).
    /// Files go to a hidden scratch folder first and are renamed into place
    /// only when every one is complete, so a failure leaves nothing behind.
    @discardableResult
    public static func write(spec: SimulationSpec, to directory: String, logger: Logger = .silent) throws -> SweepTimings {
        let t0 = now()
        let sim = try Simulation(spec: spec)
        let t1 = now()
        logger.info("simulate: \(sim.group.hermannMauguin) cell \(spec.unitCell.map { String($0) }.joined(separator: ", ")), \(sim.unique.count) unique reflections to \(fixedPoint(sim.dMin, 2)) Å, \(sim.spots.count) spots over \(spec.nImages) frames (setup \(fixedPoint(t1 - t0, 2)) s)")
        let fm = FileManager.default
        let scratch = directory + "/.simulate-" + spec.name + ".partial"
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if fm.fileExists(atPath: scratch) { try fm.removeItem(atPath: scratch) }
            try fm.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        } catch {
            throw SimulationError.outputFailed(path: directory, reason: error.localizedDescription)
        }
        defer { try? fm.removeItem(atPath: scratch) }

        var files: [String]
        let tf0 = now()
        let progress = logger.progress("simulate", total: spec.nImages)
        defer { progress.finish() }
        switch spec.format {
        case "cbf": files = try writeCBF(sim, scratch: scratch, progress: progress)
        default: files = try NXmxSweepWriter.write(sim, scratch: scratch, progress: progress)
        }
        progress.finish()
        let tf1 = now()
        files += ["truth.json", "truth_intensities.csv", "truth_intensities.mtz", "spec.json"]
        try sim.truthJSON(files: files).write(to: URL(fileURLWithPath: scratch + "/truth.json"))
        try Data(sim.truthIntensitiesCSV().utf8).write(to: URL(fileURLWithPath: scratch + "/truth_intensities.csv"))
        do { try MTZWriter.write(sim.truthIntensitiesMTZ(), to: scratch + "/truth_intensities.mtz") } catch {
            throw SimulationError.outputFailed(path: directory + "/truth_intensities.mtz", reason: "\(error)")
        }
        let specData = try JSONSerialization.data(withJSONObject: spec.jsonObject, options: [.prettyPrinted, .sortedKeys])
        try specData.write(to: URL(fileURLWithPath: scratch + "/spec.json"))
        for f in files {
            let dest = directory + "/" + f
            do {
                if fm.fileExists(atPath: dest) { try fm.removeItem(atPath: dest) }
                try fm.moveItem(atPath: scratch + "/" + f, toPath: dest)
            } catch { throw SimulationError.outputFailed(path: dest, reason: error.localizedDescription) }
        }
        let timings = SweepTimings(setup: t1 - t0, frames: tf1 - tf0, frameCount: spec.nImages, total: now() - t0)
        logger.info("simulate: wrote \(files.count) files to \(directory); \(fixedPoint(timings.perFrame * 1000, 1)) ms per frame on \(spec.nproc) threads")
        return timings
    }

    /// One mini-CBF per frame, `<name>_00001.cbf` …, header with the header
    /// (possibly wrong) beam centre.
    static func writeCBF(_ sim: Simulation, scratch: String, progress: ProgressCounter = .none()) throws -> [String] {
        let spec = sim.spec
        let names = (1...spec.nImages).map { i -> String in
            var d = String(i); while d.count < 5 { d = "0" + d }
            return "\(spec.name)_\(d).cbf"
        }
        try sim.renderFrames(0..<spec.nImages, threads: spec.nproc) { i, pixels in
            let header = CBFHeader(beam: sim.beam, panel: sim.headerDetector[0], scan: sim.scan, image: i + 1,
                                   detectorName: "PILATUS 1M, S/N 10-0000 mxflow-simulate",
                                   countCutoff: spec.saturation)
            let path = scratch + "/" + names[i]
            do {
                try CBFWriter.write(path: path, pixels: pixels, width: spec.detectorSize.fast,
                                    height: spec.detectorSize.slow, header: header,
                                    dataName: String(names[i].dropLast(4)))
            } catch { throw SimulationError.outputFailed(path: path, reason: "\(error)") }
            progress.advance()
        }
        return names
    }
}
