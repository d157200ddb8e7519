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
    /// (indices and weights of the parameters that contribute). Called for
    /// every observation in every cycle of scaling, so it allocates nothing.
    public func weights(at x: Double) -> InterpolationWeights {
        var out = InterpolationWeights()
        var total = 0.0
        // Positions are positions[0] + j exactly (init), so only j near x − positions[0] can be within the
        // cutoff; the test below still decides, as for every position before.
        let n = positions.count, u = x - positions[0]
        let first = u.isFinite ? Int(min(max(u - Self.cutoff - 1, 0), Double(n))) : 0
        let last = u.isFinite ? Int(min(max(u + Self.cutoff + 1, 0), Double(n - 1))) : n - 1
        var j = first
        while j <= last {
            let d = x - positions[j]
            if abs(d) <= Self.cutoff {
                let w = exp(-d * d / (2 * Self.sigma * Self.sigma))
                out.append(j, w); total += w
            }
            j += 1
        }
        if total == 0 {  // outside the scan: nearest end
            out = InterpolationWeights()
            out.append(x < positions[0] ? 0 : positions.count - 1, 1)
            return out
        }
        out.divide(by: total)
        return out
    }

    /// The value at normalised coordinate `x`.
    public func value(at x: Double) -> Double {
        weights(at: x).reduce(0) { $0 + $1.weight * parameters[$1.index] }
    }
}

/// The (index, weight) pairs of one read-out of a `SmoothRotationFunction`:
/// consecutive indices from `first` (the positions within the Gaussian's
/// cutoff of a point form one run), their weights held inline. Positions are
/// one interval apart and only those within 2.5 intervals count, so there are
/// at most six.
public struct InterpolationWeights: RandomAccessCollection, Sendable {
    public static let capacity = 8
    private var first = 0
    // A tuple rather than SIMD8: single lanes written one at a time stall on reloading the vector.
    private var weights_: (Double, Double, Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0, 0, 0)
    public private(set) var count = 0

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(i: Int) -> (index: Int, weight: Double) {
        precondition(i >= 0 && i < count, "interpolation weight \(i) of \(count)")
        return (first + i, withUnsafeBytes(of: weights_) { $0.load(fromByteOffset: 8 * i, as: Double.self) })
    }

    mutating func append(_ index: Int, _ weight: Double) {
        precondition(count < Self.capacity, "more than \(Self.capacity) positions within the Gaussian's cutoff")
        if count == 0 { first = index }
        precondition(index == first + count, "interpolation positions must be consecutive")
        let k = count
        withUnsafeMutableBytes(of: &weights_) { $0.storeBytes(of: weight, toByteOffset: 8 * k, as: Double.self) }
        count += 1
    }

    mutating func divide(by total: Double) {
        let n = count
        withUnsafeMutableBytes(of: &weights_) { w in
            for k in 0..<n { w.storeBytes(of: w.load(fromByteOffset: 8 * k, as: Double.self) / total, toByteOffset: 8 * k, as: Double.self) }
        }
    }
}
