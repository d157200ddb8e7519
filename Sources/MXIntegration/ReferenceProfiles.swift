// ReferenceProfiles: profiles learnt from strong reflections on a Kabsch-frame grid, per detector region and scan block.
import Foundation
import MXMath
import MXModel

/// The grid reference profiles live on: `size` = 2n+1 points per axis over
/// ±`halfWidth` σ in c₁/σ_b, c₂/σ_b and c₃/σ_m (DIALS' gaussian_rs fitting
/// grid: n = grid_size 5, half-width 1.5·n_σ). Values are densities at cell
/// centres, index (k₃·size + k₂)·size + k₁.
public struct ReferenceGrid: Sendable, Equatable {
    public let size: Int
    public let halfWidth: Double
    public let sigmaB: Double
    public let sigmaM: Double

    public init(gridSize n: Int = 5, halfWidthSigma: Double, sigmaB: Double, sigmaM: Double) {
        size = 2 * n + 1; halfWidth = halfWidthSigma; self.sigmaB = sigmaB; self.sigmaM = sigmaM
    }
    public var count: Int { size * size * size }
    /// Cell width in σ.
    public var step: Double { 2 * halfWidth / Double(size) }
    /// Continuous grid coordinate (cell centres at 0…size−1) of c₁ or c₂ (radians).
    func u(divergence c: Double) -> Double { (c / sigmaB + halfWidth) / step - 0.5 }
    /// Grid coordinate of the lower edge of cell 0 along c₃ is −0.5; this maps c₃ (radians) the same way.
    func u(rotation c: Double) -> Double { (c / sigmaM + halfWidth) / step - 0.5 }

    /// Bilinear weights of a point (u₁, u₂) on the four neighbouring cells of one layer, or nil outside the grid.
    func bilinear(_ u1: Double, _ u2: Double) -> (i: Int, j: Int, w: (Double, Double, Double, Double))? {
        guard u1 > -1, u2 > -1, u1 < Double(size), u2 < Double(size) else { return nil }
        let i = Int(u1.rounded(.down)), j = Int(u2.rounded(.down))
        let fx = u1 - Double(i), fy = u2 - Double(j)
        return (i, j, ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy))
    }

    /// The share of each c₃ layer covered by the interval [a, b] (grid units): overlap with cell k's [k−½, k+½].
    func layerOverlaps(_ a: Double, _ b: Double) -> [(k: Int, overlap: Double)] {
        let lo = min(a, b), hi = max(a, b)
        var out: [(Int, Double)] = []
        let k0 = max(0, Int((lo + 0.5).rounded(.down))), k1 = min(size - 1, Int((hi + 0.5).rounded(.down)))
        guard k0 <= k1 else { return [] }
        for k in k0...k1 {
            let o = min(hi, Double(k) + 0.5) - max(lo, Double(k) - 0.5)
            if o > 0 { out.append((k, o)) }
        }
        return out
    }
}

/// Where reference profiles are held: a grid of regions over the detector
/// (3 × 3 on a single-panel detector, DIALS' regular_grid; one region on a
/// multi-panel detector) times scan blocks of `scanStep` (DIALS 5°).
public struct ProfileRegions: Sendable, Equatable {
    public let nx: Int, ny: Int, nz: Int
    public let width: Double, height: Double
    public let z0: Double, depth: Double

    public init(detector: Detector, scan: Scan, scanStepDegrees: Double = 5) {
        let single = detector.panels.count == 1
        nx = single ? 3 : 1; ny = single ? 3 : 1
        width = Double(detector.panels[0].imageSize.fast); height = Double(detector.panels[0].imageSize.slow)
        let range = scan.arrayRange
        z0 = Double(range.lowerBound); depth = Double(range.count)
        let degrees = abs(scan.oscillationWidthDegrees) * depth
        nz = max(1, Int((degrees / scanStepDegrees).rounded(.up)))
    }
    public var count: Int { nx * ny * nz }
    /// Region coordinates in units of region spacing (centres at integers).
    func grid(_ x: Double, _ y: Double, _ z: Double) -> (Double, Double, Double) {
        (x / width * Double(nx) - 0.5, y / height * Double(ny) - 0.5, (z - z0) / depth * Double(nz) - 0.5)
    }
    func index(_ i: Int, _ j: Int, _ k: Int) -> Int { (k * ny + j) * nx + i }
    /// The scan block of region `r`.
    public func block(_ r: Int) -> Int { r / (nx * ny) }
    /// Last frame coordinate (exclusive) of scan block k.
    public func blockEnd(_ k: Int) -> Double { z0 + depth * Double(k + 1) / Double(nz) }

    /// The region nearest to (x, y, z) px/frame (multi-panel: the scan block only).
    public func nearest(x: Double, y: Double, z: Double) -> Int {
        let (gx, gy, gz) = grid(x, y, z)
        func clamp(_ v: Double, _ n: Int) -> Int { min(n - 1, max(0, Int(v.rounded()))) }
        return index(clamp(gx, nx), clamp(gy, ny), clamp(gz, nz))
    }
}

/// Accumulates normalised, background-subtracted reference shoeboxes into
/// the profiles of their nearest regions (thread-safe: shoeboxes finish on
/// several threads), then finalises each region's profile from its own and
/// its neighbours' sums: negatives clipped, summed to 1, or none when fewer
/// than `minReferences` references have it as their nearest region
/// (integration then fits the Gaussian model there).
public final class ReferenceProfileLearner: @unchecked Sendable {
    public let grid: ReferenceGrid
    public let regions: ProfileRegions
    public let minReferences: Int
    /// Per region, its running sum (a box each, so threads holding different region locks touch different storage).
    private final class Sum { var values: [Double] = []; var count = 0 }
    private let sums: [Sum]
    /// Final profiles in single precision: they are held through integration, a region each (about
    /// 27 kB at 19³), and their values, normalised to 1, need no more digits.
    private var finals: [[Float]?]
    private var finalised: [Bool]
    private let lock = NSLock()
    /// One lock per region for the sums, so that threads adding references to different regions do not wait.
    private let regionLocks: [NSLock]

    public init(grid: ReferenceGrid, regions: ProfileRegions, minReferences: Int = 10) {
        self.grid = grid; self.regions = regions; self.minReferences = minReferences
        sums = (0..<regions.count).map { _ in Sum() }
        finals = [[Float]?](repeating: nil, count: regions.count)
        finalised = [Bool](repeating: false, count: regions.count)
        regionLocks = (0..<regions.count).map { _ in NSLock() }
    }

    /// Adds one reference profile (any scale; normalised here) observed at (x, y, z) to its nearest region.
    public func add(_ profile: [Double], x: Double, y: Double, z: Double) {
        precondition(profile.count == grid.count)
        let total = profile.reduce(0, +)
        guard total > 0, total.isFinite else { return }
        let r = regions.nearest(x: x, y: y, z: z)
        let f = 1 / total
        regionLocks[r].lock(); defer { regionLocks[r].unlock() }
        let box = sums[r]
        box.count += 1
        if box.values.isEmpty { box.values = [Double](repeating: 0, count: grid.count) }
        box.values.withUnsafeMutableBufferPointer { sum in
            profile.withUnsafeBufferPointer { p in for k in 0..<p.count { sum[k] += f * p[k] } }
        }
    }

    /// Finalises every region of scan blocks ≤ `block` not yet final: its
    /// own references plus its neighbours' (one region step away along any
    /// axis, DIALS' grid sampler neighbours) at weight exp(−4 ln2) = 1/16, so
    /// profiles vary smoothly between regions. Needs the references of block + 1 complete.
    public func finalise(throughBlock block: Int) {
        lock.lock(); defer { lock.unlock() }
        let plane = regions.nx * regions.ny
        for r in 0..<regions.count where !finalised[r] && regions.block(r) <= block {
            finalised[r] = true
            guard sums[r].count >= minReferences else { continue }
            let i = r % regions.nx, j = (r / regions.nx) % regions.ny, k = r / plane
            var p = [Double](repeating: 0, count: grid.count)
            let around = [(0, 0, 0, 1.0), (-1, 0, 0, 0.0625), (1, 0, 0, 0.0625), (0, -1, 0, 0.0625), (0, 1, 0, 0.0625),
                          (0, 0, -1, 0.0625), (0, 0, 1, 0.0625)]
            for (di, dj, dk, w) in around {
                let a = i + di, b = j + dj, c = k + dk
                guard a >= 0, b >= 0, c >= 0, a < regions.nx, b < regions.ny, c < regions.nz else { continue }
                let other = sums[regions.index(a, b, c)]
                guard !other.values.isEmpty else { continue }
                for m in p.indices { p[m] += w * other.values[m] }
            }
            for m in p.indices { p[m] = max(p[m], 0) }
            let s = p.reduce(0, +)
            if s > 0 { finals[r] = p.map { Float($0 / s) } }
        }
        // Sums of blocks before `block` are no longer needed (block + 1 reads only block's).
        for r in 0..<regions.count where regions.block(r) < block { sums[r].values = [] }
    }

    /// The final profile of region `r`, nil while it is open or where it has too few references.
    public func profile(region r: Int) -> [Float]? {
        lock.lock(); defer { lock.unlock() }
        return finalised[r] ? finals[r] : nil
    }
    /// References whose nearest region is `r`.
    public func referenceCount(region r: Int) -> Int {
        regionLocks[r].lock(); defer { regionLocks[r].unlock() }; return sums[r].count
    }
    public var totalReferences: Int { (0..<regions.count).reduce(0) { $0 + referenceCount(region: $1) } }
}
