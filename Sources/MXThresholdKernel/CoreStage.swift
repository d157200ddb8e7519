// CoreStage: dispersion_extended's erosion and cores' test, row by row behind the background pass.

/// The second half of dispersion_extended, fed one row at a time by the
/// background pass: each row's dispersive pixels arrive as bits; the stage
/// erodes them, and a few rows later, once every core of a core's wider
/// window is known, tests each core against the mean of that window with
/// the cores taken out.
///
/// Same decisions as DIALS' erosion and extended test:
/// - a core is a dispersive pixel whose every neighbour within Chebyshev
///   `radius` is dispersive, pixels beyond the panel's left and right ends
///   counting as dispersive and rows beyond its top and bottom left out;
/// - the wider window is the local window plus 2 pixels each side, clipped to
///   the panel; its count comes from the static plan, less the pixels that
///   dropped out this frame and the cores in sums (below 2^24);
/// - strong = core ∧ I > t ∧ I ≥ m + σ_s·sqrt(g·m).
///
/// It works on the pass's ring of classified rows, which therefore also
/// holds the wider window's rows `lag` rows back (`BackgroundPass.ringRows`). Row y's cores are known
/// after row y + radius; row y is tested after row y + radius + wide.y.
public final class CoreStage {
    public let width: Int, height: Int
    /// Erosion radius, and half-sizes of the wider window (unclipped).
    public let radius: Int, wide: (x: Int, y: Int)
    /// Words per row of bits, and the stride with one padding word each side.
    let words: Int, stride: Int
    /// The current row's dispersive pixels: bit x of word 1 + x/64 (words 0
    /// and `words + 1` stay all ones: beyond the ends counts as dispersive).
    @usableFromInline let dispersive: UnsafeMutablePointer<UInt64>
    /// Rings of eroded rows (2·radius + 1) and of core rows (2·wide.y + 2).
    let eroded: UnsafeMutablePointer<UInt64>, cores: UnsafeMutablePointer<UInt64>
    let erodedRows: Int, coreRows: Int
    /// Bits of the last word at or beyond the panel's width.
    let tail: UInt64
    /// Per column, over the wider window's rows of the row under test: Σv of
    /// the classified values (below 2^31: at most 2·wide.y + 1 values < 2^24)
    /// and the pixels dropped this frame; moved down a row at a time by
    /// `moveWindow`, inlined into the background pass (so into its AVX2 copy).
    @usableFromInline let wideSum: UnsafeMutablePointer<Int32>, wideDropped: UnsafeMutablePointer<Int32>
    /// Rows [valueTop, valueBottom] in those totals, and how many of them lost pixels this frame.
    @usableFromInline @exclusivity(unchecked) var valueTop = 0, valueBottom = -1, droppedRows = 0
    /// A row of zeros, standing for no row entering or leaving.
    @usableFromInline let zeroRow: UnsafeMutablePointer<Int32>
    /// The count and Σv of the cores in sums, per column, over rows [coreTop, coreBottom].
    let coreCount: UnsafeMutablePointer<Int32>, coreSum: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) var coreTop = 0, coreBottom = -1
    /// The strong pixels of the frame, ascending.
    @exclusivity(unchecked) public private(set) var strong: [Int32] = []

    // The frame: set by `begin`. (The stage belongs to one thread's buffers,
    // so its per-row state skips Swift's run-time exclusivity checks.)
    @usableFromInline @exclusivity(unchecked) var image: UnsafePointer<Int32>?
    @exclusivity(unchecked) var rowStride = 0
    @usableFromInline @exclusivity(unchecked) var plan: ThresholdPlan?
    @exclusivity(unchecked) var settings: BackgroundPassSettings?

    /// How many rows after a row's background test the stage tests its cores.
    @inlinable public static func lag(radius: Int, wideY: Int) -> Int { radius + wideY }

    public init(width: Int, height: Int, radius: Int, wide: (x: Int, y: Int)) {
        precondition(radius >= 0 && radius < 64, "erosion radius \(radius) beyond one padding word")
        self.width = width; self.height = height; self.radius = radius; self.wide = wide
        words = (width + 63) / 64
        stride = words + 2
        erodedRows = 2 * radius + 1
        coreRows = 2 * wide.y + 2
        tail = width & 63 == 0 ? 0 : ~UInt64(0) << UInt64(width & 63)
        dispersive = .allocate(capacity: stride)
        dispersive.initialize(repeating: 0, count: stride)
        dispersive[0] = ~0; dispersive[words + 1] = ~0
        eroded = .allocate(capacity: erodedRows * stride)
        eroded.initialize(repeating: 0, count: erodedRows * stride)
        cores = .allocate(capacity: coreRows * stride)
        cores.initialize(repeating: 0, count: coreRows * stride)
        coreCount = .allocate(capacity: width); coreSum = .allocate(capacity: width)
        wideSum = .allocate(capacity: width); wideDropped = .allocate(capacity: width)
        zeroRow = .allocate(capacity: width)
        zeroRow.initialize(repeating: 0, count: width)
    }

    deinit {
        dispersive.deallocate(); eroded.deallocate(); cores.deallocate()
        coreCount.deallocate(); coreSum.deallocate(); wideSum.deallocate(); wideDropped.deallocate()
        zeroRow.deallocate()
    }

    /// Starts a frame.
    @usableFromInline func begin(image: UnsafePointer<Int32>, rowStride: Int, plan: ThresholdPlan,
                                 settings: BackgroundPassSettings) {
        precondition(plan.width == width && plan.height == height, "core stage sized for another panel")
        self.image = image; self.rowStride = rowStride; self.plan = plan; self.settings = settings
        for x in 0..<width { coreCount[x] = 0; coreSum[x] = 0; wideSum[x] = 0; wideDropped[x] = 0 }
        coreTop = 0; coreBottom = -1; valueTop = 0; valueBottom = -1; droppedRows = 0
        strong.removeAll(keepingCapacity: true)
    }

    /// Row y's background tests are done and its dispersive bits set: erode
    /// it, make the core row it completes and test the row that is now due.
    @inlinable @inline(__always) func rowDone(_ y: Int, buffers b: BackgroundPassBuffers) {
        erodeRow(y)
        advance(to: y, buffers: b)
    }

    /// After the last row: the rows still waiting, with their windows clipped to the panel.
    @inlinable @inline(__always) func finish(buffers b: BackgroundPassBuffers) {
        for y in height..<(height + Self.lag(radius: radius, wideY: wide.y)) { advance(to: y, buffers: b) }
        endFrame()
    }

    /// Rows up to y (or all, once y ≥ height) have their eroded rows: make
    /// core row y − radius and test row y − radius − wide.y.
    @inlinable @inline(__always) func advance(to y: Int, buffers b: BackgroundPassBuffers) {
        let c = y - radius
        if c >= 0 && c < height { makeCoreRow(c) }
        let t = c - wide.y
        if t >= 0 && t < height {
            moveWindow(to: t, buffers: b)
            testRow(t)
        }
    }

    /// Moves the per-column totals of values and dropped pixels to row t's
    /// wider window (rows clipped to the panel): one pass per row entering,
    /// subtracting the row leaving in the same pass.
    @inlinable @inline(__always) func moveWindow(to t: Int, buffers b: BackgroundPassBuffers) {
        let w = width, ringRows = b.ringRows
        let lo = max(0, t - wide.y), hi = min(height - 1, t + wide.y)
        let sums = wideSum, drops = wideDropped
        while valueBottom < hi || valueTop < lo {
            var enter = zeroRow, leave = zeroRow
            var enterDropped = zeroRow, leaveDropped = zeroRow, anyDropped = false
            if valueBottom < hi {
                valueBottom += 1
                let slot = valueBottom % ringRows
                enter = b.value + slot * w
                if b.rowHasDropped[slot] { enterDropped = b.dropped + slot * w; droppedRows += 1; anyDropped = true }
            }
            if valueTop < lo {
                let slot = valueTop % ringRows
                leave = b.value + slot * w
                if b.rowHasDropped[slot] { leaveDropped = b.dropped + slot * w; droppedRows -= 1; anyDropped = true }
                valueTop += 1
            }
            for x in 0..<w { sums[x] = sums[x] &+ enter[x] &- leave[x] }
            if anyDropped { for x in 0..<w { drops[x] = drops[x] &+ enterDropped[x] &- leaveDropped[x] } }
        }
    }

    @usableFromInline func endFrame() { image = nil; plan = nil }

    /// The horizontal erosion of row y's bits, which are then cleared for the next row.
    @usableFromInline func erodeRow(_ y: Int) {
        let out = eroded + (y % erodedRows) * stride
        let d = dispersive, r = radius
        var any: UInt64 = 0
        for i in 1...words { any |= d[i] }
        if any == 0 {
            for i in 1...words { out[i] = 0 }
            return
        }
        d[words] |= tail
        for i in 1...words {
            var e = d[i]
            if e != 0 && r > 0 {
                for s in 1...r {
                    // Bit x keeps its value only if bits x + s and x − s are set (across word boundaries).
                    let sd = UInt64(s)
                    e &= (d[i] >> sd) | (d[i + 1] << (64 - sd))
                    e &= (d[i] << sd) | (d[i - 1] >> (64 - sd))
                }
            }
            out[i] = e
        }
        for i in 1...words { d[i] = 0 }
    }

    /// Core row c: the AND of the eroded rows within the radius, inside the panel.
    @usableFromInline func makeCoreRow(_ c: Int) {
        let out = cores + (c % coreRows) * stride
        let first = max(0, c - radius), last = min(height - 1, c + radius)
        let own = eroded + (c % erodedRows) * stride
        for i in 1...words { out[i] = own[i] }
        for yy in first...last where yy != c {
            let row = eroded + (yy % erodedRows) * stride
            for i in 1...words { out[i] &= row[i] }
        }
        out[words] &= ~tail
    }

    /// Adds (sign 1) or removes (sign −1) the cores of row `r` (those in sums) from the per-column totals.
    func account(row r: Int, sign: Int32) {
        let img = image! + r * rowStride
        let row = cores + (r % coreRows) * stride
        let big = BackgroundPass.big
        for i in 1...words {
            var m = row[i]
            while m != 0 {
                let x = (i - 1) << 6 + m.trailingZeroBitCount
                m &= m - 1
                let value = img[x]
                guard value < big else { continue }   // out of the sums already (dropped)
                coreCount[x] &+= sign; coreSum[x] &+= Int64(sign) &* Int64(value)
            }
        }
    }

    /// The extended test of the cores of row t, the wider window's values
    /// and dropped pixels already in `wideSum` and `wideDropped`. Along a run
    /// of neighbouring cores the window's totals slide one column at a time.
    @usableFromInline func testRow(_ t: Int) {
        let h = height, w = width, kx2 = wide.x, ky2 = wide.y
        let lo = max(0, t - ky2), hi = min(h - 1, t + ky2)
        while coreBottom < hi { coreBottom += 1; account(row: coreBottom, sign: 1) }
        while coreTop < lo { account(row: coreTop, sign: -1); coreTop += 1 }
        let coreRow = cores + (t % coreRows) * stride
        var anyCore: UInt64 = 0
        for i in 1...words { anyCore |= coreRow[i] }
        if anyCore == 0 { return }
        let plan = plan!, st = settings!
        let gain = st.gain, nsigS = st.sigmaStrong, globalT = st.globalThreshold
        let runs = plan.wideFull, fullWide = Int32((2 * kx2 + 1) * (2 * ky2 + 1))
        var run = runs.first[t]
        let runEnd = runs.first[t + 1]
        let img = image! + t * rowStride
        let sums = wideSum, dropped = wideDropped, cN = coreCount, cS = coreSum
        var found = strong
        strong = []
        // Totals over the window's columns of the last core.
        var lastX = -2, sum: Int64 = 0, drops: Int32 = 0, coreN: Int32 = 0, coreS: Int64 = 0
        for i in 1...words {
            var m = coreRow[i]
            while m != 0 {
                let x = (i - 1) << 6 + m.trailingZeroBitCount
                m &= m - 1
                if x == lastX + 1 {
                    if x - 1 - kx2 >= 0 {
                        let xx = x - 1 - kx2
                        sum &-= Int64(sums[xx]); drops &-= dropped[xx]; coreN &-= cN[xx]; coreS &-= cS[xx]
                    }
                    if x + kx2 <= w - 1 {
                        let xx = x + kx2
                        sum &+= Int64(sums[xx]); drops &+= dropped[xx]; coreN &+= cN[xx]; coreS &+= cS[xx]
                    }
                } else {
                    sum = 0; drops = 0; coreN = 0; coreS = 0
                    for xx in max(0, x - kx2)...min(w - 1, x + kx2) {
                        sum &+= Int64(sums[xx]); drops &+= dropped[xx]; coreN &+= cN[xx]; coreS &+= cS[xx]
                    }
                }
                lastX = x
                while run < runEnd && runs.end[run] <= x { run += 1 }
                let whole = run < runEnd && runs.start[run] <= x
                let full = whole ? fullWide : Int32(plan.windowCount(x: x, y: t, kx: kx2, ky: ky2))
                let n = full &- drops &- coreN
                let mean = n >= 2 ? Double(sum &- coreS) / Double(n) : 0
                let v = Double(img[x])
                if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { found.append(Int32(t * w + x)) }
            }
        }
        strong = found
    }
}
