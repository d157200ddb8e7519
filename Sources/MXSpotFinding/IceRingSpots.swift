// IceRingSpots: the bands of resolution where strong spots pile up on ice rings.
import MXModel

/// Strong ice rings put spots of their own into a spot list: the
/// dispersion threshold flags the steep flanks of a ring a few pixels wide
/// (on a simulated ring 60 counts high, a third of 18 000 spots). They index
/// on no lattice and lower the indexed fraction. A band around an ice
/// spacing where spots are far denser than just beside it holds them.
public enum IceRingSpots {
    public struct Band: Sendable, Equatable {
        /// The ice spacing (Å).
        public var d: Double
        /// The band in 1/d² (Å⁻²).
        public var low: Double, high: Double
        /// Spots in the band, and their density over that beside it.
        public var spots: Int
        public var excess: Double
    }

    /// Bands around each ice spacing of `IceRings` with spots in excess:
    /// spots are counted in bins of `bin` in 1/d² within ±`reach` of the
    /// spacing (less than half the 0.008 Å⁻² between the 3.90, 3.67 and
    /// 3.44 Å rings); a bin is in excess when it holds more than `factor`× the
    /// median bin 0.010–0.015 Å⁻² either side, plus 5; the band spans the
    /// excess bins. Bands are returned only when at least `minRings` spacings
    /// have one: ice shows several rings at once, while a crystal's own
    /// reflections can crowd one spacing by chance (a cubic cell's shells).
    /// - Parameter dStarSquared: 1/d² of each spot (Å⁻²).
    public static func bands(dStarSquared: [Double], bin: Double = 0.0005, reach: Double = 0.004,
                             factor: Double = 3, minRings: Int = 2) -> [Band] {
        let sorted = dStarSquared.filter { $0.isFinite }.sorted()
        func count(_ lo: Double, _ hi: Double) -> Int { lowerBound(sorted, hi) - lowerBound(sorted, lo) }
        var bands: [Band] = []
        for d in IceRings.spacings {
            let c = 1 / (d * d)
            var beside: [Int] = []
            for side in [-1.0, 1.0] {
                var x = 0.010
                while x < 0.015 - 1e-12 {
                    let a = c + side * x, b = c + side * (x + bin)
                    beside.append(count(min(a, b), max(a, b))); x += bin
                }
            }
            let baseline = Double(beside.sorted()[beside.count / 2])
            let bins = Int((2 * reach / bin).rounded())
            var low = Double.infinity, high = -Double.infinity, inBand = 0
            for k in 0..<bins {
                let a = c - reach + Double(k) * bin, b = a + bin
                let n = count(a, b)
                if Double(n) > factor * baseline + 5 { low = min(low, a); high = max(high, b) }
            }
            guard low < high else { continue }
            inBand = count(low, high)
            let expected = max(baseline, 0.5) * (high - low) / bin
            bands.append(Band(d: d, low: low, high: high, spots: inBand, excess: Double(inBand) / expected))
        }
        return bands.count >= minRings ? bands : []
    }

    /// The index of the first element of ascending `values` not below `x`.
    private static func lowerBound(_ values: [Double], _ x: Double) -> Int {
        var lo = 0, hi = values.count
        while lo < hi { let m = (lo + hi) / 2; if values[m] < x { lo = m + 1 } else { hi = m } }
        return lo
    }
}
