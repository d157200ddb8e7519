// SpotFinder: streams a sweep's frames through thresholding and 3-D labelling into a strong-spot table.
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXMath
import MXModel

/// Why spot finding could not run, naming what and where.
public enum SpotFindingError: Error, Equatable, CustomStringConvertible {
    case emptyFrameRange(requested: String, available: ClosedRange<Int>)
    case imageSizeMismatch(expected: (Int, Int), found: (Int, Int), source: String)
    case framesMissing(expected: Int, found: Int, source: String)
    case noPanels
    case badKernel(x: Int, y: Int)

    public var description: String {
        switch self {
        case .emptyFrameRange(let r, let a):
            return "the frame range \(r) selects no images (the scan has images \(a.lowerBound)–\(a.upperBound))"
        case .imageSizeMismatch(let e, let f, let s):
            return "\(s): frames are \(f.0)×\(f.1) pixels but the detector model needs \(e.0)×\(e.1)"
        case .framesMissing(let e, let f, let s):
            return "\(s): the scan has \(e) images but only \(f) frames can be read"
        case .noPanels: return "the detector model has no panels"
        case .badKernel(let x, let y):
            return "kernel_size=\(x),\(y) is outside 1…60 pixels (the half-size of the local window)"
        }
    }

    public static func == (a: SpotFindingError, b: SpotFindingError) -> Bool { a.description == b.description }
}

/// Counts for one frame, for the per-frame log table.
public struct FrameSpotCount: Equatable, Sendable {
    /// Image number (scan numbering, usually from 1).
    public var image: Int
    public var strongPixels: Int
    /// Spots (after filtering) whose centroid lies on this frame.
    public var spots: Int
    /// True when the frame had too many strong pixels and was left out.
    public var rejected: Bool
}

/// The outcome of spot finding: the table DIALS would write to strong.refl
/// and the counts a log reports.
public struct SpotFindingResult: Sendable {
    public var reflections: ReflectionTable
    public var frames: [FrameSpotCount]
    public var componentCount: Int
    public var filterCounts: SpotFilterCounts
    public var minSpotSize: Int
}

/// Finds strong spots on a rotation sweep, streaming: frames are decoded and
/// thresholded on `nproc` threads, reduced at once to their strong pixels,
/// and labelled in frame order as they complete (`SpotAssembly`, on its own
/// thread, fed by `InOrderFrames`); only the open spots and a bounded number
/// of frames' strong pixels are held, never the images.
public struct SpotFinder {
    public var parameters: SpotFindingParameters
    public var logger: Logger

    public init(parameters: SpotFindingParameters, logger: Logger = .silent) {
        self.parameters = parameters; self.logger = logger
    }

    /// Runs spot finding on `experiment`'s images read through `source`,
    /// whose frame 0 is the scan's first image.
    public func find(experiment: Experiment, source: ImageSource, sourceName: String = "images") throws
        -> SpotFindingResult {
        let p = parameters
        let detector = experiment.detector
        guard !detector.panels.isEmpty else { throw SpotFindingError.noPanels }
        // Window sums of counts below 2^24 stay within Int32 for half-sizes up to 60.
        guard (1...60).contains(p.kernelSize.x), (1...60).contains(p.kernelSize.y) else {
            throw SpotFindingError.badKernel(x: p.kernelSize.x, y: p.kernelSize.y)
        }
        let raw = source.frameSize
        var needW = 0, needH = 0
        for panel in detector.panels {
            needW = max(needW, panel.rawImageOffset.x + panel.imageSize.fast)
            needH = max(needH, panel.rawImageOffset.y + panel.imageSize.slow)
        }
        guard raw.width >= needW && raw.height >= needH else {
            throw SpotFindingError.imageSizeMismatch(expected: (needW, needH), found: (raw.width, raw.height),
                                                     source: sourceName)
        }
        let scan = experiment.scan
        let firstImage = scan?.imageRange.lowerBound ?? 1
        let images = scan?.imageRange ?? 1...max(1, source.frameCount)
        if let scan, source.frameCount < scan.numberOfImages {
            throw SpotFindingError.framesMissing(expected: scan.numberOfImages, found: source.frameCount,
                                                 source: sourceName)
        }
        let wanted = p.scanRange.map { $0.clamped(to: images) } ?? images
        if let r = p.scanRange, r.clamped(to: images).isEmpty || !images.overlaps(r) {
            throw SpotFindingError.emptyFrameRange(requested: "\(r.lowerBound)–\(r.upperBound)", available: images)
        }
        let frameRange = (wanted.lowerBound - firstImage)..<(wanted.upperBound - firstImage + 1)
        guard !frameRange.isEmpty, frameRange.upperBound <= source.frameCount else {
            throw SpotFindingError.emptyFrameRange(requested: "\(wanted.lowerBound)–\(wanted.upperBound)",
                                                   available: images)
        }
        // z (array index) of source frame i.
        let zOffset = firstImage - 1

        let mask = spotFindingMask(trustedMask: source.trustedMask, rawSize: raw, detector: detector,
                                   beam: experiment.beam, parameters: p)
        let minSize = p.resolvedMinSpotSize(panelType: detector.panels[0].type)
        let filter = SpotFilter(minSpotSize: minSize, maxSpotSize: p.maxSpotSize, maxSeparation: p.maxSeparation)
        let totalPixels = detector.panels.reduce(0) { $0 + $1.imageSize.fast * $1.imageSize.slow }
        let maxStrong = Int((p.maxStrongPixelFraction * Double(totalPixels)).rounded(.up))
        logger.info("Finding strong spots on images \(wanted.lowerBound)–\(wanted.upperBound) "
                    + "(\(p.algorithm.rawValue), \(2 * p.kernelSize.x + 1)×\(2 * p.kernelSize.y + 1) window, "
                    + "σ_b \(p.sigmaBackground), σ_s \(p.sigmaStrong), gain \(p.gain), "
                    + "min spot size \(minSize), \(p.nproc) thread\(p.nproc == 1 ? "" : "s"))")

        let threads = max(1, p.nproc)
        let pool = WorkspacePool(detector: detector)
        let splitter = p.splitSigma.map { SpotSplitter(sigmas: $0, minSpotSize: minSize, maxPixels: p.maxSpotSize) }
        let assembly = SpotAssembly(width: raw.width, filter: filter, splitter: splitter, detector: detector,
                                    scan: scan, storeShoeboxes: p.storeShoeboxes, maxStrong: maxStrong,
                                    maxStrongFraction: p.maxStrongPixelFraction, logger: logger)
        // Labelling runs on its own thread, each frame as soon as it and all
        // before it are thresholded; at most `ahead` frames' strong pixels wait for it.
        let labelling = DispatchQueue(label: "mxflow.find-spots.labelling")
        let ordered = InOrderFrames(first: frameRange.lowerBound, ahead: max(16, 8 * threads), queue: labelling) { f, index in
            assembly.add(f, image: firstImage + index)
        }

        let progress = logger.progress("find-spots", total: frameRange.count)
        defer { progress.finish() }
        do {
            try source.forEachFrame(in: frameRange, threads: threads) { index, pixels in
                let ws = pool.take()
                defer { pool.give(ws) }
                let f = Self.strongPixels(frame: index + zOffset, pixels: pixels, rawWidth: raw.width, mask: mask,
                                          detector: detector, parameters: p, workspaces: ws)
                progress.advance()
                ordered.put(index, f)
            }
        } catch {
            labelling.sync {}
            throw error
        }
        labelling.sync { assembly.finish() }
        progress.finish()
        let counts = assembly.counts, components = assembly.components
        var frames = assembly.frames

        logger.info("Extracted \(components) spots")
        if let s = p.splitSigma {
            logger.info("Split \(counts.split) spots with two or more peaks (\(s)σ above the saddle) into \(counts.splitInto)")
        }
        logger.info("Removed \(counts.tooSmall) spots with size < \(minSize) pixels")
        logger.info("Removed \(counts.tooLarge) spots with size > \(p.maxSpotSize) pixels")
        if let d = p.maxSeparation {
            logger.info("Removed \(counts.peakCentroidSeparation) spots with peak–centroid distance > \(d) px")
        }

        // Order spots by frame, then slow, then fast, for a reproducible table.
        let spots = assembly.measurements
        let order = spots.indices.sorted { a, b in
            let ca = spots[a].centroid, cb = spots[b].centroid
            if ca.z != cb.z { return ca.z < cb.z }
            if ca.y != cb.y { return ca.y < cb.y }
            return ca.x < cb.x
        }
        let table = Self.table(order: order, assembly: assembly, shoeboxes: p.storeShoeboxes, experiment: experiment)
        var byImage: [Int: Int] = [:]
        for m in spots { byImage[Int(m.centroid.z.rounded(.down)) - zOffset + firstImage, default: 0] += 1 }
        for i in frames.indices { frames[i].spots = byImage[frames[i].image] ?? 0 }
        return SpotFindingResult(reflections: table, frames: frames, componentCount: components,
                                 filterCounts: counts, minSpotSize: minSize)
    }

    /// Thresholds every panel of one frame and lists its strong pixels in raw-image order.
    static func strongPixels(frame: Int, pixels: UnsafeBufferPointer<Int32>, rawWidth: Int, mask: [UInt8],
                             detector: Detector, parameters p: SpotFindingParameters,
                             workspaces: [ThresholdWorkspace]) -> StrongPixelFrame {
        var indices: [Int32] = [], values: [Int32] = [], panels: [Int16] = []
        var local: [Int32] = []
        mask.withUnsafeBufferPointer { m in
            for (pi, panel) in detector.panels.enumerated() {
                local.removeAll(keepingCapacity: true)
                let start = panel.rawImageOffset.y * rawWidth + panel.rawImageOffset.x
                // The panel's mask must be contiguous per panel row: copy it out when the raw image is wider.
                let w = panel.imageSize.fast, h = panel.imageSize.slow
                if w == rawWidth {
                    DispersionThreshold.strongPixels(image: pixels.baseAddress! + start, rowStride: rawWidth,
                                                     mask: m.baseAddress! + start, trusted: panel.trustedRange,
                                                     parameters: p, workspace: workspaces[pi], strong: &local)
                } else {
                    var pm = [UInt8](repeating: 0, count: w * h)
                    for y in 0..<h { for x in 0..<w { pm[y * w + x] = m[start + y * rawWidth + x] } }
                    pm.withUnsafeBufferPointer { pmb in
                        DispersionThreshold.strongPixels(image: pixels.baseAddress! + start, rowStride: rawWidth,
                                                         mask: pmb.baseAddress!, trusted: panel.trustedRange,
                                                         parameters: p, workspace: workspaces[pi], strong: &local)
                    }
                }
                // Room for this panel's pixels, growing geometrically as panels follow one another.
                // (Called unconditionally, a no-op when there is room, so appends below skip uniqueness checks.)
                let need = indices.count + local.count
                let c = indices.capacity >= need ? need : max(need, 2 * indices.capacity)
                indices.reserveCapacity(c); values.reserveCapacity(c); panels.reserveCapacity(c)
                for k in local {
                    let y = Int(k) / w, x = Int(k) - y * w
                    let r = start + y * rawWidth + x
                    indices.append(Int32(r)); values.append(pixels[r]); panels.append(Int16(pi))
                }
            }
        }
        if detector.panels.count > 1 {
            let order = indices.indices.sorted { indices[$0] < indices[$1] }
            indices = order.map { indices[$0] }; values = order.map { values[$0] }; panels = order.map { panels[$0] }
        }
        return StrongPixelFrame(frame: frame, indices: indices, values: values, panels: panels)
    }

    /// Builds the strong-spot reflection table with DIALS' columns: the
    /// assembly's spots, row i being spot `order[i]`; the shoebox column
    /// when `shoeboxes` (then present, empty, even with no spots).
    static func table(order: [Int], assembly: SpotAssembly, shoeboxes: Bool, experiment: Experiment) -> ReflectionTable {
        typealias N = ReflectionTable.Name
        let n = order.count
        let spots = assembly.measurements
        func column<T>(_ values: [T]) -> [T] { order.map { values[$0] } }
        var t = ReflectionTable(count: n)
        t.set(N.id, .int(Array(repeating: 0, count: n)))
        t.set(N.panel, .size(order.map { UInt64(spots[$0].panel) }))
        t.set(N.flags, .size(Array(repeating: ReflectionFlags.strong.rawValue, count: n)))
        t.set(N.bbox, .int6(order.map { spots[$0].bbox }))
        t.set(N.xyzobsPxValue, .vec3(order.map { spots[$0].centroid }))
        t.set(N.xyzobsPxVariance, .vec3(order.map { spots[$0].centroidVariance }))
        t.set(N.intensitySumValue, .double(order.map { spots[$0].intensity }))
        t.set(N.intensitySumVariance, .double(order.map { spots[$0].intensityVariance }))
        t.set("n_signal", .int(order.map { Int32(spots[$0].pixelCount) }))
        t.set(N.xyzobsMmValue, .vec3(column(assembly.millimetreValues)))
        t.set(N.xyzobsMmVariance, .vec3(column(assembly.millimetreVariances)))
        if shoeboxes { t.set(N.shoebox, .shoebox(column(assembly.shoeboxes))) }
        if !experiment.identifier.isEmpty { t.experimentIdentifiers[0] = experiment.identifier }
        return t
    }
}

/// Per-thread threshold workspaces (one per panel), handed out to whichever
/// worker thread asks.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [[ThresholdWorkspace]] = []
    private let sizes: [(Int, Int)]
    /// One static plan per panel, shared by every thread's workspace.
    private let plans: [ThresholdPlanCache]
    init(detector: Detector) {
        sizes = detector.panels.map { ($0.imageSize.fast, $0.imageSize.slow) }
        // The run's mask is one immutable array: a plan checked against it once holds for every frame.
        plans = sizes.map { _ in ThresholdPlanCache(maskIsFixed: true) }
    }
    func take() -> [ThresholdWorkspace] {
        lock.lock(); defer { lock.unlock() }
        if let w = free.popLast() { return w }
        return zip(sizes, plans).map { ThresholdWorkspace(width: $0.0, height: $0.1, plans: $1) }
    }
    func give(_ w: [ThresholdWorkspace]) { lock.lock(); free.append(w); lock.unlock() }
}

/// Frames' strong pixels from the worker threads, passed on in frame order:
/// each frame goes to `consume` (on `queue`, serial) once it and every frame
/// before it have arrived. A worker waits while `ahead` frames are queued for
/// the consumer, which bounds the strong pixels held when labelling is the
/// slower half. (Frames waiting for an earlier one do not count: the
/// consumer's queue drains on its own, so the wait cannot deadlock, even when
/// a frame never comes because its read failed.)
final class InOrderFrames: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrived: [Int: StrongPixelFrame] = [:]
    private var next: Int
    /// Frames submitted to the consumer and not yet consumed.
    private var queued = 0
    private let ahead: Int
    private let queue: DispatchQueue
    private let consume: (StrongPixelFrame, Int) -> Void

    init(first: Int, ahead: Int, queue: DispatchQueue, consume: @escaping (StrongPixelFrame, Int) -> Void) {
        next = first; self.ahead = max(1, ahead); self.queue = queue; self.consume = consume
    }

    func put(_ index: Int, _ frame: StrongPixelFrame) {
        condition.lock()
        defer { condition.unlock() }
        while queued >= ahead { condition.wait() }
        arrived[index] = frame
        // Submitted under the lock, so the serial queue gets them in frame order.
        while let f = arrived.removeValue(forKey: next) {
            let i = next
            queued += 1
            queue.async {
                self.consume(f, i)
                self.condition.lock()
                self.queued -= 1
                self.condition.broadcast()
                self.condition.unlock()
            }
            next += 1
        }
    }
}
