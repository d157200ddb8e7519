// DispersionThreshold: marks the strong pixels of one panel image with DIALS' dispersion tests.

/// Reusable per-thread buffers for thresholding panels of one size.
public final class ThresholdWorkspace {
    let width: Int, height: Int
    /// 1 where the pixel is valid (mask and trusted range).
    var valid: [UInt8]
    /// 1 where the pixel enters window sums (valid and below 2^24), and its value there (else 0).
    var sumCount: [Int32]
    var sumValue: [Int32]
    var isCore: [UInt8]
    var columnCount: [Int32]
    /// Column sums over the window rows: count, counts (< 7·2^24 fits Int32 for
    /// the default window; wider windows are limited so it always fits), counts².
    var columnSum: [Int32]
    var columnSumSq: [Int64]
    var dispersive: [Int32] = []
    /// Summed-area tables ((width+1)×(height+1)) for the wider background mean.
    var satCount: [Int32] = []
    var satSum: [Int64] = []
    var core: [Int32] = []

    public init(width: Int, height: Int) {
        self.width = width; self.height = height
        valid = [UInt8](repeating: 0, count: width * height)
        isCore = valid
        sumCount = [Int32](repeating: 0, count: width * height)
        sumValue = sumCount
        columnCount = [Int32](repeating: 0, count: width)
        columnSum = [Int32](repeating: 0, count: width)
        columnSumSq = [Int64](repeating: 0, count: width)
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
public enum DispersionThreshold {
    /// DIALS leaves pixels at or above 2^24 counts out of the window sums.
    static let big: Int32 = 1 << 24

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
        let w = ws.width, h = ws.height
        let kx = min(p.kernelSize.x, w), ky = min(p.kernelSize.y, h)
        let lowI = trustedBound(trusted.low, up: true), highI = trustedBound(trusted.high, up: false)
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
        var dispersive = ws.dispersive
        dispersive.removeAll(keepingCapacity: true)
        var directStrong: [Int32] = []
        let pN = UnsafeMutablePointer<Int32>.allocate(capacity: w + 1)
        let pS = UnsafeMutablePointer<Int32>.allocate(capacity: w + 1)
        let pQ = UnsafeMutablePointer<Int64>.allocate(capacity: w + 1)
        defer { pN.deallocate(); pS.deallocate(); pQ.deallocate() }

        ws.valid.withUnsafeMutableBufferPointer { valid in
        ws.sumCount.withUnsafeMutableBufferPointer { mc in
        ws.sumValue.withUnsafeMutableBufferPointer { mv in
        ws.columnCount.withUnsafeMutableBufferPointer { cN in
        ws.columnSum.withUnsafeMutableBufferPointer { cS in
        ws.columnSumSq.withUnsafeMutableBufferPointer { cQ in
        bound.withUnsafeBufferPointer { bound in
            let mcB = mc.baseAddress!, mvB = mv.baseAddress!, cNB = cN.baseAddress!, cSB = cS.baseAddress!
            let cQB = cQ.baseAddress!, validB = valid.baseAddress!, boundB = bound.baseAddress!
            // Classify row y: valid (static mask, low < v < high) and what
            // enters the sums (valid and below 2^24), done as the row enters
            // the window so the image is read once.
            @inline(__always) func classify(_ y: Int) {
                let row = image + y * rowStride
                let base = y * w
                for x in 0..<w {
                    let v = row[x]
                    let ok: Bool = mask[base + x] != 0 && v > lowI && v < highI
                    validB[base + x] = ok ? 1 : 0
                    let inSum: Int32 = (ok && v < big) ? 1 : 0
                    mcB[base + x] = inSum
                    mvB[base + x] = v & (0 &- inSum)
                }
            }
            for x in 0..<w { cNB[x] = 0; cSB[x] = 0; cQB[x] = 0 }
            // Column sums over the rows [y − ky, y + ky], updated one row at a time:
            // the entering row added and the leaving row taken away in one pass.
            for y in 0..<min(ky, h) {
                classify(y)
                let a = y * w
                for x in 0..<w {
                    let v = mvB[a + x]
                    cNB[x] &+= mcB[a + x]; cSB[x] &+= v; cQB[x] &+= Int64(v) &* Int64(v)
                }
            }
            for y in 0..<h {
                let enter = y + ky < h ? (y + ky) * w : -1
                let leave = y - ky - 1 >= 0 ? (y - ky - 1) * w : -1
                if enter >= 0 { classify(y + ky) }
                if enter >= 0 && leave >= 0 {
                    // Eight columns at a time (SIMD), then the remainder.
                    var x = 0
                    while x + 8 <= w {
                        let c1 = load8(mcB + enter + x), c0 = load8(mcB + leave + x)
                        let v1 = load8(mvB + enter + x), v0 = load8(mvB + leave + x)
                        store8(load8(cNB + x) &+ (c1 &- c0), cNB + x)
                        store8(load8(cSB + x) &+ (v1 &- v0), cSB + x)
                        let w1 = SIMD8<Int64>(truncatingIfNeeded: v1), w0 = SIMD8<Int64>(truncatingIfNeeded: v0)
                        store8(load8(cQB + x) &+ (w1 &* w1 &- w0 &* w0), cQB + x)
                        x += 8
                    }
                    while x < w {
                        let v1 = mvB[enter + x], v0 = mvB[leave + x]
                        cNB[x] &+= mcB[enter + x] &- mcB[leave + x]
                        cSB[x] &+= v1 &- v0
                        cQB[x] &+= Int64(v1) &* Int64(v1) &- Int64(v0) &* Int64(v0)
                        x += 1
                    }
                } else if enter >= 0 {
                    for x in 0..<w {
                        let v = mvB[enter + x]
                        cNB[x] &+= mcB[enter + x]; cSB[x] &+= v; cQB[x] &+= Int64(v) &* Int64(v)
                    }
                } else if leave >= 0 {
                    for x in 0..<w {
                        let v = mvB[leave + x]
                        cNB[x] &-= mcB[leave + x]; cSB[x] &-= v; cQB[x] &-= Int64(v) &* Int64(v)
                    }
                }
                let row = image + y * rowStride
                let base = y * w
                // Prefix sums of the column sums along the row (wrapping: window
                // differences are exact while a window's true sum fits).
                pN[0] = 0; pS[0] = 0; pQ[0] = 0
                for x in 0..<w {
                    pN[x + 1] = pN[x] &+ cNB[x]; pS[x + 1] = pS[x] &+ cSB[x]; pQ[x + 1] = pQ[x] &+ cQB[x]
                }
                @inline(__always) func test(_ x: Int, _ n: Int32, _ s: Int64, _ q: Int64) {
                    // Index-of-dispersion test multiplied through by n·(n−1)·mean:
                    // n·Σv² − (Σv)² > g·Σv·(n − 1 + σ_b·sqrt(2(n−1))); both products
                    // are exact in Int64 for v < 2^24.
                    let a = Double(Int64(n) &* q &- s &* s)
                    let sx = Double(s)
                    if a > gain * sx * boundB[Int(n)] && validB[base + x] != 0 && n >= minCount && s >= 0 {
                        if extended {
                            dispersive.append(Int32(base + x))
                        } else {
                            // Strong test: n·I > Σv + σ_s·sqrt(g·Σv·n), and the global threshold.
                            let m = Double(n), vi = Double(row[x])
                            if m * vi > sx + nsigS * (gain * sx * m).squareRoot() && vi > globalT {
                                directStrong.append(Int32(base + x))
                            }
                        }
                    }
                }
                @inline(__always) func scalar(_ x: Int) {
                    let lo = max(0, x - kx), hi = min(w, x + kx + 1)
                    test(x, pN[hi] &- pN[lo], Int64(pS[hi] &- pS[lo]), pQ[hi] &- pQ[lo])
                }
                // Interior columns four at a time: the same test in SIMD lanes,
                // falling back to the scalar test for lanes that pass.
                let interiorEnd = max(kx, w - kx - 1)
                var x = 0
                while x < min(kx, w) { scalar(x); x += 1 }
                let minC = SIMD4<Int64>(repeating: Int64(minCount))
                while x + 4 <= interiorEnd {
                    let n4 = SIMD4<Int64>(truncatingIfNeeded: load4(pN + x + kx + 1) &- load4(pN + x - kx))
                    let s4 = SIMD4<Int64>(truncatingIfNeeded: load4(pS + x + kx + 1) &- load4(pS + x - kx))
                    let q4 = load4(pQ + x + kx + 1) &- load4(pQ + x - kx)
                    let a = SIMD4<Double>(n4 &* q4 &- s4 &* s4)
                    let sx = SIMD4<Double>(s4)
                    let b4 = SIMD4(boundB[Int(n4[0])], boundB[Int(n4[1])], boundB[Int(n4[2])], boundB[Int(n4[3])])
                    let rhs = gain * sx * b4
                    let pass = (a .> rhs) .& (n4 .>= minC) .& (s4 .>= 0)
                    if any(pass) {
                        for lane in 0..<4 where pass[lane] { test(x + lane, Int32(n4[lane]), s4[lane], q4[lane]) }
                    }
                    x += 4
                }
                while x < w { scalar(x); x += 1 }
            }
        }}}}}}}
        ws.dispersive = dispersive
        if !extended {
            strong.append(contentsOf: directStrong)
            return
        }
        erodeAndTest(image: image, rowStride: rowStride, parameters: p, workspace: ws, strong: &strong,
                     nsigS: nsigS, gain: gain, globalT: globalT)
    }

    // Element-wise SIMD loads and stores: LLVM merges them into vector moves,
    // where `loadUnaligned` went through a memcpy call.
    @inline(__always) static func load8(_ p: UnsafePointer<Int32>) -> SIMD8<Int32> {
        SIMD8(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    }
    @inline(__always) static func load8(_ p: UnsafeMutablePointer<Int32>) -> SIMD8<Int32> {
        SIMD8(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    }
    @inline(__always) static func store8(_ v: SIMD8<Int32>, _ p: UnsafeMutablePointer<Int32>) {
        for i in 0..<8 { p[i] = v[i] }
    }
    @inline(__always) static func load8(_ p: UnsafeMutablePointer<Int64>) -> SIMD8<Int64> {
        SIMD8(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    }
    @inline(__always) static func store8(_ v: SIMD8<Int64>, _ p: UnsafeMutablePointer<Int64>) {
        for i in 0..<8 { p[i] = v[i] }
    }
    @inline(__always) static func load4(_ p: UnsafeMutablePointer<Int32>) -> SIMD4<Int32> {
        SIMD4(p[0], p[1], p[2], p[3])
    }
    @inline(__always) static func load4(_ p: UnsafeMutablePointer<Int64>) -> SIMD4<Int64> {
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
    static func erodeAndTest(image: UnsafePointer<Int32>, rowStride: Int, parameters p: SpotFindingParameters,
                             workspace ws: ThresholdWorkspace, strong: inout [Int32],
                             nsigS: Double, gain: Double, globalT: Double) {
        let w = ws.width, h = ws.height
        let dispersive = ws.dispersive
        var core = ws.core
        core.removeAll(keepingCapacity: true)
        // A pixel survives erosion when its Chebyshev distance to the nearest
        // failing pixel is ≥ min(kx, ky), i.e. every pixel within radius
        // min(k)−1 passes; off-image pixels count as passing (DIALS treats the
        // border as far away). Dispersive pixels are few, so each is checked
        // against its own neighbourhood through a marker image.
        let r = max(0, min(p.kernelSize.x, p.kernelSize.y) - 1)
        ws.isCore.withUnsafeMutableBufferPointer { mark in
            for k in dispersive { mark[Int(k)] = 1 }
            for k in dispersive {
                let k = Int(k)
                let y = k / w, x = k - y * w
                let x0 = max(0, x - r), x1 = min(w - 1, x + r), y0 = max(0, y - r), y1 = min(h - 1, y + r)
                var all = true
                rows: for yy in y0...y1 {
                    let b = yy * w
                    for xx in x0...x1 where mark[b + xx] == 0 { all = false; break rows }
                }
                if all { core.append(Int32(k)) }
            }
            // Now mark only the cores (2), so the wider mean can leave them out.
            for k in core { mark[Int(k)] = 2 }
        }
        defer {
            ws.isCore.withUnsafeMutableBufferPointer { mark in for k in dispersive { mark[Int(k)] = 0 } }
            ws.core = core
        }
        if core.isEmpty { return }
        // Mean over the wider window of background pixels (in the sums and
        // not a core). Cores are few (a few thousand on a 1M-pixel frame), so
        // each window is summed directly; when they are many, summed-area
        // tables of the background count and counts give four look-ups per
        // core instead (Crow 1984).
        let kx = p.kernelSize.x + 2, ky = p.kernelSize.y + 2
        let windowArea = (2 * kx + 1) * (2 * ky + 1)
        if core.count * windowArea <= 2 * w * h {
            ws.sumCount.withUnsafeBufferPointer { mc in
            ws.sumValue.withUnsafeBufferPointer { mv in
            ws.isCore.withUnsafeBufferPointer { mark in
                let mcB = mc.baseAddress!, mvB = mv.baseAddress!, markB = mark.baseAddress!
                for k in core {
                    let k = Int(k)
                    let y = k / w, x = k - y * w
                    let x0 = max(0, x - kx), x1 = min(w - 1, x + kx)
                    let y0 = max(0, y - ky), y1 = min(h - 1, y + ky)
                    var n: Int32 = 0, s: Int64 = 0
                    for yy in y0...y1 {
                        let b = yy * w
                        for xx in x0...x1 {
                            // 1 for a background pixel: in the sums and not a core (mark 2).
                            let use = mcB[b + xx] & Int32((markB[b + xx] >> 1) ^ 1)
                            n &+= use; s &+= Int64(mvB[b + xx] & (0 &- use))
                        }
                    }
                    let mean = n >= 2 ? Double(s) / Double(n) : 0
                    let v = Double(image[y * rowStride + x])
                    if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { strong.append(Int32(k)) }
                }
            }}}
            return
        }
        let sw = w + 1
        if ws.satCount.count != sw * (h + 1) {
            ws.satCount = [Int32](repeating: 0, count: sw * (h + 1))
            ws.satSum = [Int64](repeating: 0, count: sw * (h + 1))
        }
        ws.sumCount.withUnsafeBufferPointer { mc in
        ws.sumValue.withUnsafeBufferPointer { mv in
        ws.isCore.withUnsafeBufferPointer { mark in
        ws.satCount.withUnsafeMutableBufferPointer { tn in
        ws.satSum.withUnsafeMutableBufferPointer { ts in
            for y in 0..<h {
                var rn: Int32 = 0, rs: Int64 = 0
                let b = y * w, t0 = y * sw, t1 = (y + 1) * sw
                for x in 0..<w {
                    let use = mc[b + x] & Int32((mark[b + x] >> 1) ^ 1)
                    rn &+= use; rs &+= Int64(mv[b + x] & (0 &- use))
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
        }}}}}
    }
}
