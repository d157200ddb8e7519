// ConnectedComponents: streaming 3-D labelling of strong pixels into spots, frame by frame.

/// One strong pixel: raw-image position, frame (array index z), counts.
public struct StrongPixel: Equatable, Sendable {
    public var x: Int32, y: Int32, z: Int32
    public var value: Int32
    public var panel: Int16
    public init(x: Int32, y: Int32, z: Int32, value: Int32, panel: Int16) {
        self.x = x; self.y = y; self.z = z; self.value = value; self.panel = panel
    }
}

/// The strong pixels of one frame: raw-image indices (y·width + x) in
/// ascending order, their counts and panels.
public struct StrongPixelFrame: Sendable {
    public var frame: Int
    public var indices: [Int32]
    public var values: [Int32]
    public var panels: [Int16]
    public init(frame: Int, indices: [Int32], values: [Int32], panels: [Int16]) {
        precondition(indices.count == values.count && values.count == panels.count)
        self.frame = frame; self.indices = indices; self.values = values; self.panels = panels
    }
}

/// Groups strong pixels into 3-D connected components with 6-connectivity
/// (left/right and up/down within a frame, same pixel on the adjacent frame),
/// as DIALS' `PixelList` labelling does for rotation scans. Frames are fed in
/// increasing order; a component is handed back as soon as the frame after
/// its last one has been added, so only the components still open are held:
/// memory is bounded by the spots crossing the current frame, not the sweep.
public struct ConnectedComponents {
    let width: Int
    /// Union–find parents over provisional labels of the open pixels.
    var parent: [Int32] = []
    /// Open pixels and their provisional labels.
    var open: [StrongPixel] = []
    var openLabel: [Int32] = []
    /// The previous frame's strong pixels (sorted indices) and labels.
    var previousFrame = -2
    var previousIndices: [Int32] = []
    var previousLabels: [Int32] = []

    public init(width: Int) { self.width = width }

    @inline(__always) mutating func find(_ a: Int32) -> Int32 {
        var a = a
        while parent[Int(a)] != a {
            let g = parent[Int(parent[Int(a)])]
            parent[Int(a)] = g
            a = g
        }
        return a
    }

    @inline(__always) mutating func union(_ a: Int32, _ b: Int32) {
        let ra = find(a), rb = find(b)
        if ra == rb { return }
        if ra < rb { parent[Int(rb)] = ra } else { parent[Int(ra)] = rb }
    }

    /// Adds one frame (frames must come in increasing order) and returns the
    /// components that can no longer grow, each as its list of pixels.
    public mutating func add(_ f: StrongPixelFrame) -> [[StrongPixel]] {
        let adjacent = f.frame == previousFrame + 1
        precondition(f.frame > previousFrame, "frames must be labelled in increasing order")
        let n = f.indices.count
        let first = Int32(parent.count)
        parent.reserveCapacity(parent.count + n)
        for i in 0..<n { parent.append(first + Int32(i)) }
        var up = 0, prev = 0
        let w = Int32(width)
        for i in 0..<n {
            let k = f.indices[i]
            let me = first + Int32(i)
            // Left neighbour: previous entry, same row, same panel.
            if i > 0, f.indices[i - 1] == k - 1, k % w != 0, f.panels[i - 1] == f.panels[i] {
                union(me, me - 1)
            }
            // Up neighbour: the entry at k − width, found by a moving pointer.
            let target = k - w
            while up < i && f.indices[up] < target { up += 1 }
            if up < i, f.indices[up] == target, f.panels[up] == f.panels[i] { union(me, first + Int32(up)) }
            // Same pixel on the previous frame.
            if adjacent {
                while prev < previousIndices.count && previousIndices[prev] < k { prev += 1 }
                if prev < previousIndices.count, previousIndices[prev] == k { union(me, previousLabels[prev]) }
            }
            open.append(StrongPixel(x: k % w, y: k / w, z: Int32(f.frame), value: f.values[i], panel: f.panels[i]))
            openLabel.append(me)
        }
        // Components with a pixel on this frame stay open; the rest are done.
        var live = Set<Int32>()
        for i in 0..<n { live.insert(find(first + Int32(i))) }
        let done = collect { !live.contains($0) }
        // Relabel what stays open compactly and remember this frame.
        var newID: [Int32: Int32] = [:]
        for i in 0..<openLabel.count {
            let r = find(openLabel[i])
            if let id = newID[r] { openLabel[i] = id } else {
                let id = Int32(newID.count); newID[r] = id; openLabel[i] = id
            }
        }
        parent = (0..<Int32(newID.count)).map { $0 }
        previousFrame = f.frame
        previousIndices = f.indices
        previousLabels = (0..<n).map { i in openLabel[openLabel.count - n + i] }
        return done
    }

    /// Closes every open component and returns them.
    public mutating func finish() -> [[StrongPixel]] {
        let done = collect { _ in true }
        parent = []; previousIndices = []; previousLabels = []
        return done
    }

    /// Removes the open pixels whose root satisfies `closed`, grouped by
    /// component in order of each component's first pixel.
    mutating func collect(_ closed: (Int32) -> Bool) -> [[StrongPixel]] {
        var groups: [Int32: Int] = [:]
        var out: [[StrongPixel]] = []
        var keepPixels: [StrongPixel] = [], keepLabels: [Int32] = []
        keepPixels.reserveCapacity(open.count); keepLabels.reserveCapacity(open.count)
        for i in 0..<open.count {
            let r = find(openLabel[i])
            if closed(r) {
                if let g = groups[r] { out[g].append(open[i]) } else { groups[r] = out.count; out.append([open[i]]) }
            } else {
                keepPixels.append(open[i]); keepLabels.append(openLabel[i])
            }
        }
        open = keepPixels; openLabel = keepLabels
        return out
    }
}
