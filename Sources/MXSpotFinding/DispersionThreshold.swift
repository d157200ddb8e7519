// DispersionThreshold: marks the strong pixels of one panel image with DIALS' dispersion tests.
import MXThresholdKernel

/// Reusable per-thread buffers for thresholding panels of one size.
public final class ThresholdWorkspace {
    let width: Int, height: Int
    /// Marks for the erosion of dispersion_extended (1 dispersive, 2 core), kept all 0 between calls.
    var isCore: [UInt8]
    /// Ring of the last 2k_y + 2 classified rows: window count (1, plus 2^16
    /// for a value too large for the Int32 sums of squares), value and value²
    /// (wrapping), 0 where the pixel stays out of the sums.
    var ringCount: [Int32] = []
    var ringValue: [Int32] = []
    var ringSquare: [Int32] = []
    /// Column sums over the window rows and their prefix sums along the row.
    var columnCount: [Int32]
    var columnSum: [Int32]
    var columnSumSq: [Int32]
    var prefixCount: [Int32]
    var prefixSum: [Int32]
    var prefixSumSq: [Int32]
    var dispersive: [Int32] = []
    /// Summed-area tables ((width+1)×(height+1)) for the wider background mean.
    var satCount: [Int32] = []
    var satSum: [Int64] = []
    var core: [Int32] = []
    /// The non-negative kernel's row buffers and its core stage.
    var backgroundPass: BackgroundPassBuffers?
    /// The panel's static plan, shared with the other threads' workspaces.
    let plans: ThresholdPlanCache

    public convenience init(width: Int, height: Int) {
        self.init(width: width, height: height, plans: ThresholdPlanCache())
    }

    init(width: Int, height: Int, plans: ThresholdPlanCache) {
        self.width = width; self.height = height; self.plans = plans
        isCore = [UInt8](repeating: 0, count: width * height)
        columnCount = [Int32](repeating: 0, count: width)
        columnSum = columnCount
        columnSumSq = columnCount
        prefixCount = [Int32](repeating: 0, count: width + 1)
        prefixSum = prefixCount
        prefixSumSq = prefixCount
    }

    /// Sizes the row ring for `rows` rows.
    func ensureRing(rows: Int) {
        if ringCount.count != rows * width {
            ringCount = [Int32](repeating: 0, count: rows * width)
            ringValue = ringCount
            ringSquare = ringCount
        }
    }
}

/// The local dispersion thresholds of DIALS (dials/algorithms/image/threshold/local.h).
///
/// For every valid pixel with n valid pixels of mean m and sample variance v
/// in its (2k+1)² window, the background test is the index of dispersion
/// `v/m > g·(1 + σ_b·sqrt(2/(n−1)))` (Poisson noise has v/m = g). Window sums
/// are running column and row sums, so each pixel costs O(1) whatever the
/// window size (the summed-area idea of Crow 1984, one row at a time).
///
/// `dispersion`: strong = background test ∧ `I > m + σ_s·sqrt(g·m)` ∧ `I > t`.
/// `dispersion_extended`: the background-test mask is eroded (pixels whose
/// Chebyshev distance to a failing pixel is below min(k)); the mean is then
/// re-taken over a window 2 px wider each side *excluding* those cores, and
/// strong = core ∧ `I ≥ m₂ + σ_s·sqrt(g·m₂)` ∧ `I > t`.
///
/// Speed: all window sums are Int32 (four lanes per SSE register). A value
/// with |v| > t_sq = floor(sqrt((2^31 − 1)/n_max)) is flagged in the count's
/// high half; a window without such a value has Σv² < 2^31, so its Int32 sums
/// are exact and the test runs on them in Double (every product below 2^53,
/// hence exact: the same numbers as the Int64 form). A window holding a
/// flagged value (only near bright spots) is summed again directly in Int64.
///
/// Panels whose trusted counts start at −1 or above (photon counters) and
/// windows up to 127 pixels go to the faster non-negative kernel
/// (DispersionThreshold+NonNegative.swift), which makes the same decisions;
/// this general one serves the rest.
public enum DispersionThreshold {
    /// DIALS leaves pixels at or above 2^24 counts out of the window sums.
    static let big: Int32 = BackgroundPass.big
    /// The flag added to a window count for a value whose square may overflow the Int32 sums.
    static let largeFlag: Int32 = 1 << 16

    /// Appends to `strong` the panel-local indices (y·width + x, ascending)
    /// of the strong pixels of one panel image.
    /// - Parameters:
    ///   - image: first pixel of the panel; rows are `rowStride` apart.
    ///   - mask: static mask of the panel (1 = usable), `width`×`height`.
    ///   - trusted: values v with low < v < high are trusted (dxtbx rule).
    public static func strongPixels(image: UnsafePointer<Int32>, rowStride: Int,
                                    mask: UnsafePointer<UInt8>, trusted: (low: Double, high: Double),
                                    parameters p: SpotFindingParameters, workspace ws: ThresholdWorkspace,
                                    strong: inout [Int32]) {
        strongPixels(image: image, rowStride: rowStride, mask: mask, trusted: trusted, parameters: p,
                     workspace: ws, variant: .best, strong: &strong)
    }

    /// `strongPixels` with the copy of the non-negative background pass chosen (for the tests).
    static func strongPixels(image: UnsafePointer<Int32>, rowStride: Int,
                             mask: UnsafePointer<UInt8>, trusted: (low: Double, high: Double),
                             parameters p: SpotFindingParameters, workspace ws: ThresholdWorkspace,
                             variant: BackgroundPassVariant, strong: inout [Int32]) {
        let w = ws.width, h = ws.height
        let kx = min(p.kernelSize.x, w), ky = min(p.kernelSize.y, h)
        let lowI = trustedBound(trusted.low, up: true), highI = trustedBound(trusted.high, up: false)
        if lowI >= -1 && (2 * kx + 1) * (2 * ky + 1) <= ThresholdPlan.maxWindow {
            let plan = ws.plans.plan(mask: mask, width: w, height: h, kernel: p.kernelSize, gain: p.gain,
                                     sigmaBackground: p.sigmaBackground)
            nonNegativeStrongPixels(image: image, rowStride: rowStride, lowI: lowI, highI: highI,
                                    parameters: p, plan: plan, workspace: ws, variant: variant, strong: &strong)
            return
        }
        let gain = p.gain, nsigS = p.sigmaStrong, minCount = Int32(p.minLocal)
        let globalT = p.globalThreshold
        let extended = p.algorithm == .dispersionExtended
        // Right-hand side of the background test per window count n:
        // n − 1 + σ_b·sqrt(2(n − 1)), so the inner loop needs no square root.
        let maxN = (2 * kx + 1) * (2 * ky + 1)
        var bound = [Double](repeating: .infinity, count: maxN + 1)
        for n in 2...max(2, maxN) where n <= maxN {
            let n1 = Double(n - 1)
            bound[n] = n1 + p.sigmaBackground * (2 * n1).squareRoot()
        }
        // Largest |v| whose square, summed over a full window, stays below 2^31.
        let tSq = Int32((Double(Int32.max) / Double(maxN)).squareRoot().rounded(.down))
        var dispersive = ws.dispersive
        dispersive.removeAll(keepingCapacity: true)
        var directStrong: [Int32] = []
        let ringRows = 2 * ky + 2
        ws.ensureRing(rows: ringRows)

        ws.ringCount.withUnsafeMutableBufferPointer { rc in
        ws.ringValue.withUnsafeMutableBufferPointer { rv in
        ws.ringSquare.withUnsafeMutableBufferPointer { rq in
        ws.columnCount.withUnsafeMutableBufferPointer { cN in
        ws.columnSum.withUnsafeMutableBufferPointer { cS in
        ws.columnSumSq.withUnsafeMutableBufferPointer { cQ in
        ws.prefixCount.withUnsafeMutableBufferPointer { pNb in
        ws.prefixSum.withUnsafeMutableBufferPointer { pSb in
        ws.prefixSumSq.withUnsafeMutableBufferPointer { pQb in
        bound.withUnsafeBufferPointer { bound in
            let rcB = rc.baseAddress!, rvB = rv.baseAddress!, rqB = rq.baseAddress!
            let cNB = cN.baseAddress!, cSB = cS.baseAddress!, cQB = cQ.baseAddress!
            let pN = pNb.baseAddress!, pS = pSb.baseAddress!, pQ = pQb.baseAddress!
            let boundB = bound.baseAddress!
            @inline(__always) func slot(_ y: Int) -> Int { (y % ringRows) * w }
            // Classify row y into its ring slot: what enters the sums (static
            // mask, low < v < high, v < 2^24), its value and square, and the
            // large-value flag. Branch-free so it vectorises.
            @inline(__always) func classify(_ y: Int) {
                let row = image + y * rowStride, m = mask + y * w
                let o = slot(y)
                let c = rcB + o, vv = rvB + o, q = rqB + o
                // Three single-output loops: each vectorises on its own
                // (LLVM gives up on one loop storing to several unrelated pointers).
                for x in 0..<w {
                    let v = row[x]
                    let inSum: Int32 = (m[x] != 0 ? 1 : 0) & (v > lowI ? 1 : 0) & (v < highI ? 1 : 0) & (v < big ? 1 : 0)
                    let large: Int32 = (v > tSq ? 1 : 0) | (v < -tSq ? 1 : 0)
                    c[x] = inSum &+ (inSum & large) &* largeFlag
                }
                for x in 0..<w { vv[x] = row[x] & (0 &- (c[x] & 1)) }
                for x in 0..<w { q[x] = vv[x] &* vv[x] }
            }
            @inline(__always) func isValid(_ y: Int, _ x: Int) -> Bool {
                let v = image[y * rowStride + x]
                return mask[y * w + x] != 0 && v > lowI && v < highI
            }
            for x in 0..<w { cNB[x] = 0; cSB[x] = 0; cQB[x] = 0 }
            // Column sums over the rows [y − ky, y + ky], updated one row at a time:
            // the entering row added and the leaving row taken away in one pass.
            for y in 0..<min(ky, h) {
                classify(y)
                let a = slot(y)
                for x in 0..<w {
                    cNB[x] &+= rcB[a + x]; cSB[x] &+= rvB[a + x]; cQB[x] &+= rqB[a + x]
                }
            }
            pN[0] = 0; pS[0] = 0; pQ[0] = 0
            for y in 0..<h {
                let hasEnter = y + ky < h, hasLeave = y - ky - 1 >= 0
                if hasEnter { classify(y + ky) }
                let e = hasEnter ? slot(y + ky) : 0, l = hasLeave ? slot(y - ky - 1) : 0
                if hasEnter && hasLeave {
                    slide(cNB, rcB + e, rcB + l, w); slide(cSB, rvB + e, rvB + l, w); slide(cQB, rqB + e, rqB + l, w)
                } else if hasEnter {
                    for x in 0..<w { cNB[x] &+= rcB[e + x] }
                    for x in 0..<w { cSB[x] &+= rvB[e + x] }
                    for x in 0..<w { cQB[x] &+= rqB[e + x] }
                } else if hasLeave {
                    for x in 0..<w { cNB[x] &-= rcB[l + x] }
                    for x in 0..<w { cSB[x] &-= rvB[l + x] }
                    for x in 0..<w { cQB[x] &-= rqB[l + x] }
                }
                let base = y * w
                // Prefix sums of the column sums along the row (wrapping: window
                // differences are exact while a window's true sum fits).
                for x in 0..<w {
                    pN[x + 1] = pN[x] &+ cNB[x]; pS[x + 1] = pS[x] &+ cSB[x]; pQ[x + 1] = pQ[x] &+ cQB[x]
                }
                let y0 = max(0, y - ky), y1 = min(h - 1, y + ky)
                @inline(__always) func test(_ x: Int, _ n: Int32, _ s: Int64, _ q: Int64) {
                    // Index-of-dispersion test multiplied through by n·(n−1)·mean:
                    // n·Σv² − (Σv)² > g·Σv·(n − 1 + σ_b·sqrt(2(n−1))); both products
                    // are exact in Int64 for v < 2^24.
                    let a = Double(Int64(n) &* q &- s &* s)
                    let sx = Double(s)
                    if a > gain * sx * boundB[Int(n)] && n >= minCount && s >= 0 && isValid(y, x) {
                        if extended {
                            dispersive.append(Int32(base + x))
                        } else {
                            // Strong test: n·I > Σv + σ_s·sqrt(g·Σv·n), and the global threshold.
                            let m = Double(n), vi = Double(image[y * rowStride + x])
                            if m * vi > sx + nsigS * (gain * sx * m).squareRoot() && vi > globalT {
                                directStrong.append(Int32(base + x))
                            }
                        }
                    }
                }
                // The test for a window whose count carries the large flag:
                // the sums taken again directly in Int64 from the ring.
                @inline(__always) func testLarge(_ x: Int) {
                    let lo = max(0, x - kx), hi = min(w - 1, x + kx)
                    var n: Int32 = 0, s: Int64 = 0, q: Int64 = 0
                    for yy in y0...y1 {
                        let o = slot(yy)
                        for xx in lo...hi {
                            let v = Int64(rvB[o + xx])
                            n &+= rcB[o + xx] & 1; s &+= v; q &+= v &* v
                        }
                    }
                    test(x, n, s, q)
                }
                @inline(__always) func scalar(_ x: Int) {
                    let lo = max(0, x - kx), hi = min(w, x + kx + 1)
                    let n = pN[hi] &- pN[lo]
                    if n >= largeFlag { testLarge(x); return }
                    test(x, n, Int64(pS[hi] &- pS[lo]), Int64(pQ[hi] &- pQ[lo]))
                }
                // Interior columns four at a time: the same test in SIMD lanes
                // on the exact Int32 sums, falling back to the scalar test for
                // lanes that pass and to the direct sums for flagged windows.
                let interiorEnd = max(kx, w - kx - 1)
                var x = 0
                while x < min(kx, w) { scalar(x); x += 1 }
                let fullN = SIMD4<Int32>(repeating: Int32(maxN)), flag = SIMD4<Int32>(repeating: largeFlag)
                let fullBound = SIMD4<Double>(repeating: boundB[maxN])
                while x + 4 <= interiorEnd {
                    let n4 = load4(pN + x + kx + 1) &- load4(pN + x - kx)
                    if any(n4 .>= flag) {
                        for lane in 0..<4 { scalar(x + lane) }
                        x += 4
                        continue
                    }
                    let s4 = load4(pS + x + kx + 1) &- load4(pS + x - kx)
                    let q4 = load4(pQ + x + kx + 1) &- load4(pQ + x - kx)
                    let nd = SIMD4<Double>(n4), sd = SIMD4<Double>(s4)
                    let a = nd * SIMD4<Double>(q4) - sd * sd
                    let b4 = all(n4 .== fullN) ? fullBound
                        : SIMD4(boundB[Int(n4[0])], boundB[Int(n4[1])], boundB[Int(n4[2])], boundB[Int(n4[3])])
                    let rhs = gain * sd * b4
                    // n ≥ min_local and Σv ≥ 0 are checked again by `test` for the few passing lanes.
                    let pass = a .> rhs
                    if any(pass) {
                        for lane in 0..<4 where pass[lane] { test(x + lane, n4[lane], Int64(s4[lane]), Int64(q4[lane])) }
                    }
                    x += 4
                }
                while x < w { scalar(x); x += 1 }
            }
        }}}}}}}}}}
        ws.dispersive = dispersive
        if !extended {
            strong.append(contentsOf: directStrong)
            return
        }
        erodeAndTest(image: image, rowStride: rowStride, mask: mask, lowI: lowI, highI: highI, parameters: p,
                     workspace: ws, strong: &strong, nsigS: nsigS, gain: gain, globalT: globalT)
    }

    /// Column sums moved down one row: `c += enter − leave`, one array per
    /// loop so that it vectorises.
    @inline(__always) static func slide(_ c: UnsafeMutablePointer<Int32>, _ enter: UnsafePointer<Int32>,
                                        _ leave: UnsafePointer<Int32>, _ w: Int) {
        for x in 0..<w { c[x] &+= enter[x] &- leave[x] }
    }

    @inline(__always) static func load4(_ p: UnsafeMutablePointer<Int32>) -> SIMD4<Int32> {
        SIMD4(p[0], p[1], p[2], p[3])
    }

    /// Integer bound for `low < v` (up) or `v < high` (down) with v integral.
    static func trustedBound(_ t: Double, up: Bool) -> Int32 {
        if t >= Double(Int32.max) { return Int32.max }
        if t <= Double(Int32.min) { return Int32.min }
        // v > low ⇔ v > floor(low) for integer v; v < high ⇔ v < ceil(high).
        return up ? Int32(t.rounded(.down)) : Int32(t.rounded(.up))
    }

    /// The dispersion_extended steps after the background test: erosion of
    /// the dispersion mask, then the wider-window mean test on the cores.
    static func erodeAndTest(image: UnsafePointer<Int32>, rowStride: Int, mask: UnsafePointer<UInt8>,
                             lowI: Int32, highI: Int32, parameters p: SpotFindingParameters,
                             workspace ws: ThresholdWorkspace, strong: inout [Int32],
                             nsigS: Double, gain: Double, globalT: Double) {
        let w = ws.width, h = ws.height
        let dispersive = ws.dispersive
        var core = ws.core
        core.removeAll(keepingCapacity: true)
        // The cores (see `erode`), marked 2 so the wider mean can leave them out.
        let r = max(0, min(p.kernelSize.x, p.kernelSize.y) - 1)
        let cores = dispersive.withUnsafeBufferPointer { erode($0, width: w, height: h, radius: r) }
        for i in cores { core.append(dispersive[i]) }
        ws.isCore.withUnsafeMutableBufferPointer { mark in for k in core { mark[Int(k)] = 2 } }
        defer {
            ws.isCore.withUnsafeMutableBufferPointer { mark in for k in dispersive { mark[Int(k)] = 0 } }
            ws.core = core
        }
        if core.isEmpty { return }
        // 1 for a background pixel of the wider window: in the sums (static
        // mask, trusted, below 2^24) and not a core (mark 2).
        @inline(__always) func background(_ b: Int, _ yy: Int, _ xx: Int, _ mark: UnsafePointer<UInt8>) -> Int32 {
            let v = image[yy * rowStride + xx]
            let inSum = mask[b + xx] != 0 && v > lowI && v < highI && v < big
            return (inSum ? 1 : 0) & Int32((mark[b + xx] >> 1) ^ 1)
        }
        // Mean over the wider window of background pixels. Cores are few (a
        // few thousand on a 1M-pixel frame) and come in runs along rows (a
        // spot's cores), so the first window of a run is summed directly and
        // each next one slid a column right (one column in, one out); when
        // cores are very many, summed-area tables of the background count
        // and counts give four look-ups per core instead (Crow 1984).
        let kx = p.kernelSize.x + 2, ky = p.kernelSize.y + 2
        let windowArea = (2 * kx + 1) * (2 * ky + 1)
        if core.count * windowArea <= 8 * w * h {
            ws.isCore.withUnsafeBufferPointer { mark in
                let markB = mark.baseAddress!
                // Background count and sum of column xx over rows y0...y1.
                @inline(__always) func column(_ xx: Int, _ y0: Int, _ y1: Int) -> (Int32, Int64) {
                    var n: Int32 = 0, s: Int64 = 0
                    for yy in y0...y1 {
                        let use = background(yy * w, yy, xx, markB)
                        n &+= use; s &+= Int64(image[yy * rowStride + xx] & (0 &- use))
                    }
                    return (n, s)
                }
                var n: Int32 = 0, s: Int64 = 0, previous = -2
                for k in core {
                    let k = Int(k)
                    let y = k / w, x = k - y * w
                    let y0 = max(0, y - ky), y1 = min(h - 1, y + ky)
                    if k == previous + 1 && x > 0 {
                        // Slide from the window of (x − 1, y): column x − 1 − kx leaves, x + kx enters.
                        if x - 1 - kx >= 0 { let c = column(x - 1 - kx, y0, y1); n &-= c.0; s &-= c.1 }
                        if x + kx <= w - 1 { let c = column(x + kx, y0, y1); n &+= c.0; s &+= c.1 }
                    } else {
                        n = 0; s = 0
                        for xx in max(0, x - kx)...min(w - 1, x + kx) { let c = column(xx, y0, y1); n &+= c.0; s &+= c.1 }
                    }
                    previous = k
                    let mean = n >= 2 ? Double(s) / Double(n) : 0
                    let v = Double(image[y * rowStride + x])
                    if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { strong.append(Int32(k)) }
                }
            }
            return
        }
        let sw = w + 1
        if ws.satCount.count != sw * (h + 1) {
            ws.satCount = [Int32](repeating: 0, count: sw * (h + 1))
            ws.satSum = [Int64](repeating: 0, count: sw * (h + 1))
        }
        ws.isCore.withUnsafeBufferPointer { mark in
        ws.satCount.withUnsafeMutableBufferPointer { tn in
        ws.satSum.withUnsafeMutableBufferPointer { ts in
            let markB = mark.baseAddress!
            for y in 0..<h {
                var rn: Int32 = 0, rs: Int64 = 0
                let b = y * w, t0 = y * sw, t1 = (y + 1) * sw, row = image + y * rowStride
                for x in 0..<w {
                    let use = background(b, y, x, markB)
                    rn &+= use; rs &+= Int64(row[x] & (0 &- use))
                    tn[t1 + x + 1] = tn[t0 + x + 1] &+ rn
                    ts[t1 + x + 1] = ts[t0 + x + 1] &+ rs
                }
            }
            for k in core {
                let k = Int(k)
                let y = k / w, x = k - y * w
                let x0 = max(0, x - kx), x1 = min(w, x + kx + 1)
                let y0 = max(0, y - ky), y1 = min(h, y + ky + 1)
                let n = tn[y1 * sw + x1] - tn[y0 * sw + x1] - tn[y1 * sw + x0] + tn[y0 * sw + x0]
                let s = ts[y1 * sw + x1] - ts[y0 * sw + x1] - ts[y1 * sw + x0] + ts[y0 * sw + x0]
                let mean = n >= 2 ? Double(s) / Double(n) : 0
                let v = Double(image[y * rowStride + x])
                if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { strong.append(Int32(k)) }
            }
        }}}
    }
}
