// ShoeboxStream: reads frames in blocks and fills each reflection's shoebox, holding only the open ones.
import Dispatch
import MXFormats
import MXLogging
import MXModel

/// One shoebox to assemble: a panel and a box in pixels (x, y) and frame
/// coordinates z (half-open, the scan's array range).
public struct ShoeboxRequest: Sendable {
    public var panel: Int
    public var bbox: BoundingBox
    public init(panel: Int, bbox: BoundingBox) { self.panel = panel; self.bbox = bbox }
}

/// The pixels of one shoebox, z-major then y then x (as DIALS' shoeboxes).
/// `status` is 0 for an untrusted pixel, 1 for a valid one, 2 for one at or
/// above the panel's trusted maximum (overloaded, also not valid).
public final class ShoeboxPixels: @unchecked Sendable {
    public let bbox: BoundingBox
    public let panel: Int
    public var counts: [Float]
    public var status: [UInt8]
    /// The sweep's radial background profile at each pixel (`RadialBackgroundShape`);
    /// empty when the stream had none, NaN where it is unknown.
    public var shape: [Float] = []
    public init(panel: Int, bbox: BoundingBox) {
        self.panel = panel; self.bbox = bbox
        counts = [Float](repeating: 0, count: bbox.volume)
        status = [UInt8](repeating: 0, count: bbox.volume)
    }
    public var byteCount: Int { counts.count * 5 + shape.count * 4 + 64 }
}

/// Spreads `count` iterations over `threads` workers (strided).
func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 { for i in 0..<count { body(i) }; return }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        while i < count { body(i); i += workers }
    }
}

/// Streams frames `zRange` of `source` in blocks of `blockFrames`, copies
/// each requested box out of the frames it spans, and hands every completed
/// shoebox to `finish` (called concurrently for different indices) before
/// releasing it: memory holds one block of frames plus the open shoeboxes,
/// never the sweep. Frame coordinate z is read from source frame
/// z − `frameOffset`.
/// Per raw-image pixel, the least value over the frames streamed through it:
/// a pixel bright on every frame is hot, not diffraction.
final class PixelMinimum: @unchecked Sendable {
    var values: [Int32]
    var frames = 0
    init(count: Int) { values = [Int32](repeating: .max, count: count) }

    /// Raw pixel indices whose least value is above 20× the median least
    /// value + 20, over the image and over the 5 × 5 pixels around it (needs
    /// ≥ 10 frames). The local test keeps a bright background ring (ice, whose
    /// crest is as bright on every frame) from passing for hot pixels: its
    /// neighbours along the ring are as bright.
    func hotPixels(width: Int) -> [Int] {
        guard frames >= 10, !values.isEmpty, width > 0 else { return [] }
        let sample = stride(from: 0, to: values.count, by: max(1, values.count / 20000)).map { max(values[$0], 0) }.sorted()
        let threshold = 20 * Int(sample[sample.count / 2]) + 20
        let height = values.count / width
        return values.indices.filter { i in
            guard Int(values[i]) > threshold else { return false }
            let x = i % width, y = i / width
            var around: [Int32] = []
            for yy in max(0, y - 2)...min(height - 1, y + 2) { for xx in max(0, x - 2)...min(width - 1, x + 2) where xx != x || yy != y {
                around.append(max(values[yy * width + xx], 0))
            } }
            around.sort()
            return Int(values[i]) > 20 * Int(around[around.count / 2]) + 20
        }
    }
}

/// `radial`, when given, fills each shoebox's `shape`.
/// `afterBlock`, when given, runs on the calling thread once every shoebox
/// ending by a block's end frame (its argument) is finished; `progress`
/// then counts the block's frames.
/// - Returns: the peak bytes held in open shoeboxes.
@discardableResult
func streamShoeboxes(_ requests: [ShoeboxRequest], source: ImageSource, detector: Detector, zRange: Range<Int>,
                     frameOffset: Int, blockFrames: Int, threads: Int,
                     excluded: [Int] = [], minimum: PixelMinimum? = nil, radial: RadialBackgroundShape? = nil,
                     progress: ProgressCounter? = nil,
                     finish: @escaping (Int, ShoeboxPixels) -> Void, afterBlock: ((Int) -> Void)? = nil) throws -> Int {
    let width = source.frameSize.width, height = source.frameSize.height
    let npix = width * height
    var mask = source.trustedMask.count == npix ? source.trustedMask : []
    // Pixels `excluded` (raw indices, e.g. hot pixels) are untrusted like masked ones.
    if !excluded.isEmpty {
        if mask.isEmpty { mask = [UInt8](repeating: 1, count: npix) }
        for i in excluded where i >= 0 && i < npix { mask[i] = 0 }
    }
    let trusted = mask  // a constant: a captured variable would be checked for exclusive access per pixel
    let order = requests.indices.sorted { requests[$0].bbox.z0 < requests[$1].bbox.z0 }
    let block = max(1, blockFrames)
    let storage = UnsafeMutableBufferPointer<Int32>.allocate(capacity: block * npix)
    defer { storage.deallocate() }
    let panels = detector.panels
    var next = 0
    var open: [(Int, ShoeboxPixels)] = []
    var openBytes = 0, peak = 0
    var b = zRange.lowerBound
    while b < zRange.upperBound {
        let b1 = min(b + block, zRange.upperBound)
        let base = b
        try source.forEachFrame(in: (b - frameOffset)..<(b1 - frameOffset), threads: threads) { index, frame in
            let slot = index + frameOffset - base
            let dst = storage.baseAddress! + slot * npix
            dst.update(from: frame.baseAddress!, count: npix)
        }
        if let minimum, minimum.values.count == npix {
            minimum.values.withUnsafeMutableBufferPointer { m in
                for slot in 0..<(b1 - b) {
                    let f = storage.baseAddress! + slot * npix
                    for i in 0..<npix where f[i] < m[i] { m[i] = f[i] }
                }
            }
            minimum.frames += b1 - b
        }
        while next < order.count, Int(requests[order[next]].bbox.z0) < b1 {
            let r = requests[order[next]]
            let s = ShoeboxPixels(panel: r.panel, bbox: r.bbox)
            if radial != nil { s.shape = [Float](repeating: .nan, count: r.bbox.volume) }
            open.append((order[next], s)); openBytes += s.byteCount
            next += 1
        }
        peak = max(peak, openBytes)
        let current = open
        parallelFor(current.count, threads: threads) { k in
            let s = current[k].1
            let bb = s.bbox
            let panel = panels[s.panel]
            let off = panel.rawImageOffset
            let (lo, hi) = (panel.trustedRange.low, panel.trustedRange.high)
            let nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0)
            let pw = panel.imageSize.fast, ph = panel.imageSize.slow
            // The shoebox's arrays are taken once: indexing a class's array property
            // per pixel costs an exclusivity check and a uniqueness test each time.
            s.counts.withUnsafeMutableBufferPointer { counts in s.status.withUnsafeMutableBufferPointer { status in
            s.shape.withUnsafeMutableBufferPointer { shape in
            for z in max(Int(bb.z0), base)..<min(Int(bb.z1), b1) {
                let frame = storage.baseAddress! + (z - base) * npix
                for y in Int(bb.y0)..<Int(bb.y1) {
                    let ry = y + off.y
                    let row = ((z - Int(bb.z0)) * ny + (y - Int(bb.y0))) * nx
                    for x in Int(bb.x0)..<Int(bb.x1) {
                        let rx = x + off.x
                        let j = row + x - Int(bb.x0)
                        // Off its panel (a box is not clipped to it) the pixel is invalid.
                        guard x >= 0, y >= 0, x < pw, y < ph, rx >= 0, ry >= 0, rx < width, ry < height else {
                            status[j] = 0; continue
                        }
                        let ri = ry * width + rx
                        if let radial { shape[j] = radial.value(rawIndex: ri) }
                        let v = Double(frame[ri])
                        counts[j] = Float(v)
                        if !trusted.isEmpty && trusted[ri] == 0 || v < 0 || v <= lo { status[j] = 0 }
                        else if v >= hi { status[j] = 2 }
                        else { status[j] = 1 }
                    }
                }
            }
            } } }
        }
        let done = open.filter { Int($0.1.bbox.z1) <= b1 }
        parallelFor(done.count, threads: threads) { k in finish(done[k].0, done[k].1) }
        open.removeAll { Int($0.1.bbox.z1) <= b1 }
        openBytes = open.reduce(0) { $0 + $1.1.byteCount }
        afterBlock?(b1)
        progress?.advance(by: b1 - b)
        b = b1
    }
    return peak
}
