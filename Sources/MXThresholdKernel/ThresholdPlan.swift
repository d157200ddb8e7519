// ThresholdPlan: what the dispersion threshold can work out once per panel from the static mask.
import Foundation

/// Per-pixel window data that depends only on the static mask and the
/// parameters, not on the counts: built once per panel and shared read-only
/// by every thread, so each frame only sums counts.
///
/// A pixel the mask keeps still drops out of a frame's sums when its value
/// is untrusted or ≥ 2^24; the kernel corrects these counts per frame (such
/// pixels are few: overloads, the odd hot pixel).
public final class ThresholdPlan: @unchecked Sendable {
    public let width: Int, height: Int
    public let kernel: (x: Int, y: Int)
    public let gain: Double, sigmaBackground: Double
    /// The mask the plan was built from (1 = usable), to recognise it again.
    public let mask: [UInt8]
    /// Masked-in pixels in each pixel's (2k+1)² window, clipped to the panel
    /// (as Float, the form the vector pre-test reads; exact below 2^24).
    public let count: UnsafeMutablePointer<Float>
    /// g·(n − 1 + σ_b·sqrt(2(n − 1))) for that count (+∞ below 2): the
    /// right-hand side of the background test divided by Σv.
    public let scaledBound: UnsafeMutablePointer<Float>
    /// The mask as all bits set (usable) or none, to select values without branching.
    public let maskBits: UnsafeMutablePointer<Int32>
    /// Summed-area table of the mask, (width+1)×(height+1), wrapping UInt16:
    /// window counts up to 65535 come out exact.
    public let maskTable: UnsafeMutablePointer<UInt16>
    /// Per row, the runs of x whose window 2 pixels wider each side (the wider
    /// window of dispersion_extended) is all inside the panel and masked in:
    /// there its count is the full (2k + 5)², with no table to read (the
    /// summed-area table is large and seldom in cache when a core needs it).
    public let wideFull: RowRuns
    /// The same for the window itself: where it is whole, its count and
    /// scaled bound are the constants below, and the pre-test reads neither array.
    public let whole: RowRuns
    /// One row of that count and bound, read in place of `count` and
    /// `scaledBound` along whole runs: always in cache, where those are not.
    public let wholeCountRow: UnsafeMutablePointer<Float>, wholeBoundRow: UnsafeMutablePointer<Float>

    /// The largest window the fast kernel serves: window sums of counts
    /// below 2^24 fit Int32.
    public static let maxWindow = 127

    public init(mask: UnsafePointer<UInt8>, width w: Int, height h: Int, kernel: (x: Int, y: Int),
         gain: Double, sigmaBackground: Double) {
        width = w; height = h; self.kernel = kernel; self.gain = gain; self.sigmaBackground = sigmaBackground
        self.mask = Array(UnsafeBufferPointer(start: mask, count: w * h))
        maskBits = .allocate(capacity: w * h)
        for i in 0..<(w * h) { maskBits[i] = mask[i] != 0 ? -1 : 0 }
        let count = UnsafeMutablePointer<Float>.allocate(capacity: w * h)
        let scaledBound = UnsafeMutablePointer<Float>.allocate(capacity: w * h)
        self.count = count; self.scaledBound = scaledBound
        let sw = w + 1
        maskTable = .allocate(capacity: sw * (h + 1))
        maskTable.initialize(repeating: 0, count: sw * (h + 1))
        for y in 0..<h {
            var run: UInt16 = 0
            for x in 0..<w {
                run &+= mask[y * w + x] != 0 ? 1 : 0
                maskTable[(y + 1) * sw + x + 1] = maskTable[y * sw + x + 1] &+ run
            }
        }
        let maxN = (2 * kernel.x + 1) * (2 * kernel.y + 1)
        var bound = [Float](repeating: .infinity, count: maxN + 1)
        for n in 2...max(2, maxN) where n <= maxN {
            let n1 = Double(n - 1)
            bound[n] = Float(gain * (n1 + sigmaBackground * (2 * n1).squareRoot()))
        }
        // Window counts row by row (running column sums, then a running sum
        // along the row), written straight into the per-pixel arrays and runs.
        let fullN = (2 * kernel.x + 1) * (2 * kernel.y + 1), fullN32 = Int32(fullN)
        let wide = (x: kernel.x + 2, y: kernel.y + 2)
        let fullWide = Int32((2 * wide.x + 1) * (2 * wide.y + 1))
        var wholeRuns = RowRuns.Builder(), wideRuns = RowRuns.Builder()
        Self.forEachWindowCountRow(mask, width: w, height: h, kx: kernel.x, ky: kernel.y) { y, n in
            for x in 0..<w {
                count[y * w + x] = Float(n[x])
                scaledBound[y * w + x] = bound[Int(n[x])]
            }
            wholeRuns.addRow(width: w) { n[$0] == fullN32 }
        }
        Self.forEachWindowCountRow(mask, width: w, height: h, kx: wide.x, ky: wide.y) { _, n in
            wideRuns.addRow(width: w) { n[$0] == fullWide }
        }
        whole = wholeRuns.runs
        wideFull = wideRuns.runs
        wholeCountRow = .allocate(capacity: w)
        wholeCountRow.initialize(repeating: Float(fullN), count: w)
        wholeBoundRow = .allocate(capacity: w)
        wholeBoundRow.initialize(repeating: bound[fullN], count: w)
    }

    deinit {
        maskBits.deallocate(); count.deallocate(); scaledBound.deallocate(); maskTable.deallocate()
        wholeCountRow.deallocate(); wholeBoundRow.deallocate()
    }

    /// Masked-in pixels in the window of half-sizes (kx, ky) around (x, y), clipped.
    @inlinable @inline(__always) public func windowCount(x: Int, y: Int, kx: Int, ky: Int) -> Int {
        Self.windowCount(maskTable, width: width, height: height, x: x, y: y, kx: kx, ky: ky)
    }

    @inlinable @inline(__always)
    static func windowCount(_ t: UnsafePointer<UInt16>, width: Int, height: Int, x: Int, y: Int, kx: Int, ky: Int) -> Int {
        let sw = width + 1
        let x0 = max(0, x - kx), x1 = min(width, x + kx + 1)
        let y0 = max(0, y - ky), y1 = min(height, y + ky + 1)
        return Int(t[y1 * sw + x1] &- t[y0 * sw + x1] &- t[y1 * sw + x0] &+ t[y0 * sw + x0])
    }

    /// Calls `body(y, counts)` for each row y with the masked-in pixels in
    /// the window of half-sizes (kx, ky) around each of its pixels, clipped to
    /// the panel: column sums over rows y − ky … y + ky kept running down the
    /// panel, then a running sum along the row over x − kx … x + kx (the
    /// column sums padded with kx + 1 zeros each side: no branch per pixel).
    static func forEachWindowCountRow(_ mask: UnsafePointer<UInt8>, width w: Int, height h: Int, kx: Int, ky: Int,
                                      _ body: (Int, UnsafePointer<Int32>) -> Void) {
        let padded = UnsafeMutablePointer<Int32>.allocate(capacity: w + 2 * kx + 2)
        padded.initialize(repeating: 0, count: w + 2 * kx + 2)
        let column = padded + kx + 1   // column[x], x in 0..<w
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: w)
        defer { padded.deallocate(); counts.deallocate() }
        func add(_ y: Int, _ sign: Int32) {
            let m = mask + y * w
            for x in 0..<w { column[x] &+= m[x] != 0 ? sign : 0 }
        }
        for y in 0..<min(ky, h) { add(y, 1) }
        for y in 0..<h {
            if y + ky < h { add(y + ky, 1) }
            if y - ky - 1 >= 0 { add(y - ky - 1, -1) }
            var s: Int32 = 0
            for x in 0..<kx { s &+= column[x] }   // the window of x = −1: columns 0 ..< kx
            for x in 0..<w {
                s = s &+ padded[x + 2 * kx + 1] &- padded[x]   // column x + kx enters, x − kx − 1 leaves
                counts[x] = s
            }
            body(y, counts)
        }
    }

    /// True when this plan was built for `mask` and these parameters.
    public func matches(mask m: UnsafePointer<UInt8>, width w: Int, height h: Int, kernel k: (x: Int, y: Int),
                 gain g: Double, sigmaBackground s: Double) -> Bool {
        guard matches(width: w, height: h, kernel: k, gain: g, sigmaBackground: s) else { return false }
        return mask.withUnsafeBufferPointer { memcmp($0.baseAddress!, m, w * h) == 0 }
    }

    /// True when this plan was built for these parameters (the mask not compared).
    public func matches(width w: Int, height h: Int, kernel k: (x: Int, y: Int), gain g: Double,
                        sigmaBackground s: Double) -> Bool {
        w == width && h == height && k == kernel && g == gain && s == sigmaBackground
    }
}

/// Runs of x per row, [start, end), ascending: a sparse set of pixels that is
/// mostly whole stretches of rows.
public struct RowRuns: Sendable {
    /// Row y's runs are start[first[y]..<first[y + 1]] and end[…].
    public let first: [Int], start: [Int], end: [Int]

    /// The runs of the pixels whose flag (row-major, width × height) is set.
    init(_ flags: [Bool], width w: Int, height h: Int) {
        var b = Builder()
        for y in 0..<h { b.addRow(width: w) { flags[y * w + $0] } }
        self = b.runs
    }

    init(first: [Int], start: [Int], end: [Int]) { self.first = first; self.start = start; self.end = end }

    /// Gathers the runs one row after another.
    struct Builder {
        var first = [0], start: [Int] = [], end: [Int] = []

        /// Adds the next row, whose pixel x is in the set when `isSet(x)`.
        mutating func addRow(width w: Int, _ isSet: (Int) -> Bool) {
            var x = 0
            while x < w {
                while x < w && !isSet(x) { x += 1 }
                let runStart = x
                while x < w && isSet(x) { x += 1 }
                if x > runStart { start.append(runStart); end.append(x) }
            }
            first.append(start.count)
        }

        var runs: RowRuns { RowRuns(first: first, start: start, end: end) }
    }
}
