// ResolutionBinning: resolution shells by equal reciprocal volume or equal reflection count, as cctbx's binners.
import Foundation

/// Shells in d*² = 1/d², lowest resolution first. `limits` has n+1 values of
/// d*², ascending; a value s belongs to shell i when limits[i] ≤ s < limits[i+1]
/// (the last shell includes its upper limit).
public struct ResolutionBinning: Sendable, Equatable {
    public var limits: [Double]

    public enum Method: String, Sendable, CaseIterable {
        /// Equal volume in reciprocal space: d*³ evenly spaced (cctbx `setup_binner`).
        case volume
        /// Equal numbers of distinct values per shell (cctbx `setup_binner_counting_sorted`).
        case countingSorted = "counting_sorted"
    }

    public init(limits: [Double]) { self.limits = limits }

    /// Shells covering `dStarSquared` (one value per reflection).
    public init(dStarSquared values: [Double], bins: Int, method: Method) {
        precondition(bins >= 1 && !values.isEmpty, "ResolutionBinning: need values and at least one bin")
        let lo = values.min()!, hi = values.max()!
        switch method {
        case .volume:
            let a = pow(lo, 1.5), b = pow(hi, 1.5)
            limits = (0...bins).map { pow(a + (b - a) * Double($0) / Double(bins), 2.0 / 3.0) }
        case .countingSorted:
            // Equal numbers of distinct d*² values (symmetry equivalents share
            // one), so each shell holds about as many unique reflections, as
            // cctbx's counting_sorted binner does.
            let sorted = Array(Set(values)).sorted()
            var l = [lo]
            for i in 1..<bins {
                let j = min(sorted.count - 1, Int((Double(i) * Double(sorted.count) / Double(bins)).rounded()))
                l.append(sorted[j])
            }
            l.append(hi)
            limits = l
        }
        limits[0] = lo
        limits[bins] = hi
    }

    public var count: Int { limits.count - 1 }

    /// Shell of a d*² value, or nil outside the range.
    public func bin(of s: Double) -> Int? {
        guard let first = limits.first, let last = limits.last, s >= first * (1 - 1e-9), s <= last * (1 + 1e-9) else {
            return nil
        }
        // Binary search for the last limit ≤ s.
        var lo = 0, hi = count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if limits[mid] <= s { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Low- and high-resolution d (Å) of shell i.
    public func dRange(_ i: Int) -> (dMax: Double, dMin: Double) {
        (limits[i] > 0 ? 1 / limits[i].squareRoot() : .infinity, 1 / limits[i + 1].squareRoot())
    }
}
