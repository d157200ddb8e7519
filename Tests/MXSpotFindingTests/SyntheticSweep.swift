// SyntheticSweep: an in-memory image source of Gaussian spots on Poisson background, for spot-finding tests.
import MXFormats
import MXMath
import MXModel

/// Test-data helpers on the shared seeded generator.
extension SplitMix64 {
    init(state: UInt64) { self.init(seed: state) }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Poisson deviate (Knuth's product method for small means, normal approximation above 30).
    mutating func poisson(_ mean: Double) -> Int32 {
        if mean <= 0 { return 0 }
        if mean > 30 {
            let u1 = max(uniform(), 1e-300), u2 = uniform()
            let g = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return Int32(max(0, (mean + g * mean.squareRoot()).rounded()))
        }
        let l = exp(-mean)
        var k: Int32 = 0, prod = uniform()
        while prod > l { k += 1; prod *= uniform() }
        return k
    }
}

/// A spot placed in a synthetic sweep: centre (px, frame coordinate z) and
/// total expected counts, with Gaussian widths in px and frames.
struct SyntheticSpot {
    var x: Double, y: Double, z: Double
    var counts: Double
    var sigmaXY: Double = 0.8
    var sigmaZ: Double = 0.5
}

/// An image source holding precomputed frames.
final class SyntheticSweep: ImageSource {
    let frameSize: (width: Int, height: Int)
    let trustedMask: [UInt8]
    let frames: [[Int32]]
    /// A frame whose read fails, as a corrupt chunk would.
    let failingFrame: Int?
    var frameCount: Int { frames.count }

    init(width: Int, height: Int, frames: [[Int32]], mask: [UInt8]? = nil, failingFrame: Int? = nil) {
        frameSize = (width, height)
        self.frames = frames
        self.failingFrame = failingFrame
        trustedMask = mask ?? [UInt8](repeating: 1, count: width * height)
    }

    func readFrame(_ index: Int, into buffer: UnsafeMutableBufferPointer<Int32>) throws {
        guard frames.indices.contains(index) else {
            throw ImageReadError.frameOutOfRange(path: "synthetic", frame: index, count: frames.count)
        }
        if index == failingFrame {
            throw ImageReadError.frameUnreadable(path: "synthetic", frame: index, reason: "a corrupt chunk")
        }
        for (i, v) in frames[index].enumerated() { buffer[i] = v }
    }

    /// Renders spots (integrated over each pixel and frame by sampling) on a
    /// Poisson background of `background` counts per pixel.
    static func render(width: Int, height: Int, frames n: Int, background: Double, spots: [SyntheticSpot],
                       seed: UInt64 = 1, mask: [UInt8]? = nil) -> SyntheticSweep {
        var rng = SplitMix64(state: seed)
        var out: [[Int32]] = []
        for f in 0..<n {
            var expected = [Double](repeating: background, count: width * height)
            for s in spots {
                // Fraction of the spot on frame f: Gaussian in z integrated over [f, f+1).
                let fz = 0.5 * (erf((Double(f + 1) - s.z) / (s.sigmaZ * 2.squareRoot()))
                                - erf((Double(f) - s.z) / (s.sigmaZ * 2.squareRoot())))
                if fz < 1e-6 { continue }
                let r = Int((4 * s.sigmaXY).rounded(.up))
                for y in max(0, Int(s.y) - r)...min(height - 1, Int(s.y) + r) {
                    let fy = 0.5 * (erf((Double(y + 1) - s.y) / (s.sigmaXY * 2.squareRoot()))
                                    - erf((Double(y) - s.y) / (s.sigmaXY * 2.squareRoot())))
                    for x in max(0, Int(s.x) - r)...min(width - 1, Int(s.x) + r) {
                        let fx = 0.5 * (erf((Double(x + 1) - s.x) / (s.sigmaXY * 2.squareRoot()))
                                        - erf((Double(x) - s.x) / (s.sigmaXY * 2.squareRoot())))
                        expected[y * width + x] += s.counts * fz * fy * fx
                    }
                }
            }
            var frame = expected.map { rng.poisson($0) }
            if let mask { for i in frame.indices where mask[i] == 0 { frame[i] = -1 } }
            out.append(frame)
        }
        return SyntheticSweep(width: width, height: height, frames: out, mask: mask)
    }
}

/// A one-panel experiment matching a synthetic sweep: 0.075 mm pixels at
/// 100 mm, beam through the centre, 0.5° images.
func syntheticExperiment(width: Int, height: Int, frames: Int, identifier: String = "synthetic-0") -> Experiment {
    var panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0),
                      origin: Vec3(-Double(width) * 0.075 / 2, Double(height) * 0.075 / 2, -100),
                      imageSize: (width, height), pixelSize: (0.075, 0.075), trustedRange: (-1, 1e6))
    panel.type = "SENSOR_PAD"
    return Experiment(identifier: identifier, beam: Beam(wavelength: 1.0), detector: Detector(panels: [panel]),
                      goniometer: Goniometer(),
                      scan: Scan(imageRange: 1...frames, oscillationStartDegrees: 0, oscillationWidthDegrees: 0.5))
}

#if canImport(Glibc)
import Glibc
#endif
