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
    /// Open pixels and their provisional labels, in the order they were added.
    var open: [StrongPixel] = []
    var openLabel: [Int32] = []
    /// The previous frame's strong pixels (sorted indices) and labels.
    var previousFrame = -2
    var previousIndices: [Int32] = []
    var previousLabels: [Int32] = []
    /// Per-label scratch, reused from frame to frame: labels are dense
    /// (0..<parent.count), so arrays replace hashing.
    var slot: [Int32] = []
    var newID: [Int32] = []
    var groupSize: [Int] = []
    var scattered: [StrongPixel] = []

    /// `slot` marks for a root: untouched, or with a pixel on the newest frame.
    static let unseen: Int32 = -1, live: Int32 = -2

    public init(width: Int) { self.width = width }

    /// The root of `a`'s set, halving the path on the way.
    @inline(__always) static func find(_ parent: UnsafeMutableBufferPointer<Int32>, _ a: Int32) -> Int32 {
        var a = a
        while parent[Int(a)] != a {
            let g = parent[Int(parent[Int(a)])]
            parent[Int(a)] = g
            a = g
        }
        return a
    }

    /// Joins the sets of `a` and `b` under the smaller root.
    @inline(__always) static func union(_ parent: UnsafeMutableBufferPointer<Int32>, _ a: Int32, _ b: Int32) {
        let ra = find(parent, a), rb = find(parent, b)
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
        let w = Int32(width), z = Int32(f.frame)
        let previousIndices = self.previousIndices, previousLabels = self.previousLabels
        f.indices.withUnsafeBufferPointer { idx in
            f.panels.withUnsafeBufferPointer { pan in
                previousIndices.withUnsafeBufferPointer { pIdx in
                    previousLabels.withUnsafeBufferPointer { pLab in
                        parent.withUnsafeMutableBufferPointer { par in
                            var up = 0, prev = 0
                            for i in 0..<n {
                                let k = idx[i]
                                let me = first + Int32(i)
                                // Left neighbour: previous entry, same row, same panel.
                                if i > 0, idx[i - 1] == k - 1, k % w != 0, pan[i - 1] == pan[i] {
                                    Self.union(par, me, me - 1)
                                }
                                // Up neighbour: the entry at k − width, found by a moving pointer.
                                let target = k - w
                                while up < i && idx[up] < target { up += 1 }
                                if up < i, idx[up] == target, pan[up] == pan[i] { Self.union(par, me, first + Int32(up)) }
                                // Same pixel on the previous frame.
                                if adjacent {
                                    while prev < pIdx.count && pIdx[prev] < k { prev += 1 }
                                    if prev < pIdx.count, pIdx[prev] == k { Self.union(par, me, pLab[prev]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        open.reserveCapacity(open.count + n); openLabel.reserveCapacity(openLabel.count + n)
        for i in 0..<n {
            let k = f.indices[i]
            open.append(StrongPixel(x: k % w, y: k / w, z: z, value: f.values[i], panel: f.panels[i]))
            openLabel.append(first + Int32(i))
        }
        // Components with a pixel on this frame stay open; the rest are done.
        resolveRoots()
        let total = openLabel.count
        for i in (total - n)..<total { slot[Int(openLabel[i])] = Self.live }
        let done = collectClosed()
        // Relabel what stays open compactly (0, 1, … by first pixel) and remember this frame.
        newID.removeAll(keepingCapacity: true)
        newID.append(contentsOf: repeatElement(-1, count: parent.count))
        var next: Int32 = 0
        newID.withUnsafeMutableBufferPointer { ids in
            openLabel.withUnsafeMutableBufferPointer { labels in
                for i in 0..<labels.count {
                    let r = Int(labels[i])
                    if ids[r] < 0 { ids[r] = next; next += 1 }
                    labels[i] = ids[r]
                }
            }
        }
        parent.removeAll(keepingCapacity: true)
        for i in 0..<next { parent.append(i) }
        previousFrame = f.frame
        self.previousIndices = f.indices
        self.previousLabels.removeAll(keepingCapacity: true)
        self.previousLabels.append(contentsOf: openLabel[(openLabel.count - n)...])
        return done
    }

    /// Closes every open component and returns them.
    public mutating func finish() -> [[StrongPixel]] {
        resolveRoots()
        let done = collectClosed()
        parent = []; previousIndices = []; previousLabels = []
        slot = []; newID = []; groupSize = []; scattered = []
        return done
    }

    /// Replaces every open pixel's label by its component's root and clears
    /// `slot` to `unseen` over all labels.
    mutating func resolveRoots() {
        parent.withUnsafeMutableBufferPointer { par in
            openLabel.withUnsafeMutableBufferPointer { labels in
                for i in 0..<labels.count { labels[i] = Self.find(par, labels[i]) }
            }
        }
        slot.removeAll(keepingCapacity: true)
        slot.append(contentsOf: repeatElement(Self.unseen, count: parent.count))
    }

    /// Removes the open pixels whose root is not marked `live` in `slot`,
    /// grouped by component in order of each component's first pixel, each
    /// group's pixels in the order they were added; the live ones stay, in order.
    mutating func collectClosed() -> [[StrongPixel]] {
        // Number the closed components by first pixel and count their pixels.
        groupSize.removeAll(keepingCapacity: true)
        for i in 0..<openLabel.count {
            let r = Int(openLabel[i])
            let s = slot[r]
            if s == Self.live { continue }
            if s == Self.unseen { slot[r] = Int32(groupSize.count); groupSize.append(1) } else { groupSize[Int(s)] += 1 }
        }
        if groupSize.isEmpty { return [] }
        // Scatter closed pixels to their group's run in one flat buffer
        // (groupSize becomes each run's write position), keep the live ones in place.
        var offset = 0
        for g in 0..<groupSize.count { let c = groupSize[g]; groupSize[g] = offset; offset += c }
        let closedCount = offset
        scattered.removeAll(keepingCapacity: true)
        scattered.append(contentsOf: repeatElement(StrongPixel(x: 0, y: 0, z: 0, value: 0, panel: 0), count: closedCount))
        var kept = 0
        open.withUnsafeMutableBufferPointer { pixels in
            openLabel.withUnsafeMutableBufferPointer { labels in
                slot.withUnsafeBufferPointer { slot in
                    groupSize.withUnsafeMutableBufferPointer { position in
                        scattered.withUnsafeMutableBufferPointer { scattered in
                            for i in 0..<labels.count {
                                let r = labels[i]
                                let s = slot[Int(r)]
                                if s == Self.live {
                                    pixels[kept] = pixels[i]; labels[kept] = r; kept += 1
                                } else {
                                    scattered[position[Int(s)]] = pixels[i]; position[Int(s)] += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        open.removeLast(open.count - kept); openLabel.removeLast(openLabel.count - kept)
        // groupSize now holds each run's end.
        var out: [[StrongPixel]] = []
        out.reserveCapacity(groupSize.count)
        var start = 0
        for g in 0..<groupSize.count {
            let end = groupSize[g]
            out.append(Array(scattered[start..<end]))
            start = end
        }
        return out
    }
}
