// SpotAssembly: strong pixels of successive frames labelled into spots, filtered and measured.
import MXLogging
import MXMath
import MXModel

/// The serial half of spot finding: frames' strong pixels, in frame order,
/// labelled into 3-D connected components (`ConnectedComponents`), which are
/// filtered by size and shape and measured as they close, with everything
/// their table row needs (centroid in mm and rad, shoebox). `SpotFinder` runs
/// it on its own thread as frames complete, so this work overlaps the
/// thresholding instead of following it.
final class SpotAssembly: @unchecked Sendable {
    private var labeller: ConnectedComponents
    private let filter: SpotFilter
    private let splitter: SpotSplitter?
    private let detector: Detector
    private let scan: Scan?
    private let storeShoeboxes: Bool
    /// Frames with more strong pixels are left out, and the fraction that sets it (for the message).
    private let maxStrong: Int, maxStrongFraction: Double
    private let logger: Logger
    private(set) var measurements: [SpotMeasurement] = []
    /// Each measured spot's centroid and its variance in mm and rad (`centroidMillimetres`).
    private(set) var millimetreValues: [Vec3] = [], millimetreVariances: [Vec3] = []
    /// Each measured spot's shoebox, when shoeboxes are stored.
    private(set) var shoeboxes: [Shoebox] = []
    private(set) var counts = SpotFilterCounts()
    /// Components found, before filtering.
    private(set) var components = 0
    private(set) var frames: [FrameSpotCount] = []

    init(width: Int, filter: SpotFilter, splitter: SpotSplitter?, detector: Detector, scan: Scan?, storeShoeboxes: Bool,
         maxStrong: Int, maxStrongFraction: Double, logger: Logger) {
        labeller = ConnectedComponents(width: width)
        self.filter = filter; self.splitter = splitter; self.detector = detector; self.scan = scan
        self.storeShoeboxes = storeShoeboxes
        self.maxStrong = maxStrong; self.maxStrongFraction = maxStrongFraction; self.logger = logger
    }

    /// Adds the next frame, image number `image`; frames come in order.
    func add(_ frame: StrongPixelFrame, image: Int) {
        var f = frame
        let rejected = f.indices.count > maxStrong
        frames.append(FrameSpotCount(image: image, strongPixels: f.indices.count, spots: 0, rejected: rejected))
        if rejected {
            logger.warning("Image \(image): \(f.indices.count) strong pixels exceed the limit of \(maxStrong) "
                           + "(max_strong_pixel_fraction=\(maxStrongFraction)); image left out")
            f = StrongPixelFrame(frame: f.frame, indices: [], values: [], panels: [])
        }
        accept(labeller.add(f))
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
                let panelIndex = Int(g[0].panel)
                let panel = detector.panels[panelIndex]
                let m = SpotMeasurement(pixels: g, panelOffset: panel.rawImageOffset, centroidFloor: part.floor)
                guard filter.acceptsShape(m, counts: &counts) else { continue }
                measurements.append(m)
                let mm = centroidMillimetres(m.centroid, variance: m.centroidVariance, panel: panel, scan: scan)
                millimetreValues.append(mm.value); millimetreVariances.append(mm.variance)
                if storeShoeboxes {
                    shoeboxes.append(Self.shoebox(g, bbox: m.bbox, panel: panelIndex, offset: panel.rawImageOffset))
                }
            }
        }
    }

    /// The shoebox DIALS' spot finder stores: the bounding box's counts at the
    /// spot's pixels (masked valid and foreground), zero elsewhere, and a zero background.
    static func shoebox(_ pixels: [StrongPixel], bbox b: BoundingBox, panel: Int, offset: (x: Int, y: Int)) -> Shoebox {
        let sx = Int(b.x1 - b.x0), sy = Int(b.y1 - b.y0), sz = Int(b.z1 - b.z0)
        let n = sx * sy * sz
        var data = [Float](repeating: 0, count: n)
        var mask = [Int32](repeating: 0, count: n)
        let signal = Shoebox.maskValid | Shoebox.maskForeground
        let x0 = offset.x + Int(b.x0), y0 = offset.y + Int(b.y0), z0 = Int(b.z0)
        data.withUnsafeMutableBufferPointer { d in
            mask.withUnsafeMutableBufferPointer { mk in
                for q in pixels {
                    let k = ((Int(q.z) - z0) * sy + (Int(q.y) - y0)) * sx + (Int(q.x) - x0)
                    precondition(k >= 0 && k < n, "strong pixel outside its spot's bounding box")
                    d[k] = Float(q.value)
                    mk[k] = signal
                }
            }
        }
        return Shoebox(panel: UInt32(panel), bbox: b, data: data, mask: mask, background: [Float](repeating: 0, count: n))
    }
}
