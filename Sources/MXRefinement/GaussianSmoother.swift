// GaussianSmoother: a parameter's value as a Gaussian-weighted average of values at equally spaced sample points.
import Foundation

/// Smooth interpolation of values held at sample points spread over a
/// coordinate range (the image-number range of a scan), in the form DIALS
/// uses for scan-varying models (after Aimless' smoothed scales).
///
/// The range is cut into `intervals` equal intervals of width `spacing`. With
/// one interval there are 2 sample points (at the range's ends), with two
/// there are 3 (ends and middle); with more there are intervals + 2, at the
/// interval centres plus one beyond each end. In the normalised coordinate
/// z = (x − x₀)/spacing sample i sits at i (≤ 3 points) or i − ½.
///
/// The value at x averages the values of the `average` (3) nearest sample
/// points with weights wᵢ = exp(−((z − zᵢ)/σ)²), σ = 0.65 + 0.05·(average − 2)
/// in units of the spacing: value = Σ wᵢ·vᵢ / Σ wᵢ, so ∂value/∂vᵢ = wᵢ/Σw.
public struct GaussianSmoother: Equatable, Sendable {
    public let x0: Double
    public let spacing: Double
    public let intervals: Int
    public let valueCount: Int
    public let average: Int
    public let sigma: Double
    /// Sample positions in the normalised coordinate.
    public let positions: [Double]

    /// - Precondition: `intervals` ≥ 1 and the range is not empty.
    public init(range: ClosedRange<Double>, intervals: Int) {
        precondition(intervals >= 1 && range.upperBound > range.lowerBound, "GaussianSmoother needs ≥ 1 interval over a non-empty range")
        x0 = range.lowerBound
        self.intervals = intervals
        let n = intervals == 1 ? 2 : intervals == 2 ? 3 : intervals + 2
        valueCount = n
        spacing = (range.upperBound - range.lowerBound) / Double(intervals)
        positions = (0..<n).map { n < 4 ? Double($0) : Double($0) - 0.5 }
        average = min(3, n)
        sigma = 0.65 + 0.05 * Double(average - 2)
    }

    /// DIALS' rule for the number of intervals of a scan of `widthDegrees`:
    /// the whole number of `intervalWidthDegrees` it holds, at least 1.
    public static func intervals(scanWidthDegrees: Double, intervalWidthDegrees: Double) -> Int {
        guard intervalWidthDegrees > 0 else { return 1 }
        return max(1, Int(abs(scanWidthDegrees) / intervalWidthDegrees))
    }

    /// The sample points contributing at x and their normalised weights
    /// wᵢ/Σw (= ∂value/∂vᵢ); they sum to 1.
    public func weights(at x: Double) -> [(index: Int, weight: Double)] {
        let z = (x - x0) / spacing
        var lo = 0, hi = valueCount
        if valueCount > 3 {
            // The `average` points around z, at least two, kept inside the array.
            lo = Int((z - Double(average) / 2).rounded(.toNearestOrAwayFromZero)) + 1
            hi = lo + average
            if lo < 0 { lo = 0; hi = max(2, hi) }
            if hi > valueCount { hi = valueCount; lo = min(lo, valueCount - 2) }
        }
        var out: [(index: Int, weight: Double)] = []
        var sum = 0.0
        for i in lo..<hi {
            let d = (z - positions[i]) / sigma
            let w = exp(-d * d)
            out.append((i, w)); sum += w
        }
        guard sum > 0 else { return [] }
        return out.map { ($0.index, $0.weight / sum) }
    }

    /// The smoothed value at x of `values` (one per sample point).
    public func value(at x: Double, _ values: [Double]) -> Double {
        weights(at: x).reduce(0) { $0 + $1.weight * values[$1.index] }
    }
}
