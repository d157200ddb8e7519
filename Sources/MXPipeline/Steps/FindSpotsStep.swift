// The spot-finding step: strong spots of every sweep in an experiment list,
// with the per-image and resolution summaries DIALS users read.
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXSpotFinding

public enum FindSpotsStep {
    /// The spots of every distinct image set of `list`, each with the `id` of
    /// the experiment using it, and the per-image counts of each sweep.
    public static func run(_ list: ExperimentList, parameters: SpotFindingParameters,
                           logger: Logger) throws -> (table: ReflectionTable, frames: [[FrameSpotCount]]) {
        guard !list.isEmpty else { throw FindSpotsError.noExperiments }
        var all = ReflectionTable(count: 0)
        var frames: [[FrameSpotCount]] = []
        var seen: [ImageSetDescription] = []
        for (i, experiment) in list.experiments.enumerated() {
            guard let imageSet = experiment.imageSet else { throw FindSpotsError.noImages(experiment: i) }
            if seen.contains(imageSet) { continue }
            seen.append(imageSet)
            let source = try openSource(for: experiment, index: i)
            let start = DispatchTime.now()
            let result = try SpotFinder(parameters: parameters, logger: logger)
                .find(experiment: experiment, source: source, sourceName: imageSet.template)
            let seconds = elapsedSeconds(since: start)
            let n = result.frames.count
            frames.append(result.frames)
            logger.info("\nSpots per image, sweep \(i) (\(imageSet.template)):")
            logger.info(SpotFindingSummary.perImageTable(result, experiment: experiment).joined(separator: "\n"))
            logger.info("\n" + SpotFindingSummary.perImageHistogram(result).joined(separator: "\n"))
            logger.info("\nSpots by resolution:")
            logger.info(SpotFindingSummary.resolutionHistogram(result, experiment: experiment).joined(separator: "\n"))
            let rejected = result.frames.filter(\.rejected).count
            logger.info(String(format: "\nFound %d spots on %d images in %.2f s (%.1f images/s, %d thread%@)%@",
                               result.reflections.count, n, seconds, Double(n) / max(seconds, 1e-9),
                               parameters.nproc, parameters.nproc == 1 ? "" : "s",
                               rejected > 0 ? ", \(rejected) images rejected" : ""))
            var t = result.reflections
            t.set(ReflectionTable.Name.id, .int(Array(repeating: Int32(i), count: t.count)))
            t.experimentIdentifiers = experiment.identifier.isEmpty ? [:] : [i: experiment.identifier]
            if all.count == 0 && all.columns.isEmpty { all = t } else if let joined = all.appending(t) { all = joined }
        }
        return (all, frames)
    }

    /// Decodes every image of each sweep on `threads` threads and does nothing
    /// else: the floor against which spot finding's speed is judged.
    public static func decodeOnly(_ list: ExperimentList, threads: Int, logger: Logger) throws {
        for (i, experiment) in list.experiments.enumerated() {
            let source = try openSource(for: experiment, index: i)
            let checksum = DecodeChecksum()
            let start = DispatchTime.now()
            try source.forEachFrame(in: 0..<source.frameCount, threads: threads) { _, pixels in
                // Touch every pixel so the decode cannot be skipped.
                var s: Int64 = 0
                for v in pixels { s &+= Int64(v) }
                checksum.add(s)
            }
            let seconds = elapsedSeconds(since: start)
            logger.info(String(format: "Decoded %d images in %.2f s (%.1f images/s, %d threads; checksum %lld)",
                               source.frameCount, seconds, Double(source.frameCount) / max(seconds, 1e-9), threads,
                               checksum.total))
        }
    }

    /// The pixel reader for an experiment's image set; frame 0 is the scan's first image.
    static func openSource(for experiment: Experiment, index: Int) throws -> ImageSource {
        guard let imageSet = experiment.imageSet else { throw FindSpotsError.noImages(experiment: index) }
        let source = try openImageSource(imageSet, imageRange: experiment.scan?.imageRange)
        if imageSet.kind == .nexus, let first = imageSet.singleFileIndices.first, first != 0 {
            throw FindSpotsError.partialNexus(imageSet.template, first: first)
        }
        return source
    }
}

public enum FindSpotsError: Error, CustomStringConvertible {
    case noExperiments
    case noImages(experiment: Int)
    case partialNexus(String, first: Int)
    public var description: String {
        switch self {
        case .noExperiments: return "the experiment list holds no experiments"
        case .noImages(let i): return "experiment \(i) has no image set to search"
        case .partialNexus(let p, let f):
            return "\(p): the image set starts at frame \(f) of the file; spot finding reads sweeps that start at its first frame"
        }
    }
}

/// A sum shared by worker threads.
private final class DecodeChecksum: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var total: Int64 = 0
    func add(_ v: Int64) { lock.lock(); total &+= v; lock.unlock() }
}

/// Seconds since `start` on the monotonic clock.
public func elapsedSeconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// Peak resident set size of this process in MiB (VmHWM on Linux; 0 elsewhere).
public func peakResidentMiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "") ?? 0
        return kb / 1024
    }
    return 0
}
