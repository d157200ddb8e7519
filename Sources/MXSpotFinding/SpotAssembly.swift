// SpotAssembly: strong pixels of successive frames labelled into spots, filtered and measured.
import MXLogging
import MXModel

/// The serial half of spot finding: frames' strong pixels, in frame order,
/// labelled into 3-D connected components (`ConnectedComponents`), which are
/// filtered by size and shape and measured as they close. `SpotFinder` runs it
/// on its own thread, one block of frames behind the thresholding, so no core
/// waits while a block is labelled.
final class SpotAssembly: @unchecked Sendable {
    private var labeller: ConnectedComponents
    private let filter: SpotFilter
    private let splitter: SpotSplitter?
    private let detector: Detector
    private let storeShoeboxes: Bool
    /// Frames with more strong pixels are left out, and the fraction that sets it (for the message).
    private let maxStrong: Int, maxStrongFraction: Double
    private let logger: Logger
    private(set) var measurements: [SpotMeasurement] = []
    /// Each measured spot's pixels, when shoeboxes are stored.
    private(set) var pixelLists: [[StrongPixel]] = []
    private(set) var counts = SpotFilterCounts()
    /// Components found, before filtering.
    private(set) var components = 0
    private(set) var frames: [FrameSpotCount] = []

    init(width: Int, filter: SpotFilter, splitter: SpotSplitter?, detector: Detector, storeShoeboxes: Bool,
         maxStrong: Int, maxStrongFraction: Double, logger: Logger) {
        labeller = ConnectedComponents(width: width)
        self.filter = filter; self.splitter = splitter; self.detector = detector; self.storeShoeboxes = storeShoeboxes
        self.maxStrong = maxStrong; self.maxStrongFraction = maxStrongFraction; self.logger = logger
    }

    /// Adds a block of frames in order; `items[i]` is image `firstImage + i` (nil: not read).
    func add(_ items: [StrongPixelFrame?], firstImage: Int) {
        for (offset, item) in items.enumerated() {
            guard var f = item else { continue }
            let image = firstImage + offset
            let rejected = f.indices.count > maxStrong
            frames.append(FrameSpotCount(image: image, strongPixels: f.indices.count, spots: 0, rejected: rejected))
            if rejected {
                logger.warning("Image \(image): \(f.indices.count) strong pixels exceed the limit of \(maxStrong) "
                               + "(max_strong_pixel_fraction=\(maxStrongFraction)); image left out")
                f = StrongPixelFrame(frame: f.frame, indices: [], values: [], panels: [])
            }
            accept(labeller.add(f))
        }
    }

    /// Closes the spots still open after the last frame.
    func finish() { accept(labeller.finish()) }

    private func accept(_ groups: [[StrongPixel]]) {
        for component in groups {
            components += 1
            let parts = splitter?.split(component) ?? [SpotPart(pixels: component, floor: 0)]
            if parts.count > 1 { counts.split += 1; counts.splitInto += parts.count }
            for part in parts {
                let g = part.pixels
                guard filter.acceptsSize(g.count, counts: &counts) else { continue }
                let panel = detector.panels[Int(g[0].panel)]
                let m = SpotMeasurement(pixels: g, panelOffset: panel.rawImageOffset, centroidFloor: part.floor)
                guard filter.acceptsShape(m, counts: &counts) else { continue }
                measurements.append(m)
                if storeShoeboxes { pixelLists.append(g) }
            }
        }
    }
}
