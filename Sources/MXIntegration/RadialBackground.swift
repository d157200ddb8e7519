// RadialBackground: the sweep's background as a function of scattering angle, the shape under boxes on ice rings.
import Foundation
import MXFormats
import MXMath
import MXModel

/// The mean background per ring of scattering angle 2θ, measured on a few
/// frames spread over the sweep. A constant background is right under most
/// boxes, but an ice ring a few pixels wide changes the background several
/// times over across one box: the rim then misses the ring's crest under the
/// peak (or sees only the crest), and the intensity is biased by many σ of a
/// weak reflection. Where this profile changes across a box, the box's
/// background is fitted as a scale times the profile (`ReflectionIntegrator`).
/// Rings of the water, air and ice scatter are azimuthally even, so a radial
/// mean holds their shape; their level, which flux, absorption and
/// polarisation change, is the scale each box fits.
public final class RadialBackgroundShape: @unchecked Sendable {
    /// The rings of 2θ the profile is measured on.
    let rings: Rings
    /// Mean counts per pixel of each ring (NaN where no pixel was valid).
    public let level: [Float]
    /// Frames measured.
    public let frames: Int

    init(rings: Rings, level: [Float], frames: Int) {
        self.rings = rings; self.level = level; self.frames = frames
    }

    /// The profile at a raw-image pixel: its ring's mean (NaN when unknown).
    /// Interpolating linearly between ring centres was tried: it smooths a
    /// ring's crest further than the ring means already do, and a spot on an
    /// ice ring σ 1.5–3 px wide came out 1–2 σ high (σ of 5000 counts on a
    /// 20–120 count ring, RadialBackgroundTests); with the means as steps the
    /// errors on either side of the crest cancel.
    @inline(__always) func value(rawIndex i: Int) -> Float {
        let r = rings.ringOfPixel[i]
        return r == Rings.none ? .nan : level[Int(r)]
    }

    /// Rings of 2θ about one pixel wide, merged outwards from the beam until
    /// each holds `minPixels` trusted pixels, so that no ring's mean is noisy.
    struct Rings {
        static let none = UInt16.max
        /// Per raw-image pixel, its ring (`none` off every panel).
        var ringOfPixel: [UInt16]
        var count: Int
        /// Per ring, the mean 2θ of its trusted pixels (radians; NaN when it has none).
        var twoTheta: [Double]
        /// The width of the finest ring in 2θ (radians): a pixel at the panel's foot.
        var step: Double
        /// The ring of raw pixel `i` (nil off every panel).
        @inline(__always) func ring(ofPixel i: Int) -> Int? {
            let r = ringOfPixel[i]
            return r == Self.none ? nil : Int(r)
        }
    }

    static func rings(detector: Detector, s0: Vec3, width: Int, height: Int, trusted: [UInt8],
                      minPixels: Int = 100) -> Rings? {
        let beam = s0.normalized
        var step = Double.infinity
        for p in detector.panels where p.distance > 0 {
            step = min(step, min(p.pixelSize.fast, p.pixelSize.slow) / p.distance)
        }
        guard step.isFinite, step > 0 else { return nil }
        let fine = Int((Double.pi / step).rounded(.up)) + 1
        var bin = [Int32](repeating: -1, count: width * height)
        var population = [Int](repeating: 0, count: fine)
        for panel in detector.panels {
            let (px, py) = panel.pixelSize
            let (ox, oy) = panel.rawImageOffset
            for y in 0..<panel.imageSize.slow {
                let ry = y + oy
                guard ry >= 0, ry < height else { continue }
                let rowOrigin = panel.origin + panel.slowAxis * ((Double(y) + 0.5) * py)
                for x in 0..<panel.imageSize.fast {
                    let rx = x + ox
                    guard rx >= 0, rx < width else { continue }
                    let v = rowOrigin + panel.fastAxis * ((Double(x) + 0.5) * px)
                    let b = min(fine - 1, Int(acos(max(-1, min(1, v.dot(beam) / v.length))) / step))
                    let i = ry * width + rx
                    bin[i] = Int32(b)
                    if trusted.isEmpty || trusted[i] != 0 { population[b] += 1 }
                }
            }
        }
        // Merge steps outwards until each ring is populated enough; a thin last ring joins the one before.
        var ringOfBin = [Int](repeating: 0, count: fine)
        var ring = 0, held = 0
        for b in 0..<fine {
            ringOfBin[b] = ring
            held += population[b]
            if held >= minPixels { ring += 1; held = 0 }
        }
        var count = ring
        if held > 0 {
            if ring > 0 { for b in 0..<fine where ringOfBin[b] == ring { ringOfBin[b] = ring - 1 } } else { count = 1 }
        } else if ring > 0 {
            for b in 0..<fine where ringOfBin[b] == ring { ringOfBin[b] = ring - 1 }  // the empty steps beyond
        }
        guard count > 0, count < Int(Rings.none) else { return nil }
        var weight = [Double](repeating: 0, count: count), angle = weight
        for b in 0..<fine where population[b] > 0 {
            weight[ringOfBin[b]] += Double(population[b]); angle[ringOfBin[b]] += (Double(b) + 0.5) * step * Double(population[b])
        }
        return Rings(ringOfPixel: bin.map { $0 < 0 ? Rings.none : UInt16(ringOfBin[Int($0)]) }, count: count,
                     twoTheta: (0..<count).map { weight[$0] > 0 ? angle[$0] / weight[$0] : .nan }, step: step)
    }

    /// The ice rings that stand out of this background: the highest ring
    /// within 2 steps of an ice spacing's 2θ at least 1.25× the median of the
    /// rings 6–15 steps either side (the water ring and the scatter near the
    /// beam change far less over so few pixels).
    /// - Returns: each such ring.
    public func iceRings(wavelength: Double) -> [IceRing] {
        var found: [IceRing] = []
        for d in IceRings.spacings where wavelength < 2 * d {
            let target = 2 * asin(wavelength / (2 * d))
            var peak = -Float.infinity, beside: [Float] = []
            for r in 0..<rings.count where !level[r].isNaN {
                let off = abs(rings.twoTheta[r] - target) / rings.step
                if off <= 2 { peak = max(peak, level[r]) } else if off >= 6 && off <= 15 { beside.append(level[r]) }
            }
            guard peak.isFinite, beside.count >= 4 else { continue }
            let median = beside.sorted()[beside.count / 2]
            if median > 0, peak >= 1.25 * median { found.append(IceRing(d: d, excess: Double(peak / median))) }
        }
        return found
    }

    /// Measures the profile on up to `sampleFrames` frames spread evenly over
    /// frame coordinates `zRange` (read from source frame z − `frameOffset`).
    /// Per frame and ring, pixels above mean + 5√mean + 3 (spots, zingers,
    /// hot pixels) are left out and the mean retaken.
    /// - Returns: nil when the detector geometry gives no rings.
    public static func measure(source: ImageSource, detector: Detector, s0: Vec3, zRange: Range<Int>, frameOffset: Int,
                               excluded: [Int] = [], sampleFrames: Int = 12, threads: Int) throws -> RadialBackgroundShape? {
        let width = source.frameSize.width, height = source.frameSize.height
        var trusted = source.trustedMask.count == width * height ? source.trustedMask : [UInt8](repeating: 1, count: width * height)
        for i in excluded where i >= 0 && i < trusted.count { trusted[i] = 0 }
        guard !zRange.isEmpty, let rings = rings(detector: detector, s0: s0, width: width, height: height,
                                                  trusted: trusted) else { return nil }
        let count = rings.count
        // Counts outside the panels' trusted range (the widest over them) are not background.
        let lo = Float(detector.panels.map(\.trustedRange.low).min() ?? 0)
        let hi = Float(detector.panels.map(\.trustedRange.high).max() ?? .greatestFiniteMagnitude)
        let n = min(sampleFrames, zRange.count)
        let picks = (0..<n).map { zRange.lowerBound + ($0 * zRange.count + zRange.count / 2) / n }
        // The frames are measured on `threads` threads, each frame's sums kept
        // in its own slot and added up in frame order, so that the result does
        // not depend on which thread finished first.
        let perFrame = FrameSums(frames: n)
        let valid = trusted
        let workers = max(1, min(threads, n))
        let firstError = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for k in stride(from: w, to: n, by: workers) where !firstError.isSet {
                let z = picks[k]
                do {
                    try source.forEachFrame(in: (z - frameOffset)..<(z - frameOffset + 1), threads: 1) { _, frame in
                        var s = [Double](repeating: 0, count: count), c = [Int](repeating: 0, count: count)
                        for i in 0..<frame.count where valid[i] != 0 {
                            let v = Float(frame[i])
                            guard v > lo, v < hi, let r = rings.ring(ofPixel: i) else { continue }
                            s[r] += Double(v); c[r] += 1
                        }
                        let cut = (0..<count).map { r -> Double in
                            guard c[r] > 0 else { return -1 }
                            let m = s[r] / Double(c[r])
                            return m + 5 * m.squareRoot() + 3
                        }
                        s = [Double](repeating: 0, count: count); c = [Int](repeating: 0, count: count)
                        for i in 0..<frame.count where valid[i] != 0 {
                            let v = Float(frame[i])
                            guard v > lo, v < hi, let r = rings.ring(ofPixel: i), Double(v) <= cut[r] else { continue }
                            s[r] += Double(v); c[r] += 1
                        }
                        perFrame.set(k, s, c)
                    }
                } catch { firstError.set(error) }
            }
        }
        if let e = firstError.error { throw e }
        var sums = [Double](repeating: 0, count: count), counts = [Int](repeating: 0, count: count)
        for (s, c) in perFrame.slots.compactMap({ $0 }) {
            for r in 0..<count { sums[r] += s[r]; counts[r] += c[r] }
        }
        let level = (0..<count).map { counts[$0] > 0 ? Float(sums[$0] / Double(counts[$0])) : .nan }
        return RadialBackgroundShape(rings: rings, level: level, frames: n)
    }
}

/// An ice ring seen in a sweep's background.
public struct IceRing: Sendable, Equatable {
    /// Its spacing (Å).
    public var d: Double
    /// Its peak over the median background beside it.
    public var excess: Double
}

/// Each measured frame's sums and pixel counts per ring, set from the measuring threads.
private final class FrameSums: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var slots: [(sums: [Double], counts: [Int])?]
    init(frames: Int) { slots = Array(repeating: nil, count: frames) }
    func set(_ frame: Int, _ s: [Double], _ c: [Int]) {
        lock.lock(); defer { lock.unlock() }
        slots[frame] = (s, c)
    }
}
