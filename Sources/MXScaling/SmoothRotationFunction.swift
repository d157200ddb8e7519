// SmoothRotationFunction: a parameter series over the rotation angle, read out by Gaussian-weighted interpolation.

import Foundation

/// A quantity that varies smoothly with rotation (scale, relative B): values
/// at evenly spaced positions along the scan, read at a rotation by a
/// normalised Gaussian-weighted average of the nearby values, as DIALS'
/// physical model does (Beilsten-Edmands et al. 2020, Acta D76, 385).
/// The read-out is linear in the parameters, so ∂f/∂pⱼ = wⱼ/Σw.
public struct SmoothRotationFunction: Sendable, Equatable {
    /// Values at the positions.
    public var parameters: [Double]
    /// Width of one interval, degrees.
    public var intervalDegrees: Double
    /// Rotation (degrees) where the normalised coordinate is 0.
    public var startDegrees: Double
    /// Normalised coordinate of each parameter position.
    public var positions: [Double]

    /// Gaussian width in intervals: neighbours one interval away weigh e^(−1/(2·0.5²)) ≈ 0.14.
    static let sigma = 0.5
    /// Positions further than this many intervals away are ignored (weight < 1e-5).
    static let cutoff = 2.5

    /// Parameters spread over `rangeDegrees` starting at `startDegrees`: a
    /// scan no longer than one interval gets two (its ends); a longer one
    /// gets ⌊range/interval⌋ + 1 intervals of equal width and a parameter at
    /// each interval's centre plus one beyond each end (DIALS' count).
    public init(startDegrees: Double, rangeDegrees: Double, intervalDegrees requested: Double, value: Double) {
        let range = max(rangeDegrees, 1e-6)
        let interval = requested + 1e-5
        self.startDegrees = startDegrees
        if range <= interval {
            intervalDegrees = range
            positions = [0, 1]
        } else if range < 2 * interval {
            intervalDegrees = range / 2
            positions = [0, 1, 2]
        } else {
            let bins = max(Int(range / interval) + 1, 3)
            intervalDegrees = range / Double(bins)
            positions = (0..<(bins + 2)).map { Double($0) - 0.5 }
        }
        parameters = Array(repeating: value, count: positions.count)
    }

    public var count: Int { parameters.count }

    /// The normalised coordinate of a rotation angle in degrees.
    @inlinable public func coordinate(degrees: Double) -> Double { (degrees - startDegrees) / intervalDegrees }

    /// The interpolation weights wⱼ/Σw at normalised coordinate `x`
    /// (indices and weights of the parameters that contribute).
    public func weights(at x: Double) -> [(index: Int, weight: Double)] {
        var out: [(Int, Double)] = []
        var total = 0.0
        for (j, p) in positions.enumerated() {
            let d = x - p
            guard abs(d) <= Self.cutoff else { continue }
            let w = exp(-d * d / (2 * Self.sigma * Self.sigma))
            out.append((j, w)); total += w
        }
        if total == 0 {  // outside the scan: nearest end
            let j = x < positions[0] ? 0 : positions.count - 1
            return [(j, 1)]
        }
        return out.map { ($0.0, $0.1 / total) }
    }

    /// The value at normalised coordinate `x`.
    public func value(at x: Double) -> Double {
        weights(at: x).reduce(0) { $0 + $1.weight * parameters[$1.index] }
    }
}
