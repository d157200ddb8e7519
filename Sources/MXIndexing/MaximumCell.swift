// MaximumCell: the largest plausible cell edge, from nearest-neighbour distances between reciprocal-lattice points.
import MXMath

/// Estimates the longest real-space cell edge from the spacing of observed
/// reciprocal-lattice points, as DIALS' `nearest_neighbor.py` does: points
/// are grouped by 45° wedges of φ and by entering/exiting (points from
/// distant wedges interleave and would understate the spacing), each point's
/// nearest neighbour in its group gives a direct distance 1/d_NN; a histogram
/// of those (top 1 % dropped) is cut where it falls below 25 % of its peak,
/// and the edge found there is multiplied by 1.3 for safety.
public enum MaximumCell {
    /// The estimate in Å, or nil with fewer than 20 usable points.
    public static func estimate(rlp: [Vec3], phi: [Double], entering: [Bool],
                                wedge: Double = 45 * .pi / 180, multiplier: Double = 1.3) -> Double? {
        var groups: [Int: [Vec3]] = [:]
        for i in rlp.indices {
            let w = Int((phi[i] / wedge).rounded(.down))
            groups[2 * w + (entering[i] ? 1 : 0), default: []].append(rlp[i])
        }
        var direct: [Double] = []
        for (_, points) in groups where points.count >= 2 {
            for d in nearestNeighbourDistances(points) where d > 0 {
                let v = 1 / d
                if v > 1 { direct.append(v) }
            }
        }
        guard direct.count >= 20 else { return nil }
        direct.sort()
        direct.removeLast(direct.count / 100)
        let slots = max(direct.count / 5, 10)
        let lo = direct.first!, hi = direct.last!
        guard hi > lo else { return multiplier * hi }
        let width = (hi - lo) / Double(slots)
        var histogram = [Int](repeating: 0, count: slots)
        for v in direct { histogram[min(Int((v - lo) / width), slots - 1)] += 1 }
        let peak = histogram.max()!
        var last = 0
        for (i, n) in histogram.enumerated() where Double(n) > 0.25 * Double(peak) { last = i }
        return multiplier * (lo + Double(last + 1) * width)
    }

    /// Distance from each point to its nearest other point: points sorted by
    /// x, then each scans outward while |Δx| is below the best distance so far
    /// (O(n·√n) for points spread in a volume).
    static func nearestNeighbourDistances(_ points: [Vec3]) -> [Double] {
        let sorted = points.sorted { $0.x < $1.x }
        let n = sorted.count
        var out = [Double](repeating: .infinity, count: n)
        for i in 0..<n {
            var best = Double.infinity
            let p = sorted[i]
            var j = i + 1
            while j < n {
                let dx = sorted[j].x - p.x
                if dx * dx >= best { break }
                let d2 = (sorted[j] - p).lengthSquared
                if d2 < best && d2 > 0 { best = d2 }
                j += 1
            }
            j = i - 1
            while j >= 0 {
                let dx = p.x - sorted[j].x
                if dx * dx >= best { break }
                let d2 = (sorted[j] - p).lengthSquared
                if d2 < best && d2 > 0 { best = d2 }
                j -= 1
            }
            out[i] = best.squareRoot()
        }
        return out.filter { $0.isFinite }
    }
}
