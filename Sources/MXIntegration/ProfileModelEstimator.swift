// ProfileModelEstimator: σ_b and σ_m of the gaussian_rs profile from strong indexed spots.
import MXMath
import MXModel
#if canImport(Glibc)
import Glibc
#endif

/// One strong indexed spot used for modelling: its Kabsch frame at the
/// predicted s₁ and φ, and the spot finder's bounding box.
struct ModellingSpot: Sendable {
    var frame: KabschFrame
    var panel: Int
    var spotBox: BoundingBox
}

/// Per-spot statistics gathered from the pixels.
struct SpotProfileStatistics: Sendable {
    /// Σw(Δc₁² + Δc₂²)/(Σw − 1) about the weighted mean, radians².
    var spatialVariance: Double
    /// Angular size of one pixel at the spot, radians.
    var pixelAngle: Double
    /// Background-subtracted counts per frame with the frame's φ limits.
    var frames: [(phiA: Double, phiB: Double, counts: Double)]
    var zeta: Double
    var phi: Double
    var total: Double
}

/// Estimates of σ_b and σ_m (radians) and the spots behind them.
public struct ProfileEstimate: Sendable {
    public var sigmaB: Double
    public var sigmaM: Double
    public var spots: Int
    /// Raw pixel indices bright on every frame read for the model (hot pixels), left out of integration.
    public var hotPixels: [Int] = []
}

enum ProfileModelEstimator {
    /// Box read for a spot: its bounding box widened by `margin` pixels and one frame, clipped.
    static func readBox(_ b: BoundingBox, panel: Panel, zRange: Range<Int>, margin: Int) -> BoundingBox {
        BoundingBox(max(0, Int(b.x0) - margin), min(panel.imageSize.fast, Int(b.x1) + margin),
                    max(0, Int(b.y0) - margin), min(panel.imageSize.slow, Int(b.y1) + margin),
                    max(zRange.lowerBound, Int(b.z0) - 1), min(zRange.upperBound, Int(b.z1) + 1))
    }

    /// Statistics of one spot from its read box: background from the rim
    /// outside the spot box widened by one pixel, signal inside it.
    static func statistics(_ s: ShoeboxPixels, spot: ModellingSpot, detector: Detector, scan: Scan)
        -> SpotProfileStatistics? {
        let bb = s.bbox, sb = spot.spotBox
        let nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0), nz = Int(bb.z1 - bb.z0)
        func inner(_ x: Int, _ y: Int) -> Bool {
            x >= Int(sb.x0) - 1 && x < Int(sb.x1) + 1 && y >= Int(sb.y0) - 1 && y < Int(sb.y1) + 1
        }
        var rim: [Float] = []
        for z in 0..<nz { for y in 0..<ny { for x in 0..<nx {
            let j = (z * ny + y) * nx + x
            if s.status[j] != 1 {
                // A spot touching a masked or overloaded pixel is not modelled.
                if inner(Int(bb.x0) + x, Int(bb.y0) + y) { return nil }
                continue
            }
            if !inner(Int(bb.x0) + x, Int(bb.y0) + y) { rim.append(s.counts[j]) }
        } } }
        guard let bg = RobustBackground.estimate(rim) else { return nil }
        let toLab = Panel.PixelToLab(detector.panels[s.panel])
        var c12 = [(Double, Double)](repeating: (0, 0), count: nx * ny)
        for y in 0..<ny { for x in 0..<nx {
            let dir = toLab((Double(Int(bb.x0) + x) + 0.5, Double(Int(bb.y0) + y) + 0.5))
            c12[y * nx + x] = spot.frame.divergenceCoordinates(of: dir)
        } }
        var w = 0.0, m1 = 0.0, m2 = 0.0, s11 = 0.0
        var frames: [(Double, Double, Double)] = []
        for z in 0..<nz {
            var fsum = 0.0
            for y in 0..<ny { for x in 0..<nx where inner(Int(bb.x0) + x, Int(bb.y0) + y) {
                let c = Double(s.counts[(z * ny + y) * nx + x]) - bg.level
                fsum += c
                // Every pixel with its signed background-subtracted value: keeping only c > 0 would
                // keep the background's upward noise and drop its downward noise, and that noise,
                // spread over the whole box, widens the spread (σ_b 6–12 % above the truth).
                let (a, b) = c12[y * nx + x]
                w += c; m1 += c * a; m2 += c * b; s11 += c * (a * a + b * b)
            } }
            // The rocking curve is taken over the spot finder's frames only:
            // on the extra frames read around it the background noise summed
            // over the spot's pixels would masquerade as a wide tail.
            let zAbs = Int(bb.z0) + z
            if zAbs >= Int(sb.z0) && zAbs < Int(sb.z1) {
                frames.append((scan.angle(atFrame: Double(zAbs)), scan.angle(atFrame: Double(zAbs + 1)), fsum))
            }
        }
        guard w > 10 else { return nil }
        m1 /= w; m2 /= w
        let variance = (s11 - w * (m1 * m1 + m2 * m2)) / (w - 1)
        let panel = toLab.panel
        let centre = panel.labCoordinate(pixel: (Double(sb.x0 + sb.x1) / 2, Double(sb.y0 + sb.y1) / 2))
        let pixelAngle = panel.pixelSize.fast / centre.length
        return SpotProfileStatistics(spatialVariance: variance, pixelAngle: pixelAngle,
                                     frames: frames.map { (phiA: $0.0, phiB: $0.1, counts: $0.2) },
                                     zeta: spot.frame.zeta, phi: spot.frame.phi, total: w)
    }

    /// σ_b: DIALS averages Σc·|Δ|²/(Σc−1) over spots; that is 2σ² for a
    /// circular Gaussian with σ per axis, and the pixel's own width adds
    /// (pixel angle)²/12 per axis, which is taken off here. The spots'
    /// estimates are pooled weighted by their counts (a weak spot's estimate
    /// is noisy and skewed: a plain or symmetrically trimmed mean of them is
    /// biased), leaving out those beyond 3× or below ⅓ of the median (a
    /// neighbour overlapping the spot, or a spot mostly noise).
    static func sigmaB(_ stats: [SpotProfileStatistics]) -> Double {
        let perAxis = stats.map { 0.5 * $0.spatialVariance - $0.pixelAngle * $0.pixelAngle / 12 }
        let median = perAxis.sorted()[perAxis.count / 2]
        var sum = 0.0, weight = 0.0
        for (v, s) in zip(perAxis, stats) where median > 0 && v <= 3 * median && v >= median / 3 {
            sum += s.total * v; weight += s.total
        }
        let mean = weight > 0 ? sum / weight : median
        return max(mean, 1e-12).squareRoot()
    }

    /// σ_m: the maximum-likelihood width of the rocking curves, as DIALS'
    /// "extended" estimator: each spot's per-frame fractions f_j are
    /// modelled as the share of a Gaussian of σ_m/|ζ| about the predicted φ
    /// recorded on frame j; Σ f_j log P_j(σ_m) is maximised over log σ_m by
    /// golden-section search between 0.001° and 5°.
    static func sigmaM(_ stats: [SpotProfileStatistics]) -> Double {
        let usable = stats.filter { s in s.frames.contains { $0.counts > 0 } }
        func logLikelihood(_ sigma: Double) -> Double {
            var total = 0.0
            for s in usable {
                let k = abs(s.zeta) / (sigma * 2.0.squareRoot())
                let positive = s.frames.reduce(0.0) { $0 + max($1.counts, 0) }
                guard positive > 0 else { continue }
                // Shares conditional on the frames read (a spot at the scan's end is cut).
                let ps = s.frames.map { f -> Double in
                    let lo = min(f.phiA, f.phiB), hi = max(f.phiA, f.phiB)
                    return 0.5 * (erf(k * (hi - s.phi)) - erf(k * (lo - s.phi)))
                }
                let norm = ps.reduce(0, +)
                guard norm > 1e-12 else { total += log(1e-15); continue }
                for (j, f) in s.frames.enumerated() where f.counts > 0 {
                    total += f.counts / positive * log(max(ps[j] / norm, 1e-15))
                }
            }
            return total
        }
        var a = log(0.001 * Double.pi / 180), b = log(5 * Double.pi / 180)
        let g = (5.0.squareRoot() - 1) / 2
        var x1 = b - g * (b - a), x2 = a + g * (b - a)
        var f1 = logLikelihood(exp(x1)), f2 = logLikelihood(exp(x2))
        for _ in 0..<60 {
            if f1 > f2 { b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = logLikelihood(exp(x1)) }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = logLikelihood(exp(x2)) }
        }
        return exp((a + b) / 2)
    }
}
