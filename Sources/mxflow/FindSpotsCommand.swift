// `mxflow find-spots`: strong spots of every sweep in an experiment list, written as strong.refl.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXSpotFinding

struct FindSpotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-spots",
        abstract: "Find strong spots on every image of the sweeps in an experiment list.",
        discussion: """
        Thresholds each image with DIALS' dispersion tests, joins strong pixels
        into 3-D spots across images and writes their centroids, boxes and
        summed intensities in DIALS' layout (strong.refl), readable by
        dials.show and dials.index.

        Examples:
          mxflow find-spots imported.expt nproc=2
          mxflow find-spots imported.expt d_min=2.0 ice_rings.filter=True
          mxflow find-spots imported.expt sigma_strong=15 output.reflections=strong15.refl
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(SpotFindingParameterDefinitions.all)
        let files = step.files
        guard files.count == 1, let exptPath = files.first else {
            throw ValidationError("name one experiment list (e.g. mxflow find-spots imported.expt)")
        }
        let parameters = SpotFindingParameterDefinitions.parameters(from: set)
        let output = set.text("output.reflections")
        let logger = stepLogger("find-spots", set)
        try runStep("find-spots") {
            let list = try ExperimentListCodec.read(path: exptPath)
            if set.bool("spotfinder.decode_only") == true {
                try decodeOnly(list, threads: parameters.nproc, logger: logger)
                return
            }
            let table = try findSpots(list, parameters: parameters, logger: logger)
            try ReflectionTableCodec.write(table, path: output)
            if table.count == 0 {
                logger.warning("No strong spots were found: wrote an empty table to \(output)")
            } else {
                logger.info("Saved \(table.count) reflections to \(output)")
            }
            logger.info(String(format: "Peak memory (max resident set): %.1f MB", peakResidentMegabytes()))
        }
    }

    /// Spot finding over every distinct image set of `list`: each sweep is
    /// searched once and its spots get the `id` of the experiment using it.
    func findSpots(_ list: ExperimentList, parameters: SpotFindingParameters, logger: Logger) throws -> ReflectionTable {
        guard !list.isEmpty else { throw FindSpotsError.noExperiments }
        var all = ReflectionTable(count: 0)
        var seen: [ImageSetDescription] = []
        for (i, experiment) in list.experiments.enumerated() {
            guard let imageSet = experiment.imageSet else { throw FindSpotsError.noImages(experiment: i) }
            if seen.contains(imageSet) { continue }
            seen.append(imageSet)
            let source = try openSource(for: experiment)
            let start = DispatchTime.now()
            let result = try SpotFinder(parameters: parameters, logger: logger)
                .find(experiment: experiment, source: source, sourceName: imageSet.template)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let n = result.frames.count
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
        return all
    }

    /// Decodes every image of each sweep on `threads` threads and does nothing
    /// else: the floor against which spot finding's speed is judged.
    func decodeOnly(_ list: ExperimentList, threads: Int, logger: Logger) throws {
        for experiment in list.experiments {
            let source = try openSource(for: experiment)
            let checksum = DecodeChecksum()
            let start = DispatchTime.now()
            try source.forEachFrame(in: 0..<source.frameCount, threads: threads) { _, pixels in
                // Touch every pixel so the decode cannot be skipped.
                var s: Int64 = 0
                for v in pixels { s &+= Int64(v) }
                checksum.add(s)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Decoded %d images in %.2f s (%.1f images/s, %d threads; checksum %lld)",
                               source.frameCount, seconds, Double(source.frameCount) / max(seconds, 1e-9), threads,
                               checksum.total))
        }
    }

    /// The pixel reader for an experiment's image set; frame 0 is the scan's first image.
    func openSource(for experiment: Experiment) throws -> ImageSource {
        guard let imageSet = experiment.imageSet else { throw FindSpotsError.noImages(experiment: 0) }
        let source = try openImageSource(imageSet, imageRange: experiment.scan?.imageRange)
        if imageSet.kind == .nexus, let first = imageSet.singleFileIndices.first, first != 0 {
            throw FindSpotsError.partialNexus(imageSet.template, first: first)
        }
        return source
    }
}

enum FindSpotsError: Error, CustomStringConvertible {
    case noExperiments
    case noImages(experiment: Int)
    case partialNexus(String, first: Int)
    var description: String {
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

/// Peak resident set size of this process in MB (getrusage; Linux reports KiB).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
