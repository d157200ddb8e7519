// SpotCentroid: the measured position, spread and summed counts of one spot from its pixels.
import MXMath
import MXModel

/// What a spot's pixels say about it, in panel pixel coordinates (pixel
/// centres at +0.5, z = frame array index + 0.5).
public struct SpotMeasurement: Equatable, Sendable {
    public var panel: Int
    public var bbox: BoundingBox
    /// Counts-weighted mean of the pixel centres.
    public var centroid: Vec3
    /// Per-axis variance of the centroid: unbiased weighted standard error²
    /// plus 1/12 (a pixel's own width), as DIALS' `mean_sq_error`
    /// (dials/algorithms/image/centroid/centroid_points.h).
    public var centroidVariance: Vec3
    /// Summed counts and their Poisson variance.
    public var intensity: Double
    public var intensityVariance: Double
    /// Centre of the brightest pixel.
    public var peak: Vec3
    public var pixelCount: Int

    /// Measures a spot from its pixels; `panelOffset` is the panel's origin
    /// in the raw image. Pixels must belong to one panel; zero total counts
    /// gives the unweighted centre. The centroid and its variance weigh each
    /// pixel by its counts above `centroidFloor` (0 for a whole component; the
    /// saddle level for a part cut from one, `SpotSplitter`); the summed
    /// intensity is always the pixels' full counts.
    public init(pixels: [StrongPixel], panelOffset: (x: Int, y: Int), centroidFloor: Int32 = 0) {
        precondition(!pixels.isEmpty, "a spot has at least one pixel")
        let ox = Int32(panelOffset.x), oy = Int32(panelOffset.y)
        var x0 = Int32.max, x1 = Int32.min, y0 = Int32.max, y1 = Int32.min, z0 = Int32.max, z1 = Int32.min
        var sum = 0.0, sw = 0.0, sw2 = 0.0, sx = 0.0, sy = 0.0, sz = 0.0
        var best = pixels[0]
        @inline(__always) func weight(_ p: StrongPixel) -> Double {
            centroidFloor > 0 ? Double(max(0, p.value - centroidFloor)) : Double(p.value)
        }
        for p in pixels {
            let x = p.x - ox, y = p.y - oy
            x0 = min(x0, x); x1 = max(x1, x + 1); y0 = min(y0, y); y1 = max(y1, y + 1)
            z0 = min(z0, p.z); z1 = max(z1, p.z + 1)
            sum += Double(p.value)
            let v = weight(p)
            sw += v; sw2 += v * v
            sx += v * (Double(x) + 0.5); sy += v * (Double(y) + 0.5); sz += v * (Double(p.z) + 0.5)
            if p.value > best.value { best = p }
        }
        panel = Int(pixels[0].panel)
        bbox = BoundingBox(x0: x0, x1: x1, y0: y0, y1: y1, z0: z0, z1: z1)
        pixelCount = pixels.count
        intensity = sum
        intensityVariance = sum
        peak = Vec3(Double(best.x - ox) + 0.5, Double(best.y - oy) + 0.5, Double(best.z) + 0.5)
        guard sw > 0 else {
            let n = Double(pixels.count)
            var c = Vec3.zero
            for p in pixels { c += Vec3(Double(p.x - ox) + 0.5, Double(p.y - oy) + 0.5, Double(p.z) + 0.5) }
            centroid = c / n
            centroidVariance = Vec3(1.0 / 12, 1.0 / 12, 1.0 / 12)
            return
        }
        let m = Vec3(sx / sw, sy / sw, sz / sw)
        var d2 = Vec3.zero
        for p in pixels {
            let v = weight(p)
            let dx = Double(p.x - ox) + 0.5 - m.x, dy = Double(p.y - oy) + 0.5 - m.y, dz = Double(p.z) + 0.5 - m.z
            d2 += Vec3(v * dx * dx, v * dy * dy, v * dz * dz)
        }
        centroid = m
        // Unbiased weighted variance Σw·d²·Σw / ((Σw)² − Σw²), divided by Σw
        // for the standard error of the mean, plus 1/12.
        let denominator = sw * sw - sw2
        let se2 = denominator > 0 ? d2 * (1 / denominator) : Vec3.zero
        centroidVariance = se2 + Vec3(1.0 / 12, 1.0 / 12, 1.0 / 12)
    }

    /// Distance (px) between the brightest pixel and the centroid.
    public var peakCentroidSeparation: Double { (peak - centroid).length }
}

/// Converts pixel centroids to mm and radians, as DIALS' `centroid_px_to_mm`:
/// x, y through the panel's px→mm mapping (parallax included), z through
/// the scan's angle; variances scale by the squared pixel size and the squared
/// oscillation width (radians).
public func centroidMillimetres(_ px: Vec3, variance: Vec3, panel: Panel, scan: Scan?) -> (value: Vec3, variance: Vec3) {
    let mm = panel.millimetre(fromPixel: (px.x, px.y))
    let phi = scan.map { $0.angle(atFrame: px.z) } ?? 0
    let w = scan?.oscillationWidth ?? 0
    let v = Vec3(variance.x * panel.pixelSize.fast * panel.pixelSize.fast,
                 variance.y * panel.pixelSize.slow * panel.pixelSize.slow,
                 variance.z * w * w)
    return (Vec3(mm.x, mm.y, phi), v)
}
