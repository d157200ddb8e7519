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
        count = .allocate(capacity: w * h)
        scaledBound = .allocate(capacity: w * h)
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
        // Window counts by box sums along rows then columns (a few operations
        // per pixel, where the summed-area table costs four scattered reads).
        let counts = Self.windowCounts(mask, width: w, height: h, kx: kernel.x, ky: kernel.y)
        let fullN = (2 * kernel.x + 1) * (2 * kernel.y + 1)
        let wide = (x: kernel.x + 2, y: kernel.y + 2)
        let fullWide = Int32((2 * wide.x + 1) * (2 * wide.y + 1))
        let wideCounts = Self.windowCounts(mask, width: w, height: h, kx: wide.x, ky: wide.y)
        var isWhole = [Bool](repeating: false, count: w * h), isWideWhole = isWhole
        for i in 0..<(w * h) {
            let n = Int(counts[i])
            count[i] = Float(n)
            scaledBound[i] = bound[n]
            isWhole[i] = n == fullN
            isWideWhole[i] = wideCounts[i] == fullWide
        }
        whole = RowRuns(isWhole, width: w, height: h)
        wideFull = RowRuns(isWideWhole, width: w, height: h)
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

    /// Masked-in pixels in the window of half-sizes (kx, ky) around every
    /// pixel, clipped to the panel, row-major.
    static func windowCounts(_ mask: UnsafePointer<UInt8>, width w: Int, height h: Int, kx: Int, ky: Int) -> [Int32] {
        // Along each row: a running sum over x − kx … x + kx, from the row's
        // mask as 0/1 padded with kx + 1 zeros each side (no branch per pixel).
        var rows = [Int32](repeating: 0, count: w * h)
        var padded = [Int32](repeating: 0, count: w + 2 * kx + 2)
        rows.withUnsafeMutableBufferPointer { r in
            padded.withUnsafeMutableBufferPointer { pad in
                let b = pad.baseAddress!
                for y in 0..<h {
                    let m = mask + y * w, out = r.baseAddress! + y * w
                    for x in 0..<w { b[kx + 1 + x] = m[x] != 0 ? 1 : 0 }
                    var s: Int32 = 0
                    for x in 0..<kx { s &+= b[kx + 1 + x] }   // the window of x = −1: pixels 0 ..< kx
                    for x in 0..<w {
                        s = s &+ b[x + 2 * kx + 1] &- b[x]   // pixel x + kx enters, x − kx − 1 leaves
                        out[x] = s
                    }
                }
            }
        }
        // Down each column: running sums of those over y − ky … y + ky.
        var counts = [Int32](repeating: 0, count: w * h)
        var column = [Int32](repeating: 0, count: w)
        rows.withUnsafeBufferPointer { r in
            counts.withUnsafeMutableBufferPointer { c in
                column.withUnsafeMutableBufferPointer { col in
                    for y in 0..<min(ky, h) { for x in 0..<w { col[x] += r[y * w + x] } }
                    for y in 0..<h {
                        if y + ky < h { let e = r.baseAddress! + (y + ky) * w; for x in 0..<w { col[x] += e[x] } }
                        if y - ky - 1 >= 0 {
                            let l = r.baseAddress! + (y - ky - 1) * w
                            for x in 0..<w { col[x] -= l[x] }
                        }
                        let out = c.baseAddress! + y * w
                        for x in 0..<w { out[x] = col[x] }
                    }
                }
            }
        }
        return counts
    }

    /// True when this plan was built for `mask` and these parameters.
    public func matches(mask m: UnsafePointer<UInt8>, width w: Int, height h: Int, kernel k: (x: Int, y: Int),
                 gain g: Double, sigmaBackground s: Double) -> Bool {
        guard w == width, h == height, k == kernel, g == gain, s == sigmaBackground else { return false }
        return mask.withUnsafeBufferPointer { memcmp($0.baseAddress!, m, w * h) == 0 }
    }
}

/// Runs of x per row, [start, end), ascending: a sparse set of pixels that is
/// mostly whole stretches of rows.
public struct RowRuns: Sendable {
    /// Row y's runs are start[first[y]..<first[y + 1]] and end[…].
    public let first: [Int], start: [Int], end: [Int]

    /// The runs of the pixels whose flag (row-major, width × height) is set.
    init(_ flags: [Bool], width w: Int, height h: Int) {
        var first = [0], start: [Int] = [], end: [Int] = []
        for y in 0..<h {
            let row = y * w
            var x = 0
            while x < w {
                while x < w && !flags[row + x] { x += 1 }
                let runStart = x
                while x < w && flags[row + x] { x += 1 }
                if x > runStart { start.append(runStart); end.append(x) }
            }
            first.append(start.count)
        }
        self.first = first; self.start = start; self.end = end
    }
}
