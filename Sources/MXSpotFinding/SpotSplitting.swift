// SpotSplitting: one connected component of strong pixels cut into its separate peaks.

/// A spot cut from a component, or the whole component.
public struct SpotPart: Equatable, Sendable {
    public var pixels: [StrongPixel]
    /// Counts at or below this level are left out of the centroid (0: the whole component).
    public var floor: Int32
}

/// Cuts a connected component that holds two or more peaks into one spot per
/// peak, as a watershed by persistence: pixels are taken from the brightest
/// down, each joining the basin of its brightest already-taken neighbour
/// (26-connected). Where a pixel touches two basins it is their saddle; the
/// lower basin stays apart only if its peak stands `sigmas` Poisson σ above
/// that saddle (peak − saddle > sigmas·√(peak + saddle)), otherwise it merges
/// into the higher one. Parts smaller than `minSpotSize` go to the part they
/// touch; a component left with one part is returned whole.
///
/// Each part carries the highest saddle it shares with another (`floor`):
/// its centroid is measured on counts above that level, where the other
/// spot's tail hardly reaches (a hard cut alone pulls the centroids of two
/// spots 4 px apart ~0.7 px towards each other).
///
/// Why: spots of two reflections a few pixels or images apart (a split
/// crystal's domains, a long cell axis) touch, and one centroid between them
/// matches neither. DIALS labels them as one spot (`split_sigma=None` keeps
/// that). A single spot's Poisson noise rarely makes a 3σ dip between two maxima.
///
/// Holds scratch space reused from one component to the next: one splitter per thread.
public final class SpotSplitter {
    public let sigmas: Double
    public let minSpotSize: Int
    /// Components with more pixels are returned whole (they fail the size filter anyway).
    public let maxPixels: Int

    /// Pixel number + 1 at each cell of the component's bounding box padded by
    /// one cell each side (0: no pixel), so the 26 neighbours need no bounds test.
    private var grid: [Int32] = []
    private var cells: [Int] = []
    /// Grid steps to the 26 neighbours, for the current grid's dimensions.
    private var offsets: [Int] = []
    private var parent: [Int32] = [], peak: [Int32] = [], saddle: [Int32] = [], label: [Int32] = []

    public init(sigmas: Double, minSpotSize: Int, maxPixels: Int) {
        self.sigmas = sigmas; self.minSpotSize = max(1, minSpotSize); self.maxPixels = maxPixels
    }

    /// The component's pixels as one or more spots (pixels keep their order within each).
    public func split(_ pixels: [StrongPixel]) -> [SpotPart] {
        let whole = [SpotPart(pixels: pixels, floor: 0)]
        let n = pixels.count
        guard n >= 2 * minSpotSize, n <= maxPixels else { return whole }
        var x0 = Int32.max, x1 = Int32.min, y0 = Int32.max, y1 = Int32.min, z0 = Int32.max, z1 = Int32.min
        for p in pixels {
            x0 = min(x0, p.x); x1 = max(x1, p.x); y0 = min(y0, p.y); y1 = max(y1, p.y)
            z0 = min(z0, p.z); z1 = max(z1, p.z)
        }
        let nx = Int(x1 - x0) + 3, ny = Int(y1 - y0) + 3, nz = Int(z1 - z0) + 3
        let volume = nx * ny * nz
        // Very elongated components would need a sparse grid; they stay whole.
        guard volume <= 64 * n + 4096 else { return whole }
        if grid.count < volume { grid = [Int32](repeating: 0, count: volume) }
        offsets.removeAll(keepingCapacity: true)
        for dz in -1...1 { for dy in -1...1 { for dx in -1...1 where dx != 0 || dy != 0 || dz != 0 {
            offsets.append((dz * ny + dy) * nx + dx)
        } } }
        cells.removeAll(keepingCapacity: true)
        for (i, p) in pixels.enumerated() {
            let c = (Int(p.z - z0 + 1) * ny + Int(p.y - y0 + 1)) * nx + Int(p.x - x0 + 1)
            cells.append(c)
            grid[c] = Int32(i + 1)
        }
        defer { for c in cells { grid[c] = 0 } }

        let offsets = self.offsets
        return grid.withUnsafeBufferPointer { g in
            // Most spots have one maximum (ties go to the earlier pixel): nothing to cut.
            var maxima = 0
            for i in 0..<n {
                let v = pixels[i].value, c = cells[i]
                var isMax = true
                for o in offsets {
                    let j = Int(g[c + o]) - 1
                    if j >= 0 && (pixels[j].value > v || (pixels[j].value == v && j < i)) { isMax = false; break }
                }
                if isMax { maxima += 1; if maxima > 1 { break } }
            }
            guard maxima > 1 else { return whole }
            return watershed(pixels, g)
        }
    }

    private func watershed(_ pixels: [StrongPixel], _ g: UnsafeBufferPointer<Int32>) -> [SpotPart] {
        let n = pixels.count, offsets = self.offsets
        parent = [Int32](repeating: -1, count: n)   // -1: not yet taken
        peak = [Int32](repeating: 0, count: n)      // at roots: the basin's brightest value
        saddle = [Int32](repeating: 0, count: n)    // at roots: the highest saddle kept as a boundary
        func root(_ a: Int32) -> Int32 {
            var a = a
            while parent[Int(a)] != a { parent[Int(a)] = parent[Int(parent[Int(a)])]; a = parent[Int(a)] }
            return a
        }
        // Brightest first; ties in pixel order, so the result never depends on sorting.
        let order = pixels.indices.sorted { a, b in
            pixels[a].value != pixels[b].value ? pixels[a].value > pixels[b].value : a < b
        }
        var roots: [Int32] = []
        for i in order {
            let value = pixels[i].value, c = cells[i]
            roots.removeAll(keepingCapacity: true)
            for o in offsets {
                let j = g[c + o] - 1
                if j >= 0 && parent[Int(j)] >= 0 {
                    let r = root(j)
                    if !roots.contains(r) { roots.append(r) }
                }
            }
            guard !roots.isEmpty else {
                parent[i] = Int32(i); peak[i] = value
                continue
            }
            roots.sort { peak[Int($0)] != peak[Int($1)] ? peak[Int($0)] > peak[Int($1)] : $0 < $1 }
            let top = roots[0], level = Double(value)
            for r in roots.dropFirst() {
                let lower = Double(peak[Int(r)])
                if lower - level > sigmas * (lower + level).squareRoot() {
                    // Pixels come brightest first, so the first saddle a basin meets is its highest.
                    if saddle[Int(r)] == 0 { saddle[Int(r)] = value }
                    if saddle[Int(top)] == 0 { saddle[Int(top)] = value }
                    continue
                }
                parent[Int(r)] = top
            }
            parent[i] = top
        }

        // Basins big enough to be spots, in order of their roots; the pixels of the
        // others go to the big basin that reaches them first, spreading out from the
        // big basins' pixels.
        var size = [Int](repeating: 0, count: n)
        for i in 0..<n { size[Int(root(Int32(i)))] += 1 }
        label = [Int32](repeating: -1, count: n)
        var big: [Int32] = []
        for r in 0..<n where size[r] >= minSpotSize && parent[r] == Int32(r) {
            label[r] = Int32(big.count); big.append(Int32(r))
        }
        guard big.count >= 2 else { return [SpotPart(pixels: pixels, floor: 0)] }
        var queue: [Int] = []
        queue.reserveCapacity(n)
        for i in 0..<n {
            let r = Int(root(Int32(i)))
            if size[r] >= minSpotSize { label[i] = label[r]; queue.append(i) }
        }
        var head = 0
        while head < queue.count {
            let i = queue[head]; head += 1
            for o in offsets {
                let j = Int(g[cells[i] + o]) - 1
                if j >= 0 && label[j] < 0 { label[j] = label[i]; queue.append(j) }
            }
        }
        var parts = big.map { SpotPart(pixels: [], floor: saddle[Int($0)]) }
        for i in 0..<n { parts[Int(label[i])].pixels.append(pixels[i]) }
        return parts
    }
}
