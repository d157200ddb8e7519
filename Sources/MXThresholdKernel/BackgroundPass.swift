// BackgroundPass: the dense pass of the dispersion thresholds over one panel image whose trusted counts are ≥ 0.

/// Marks an instruction set the background pass is compiled for. The pass is
/// generic over it only so that each module naming one (this one, and
/// MXThresholdKernelAVX2, built for Haswell-class processors) compiles its
/// own copy; the type itself carries nothing.
public protocol InstructionSet {}

/// The instruction set every x86-64 (and every other) target has.
public enum BaselineInstructions: InstructionSet {}

/// What the background pass needs to know besides the image and the plan.
public struct BackgroundPassSettings: Sendable {
    /// Values v with lowI < v < highI are trusted; lowI ≥ −1.
    public var lowI: Int32, highI: Int32
    /// Half-sizes of the local window, already clipped to the panel.
    public var kernel: (x: Int, y: Int)
    /// Half-sizes of the wider window of dispersion_extended (kernel + 2, unclipped).
    public var wideKernel: (x: Int, y: Int)
    /// dispersion_extended's erosion radius (min(kernel) − 1 of the unclipped kernel, ≥ 0).
    public var erosionRadius: Int
    /// dispersion_extended (erosion and the cores' test follow) or dispersion (the strong test follows).
    public var extended: Bool
    public var gain: Double, sigmaBackground: Double, sigmaStrong: Double, globalThreshold: Double
    /// Fewest valid pixels in a window for a test.
    public var minCount: Int

    public init(lowI: Int32, highI: Int32, kernel: (x: Int, y: Int), wideKernel: (x: Int, y: Int), erosionRadius: Int,
                extended: Bool, gain: Double, sigmaBackground: Double, sigmaStrong: Double, globalThreshold: Double,
                minCount: Int) {
        self.lowI = lowI; self.highI = highI; self.kernel = kernel; self.wideKernel = wideKernel
        self.erosionRadius = erosionRadius
        self.extended = extended; self.gain = gain; self.sigmaBackground = sigmaBackground
        self.sigmaStrong = sigmaStrong; self.globalThreshold = globalThreshold; self.minCount = minCount
    }
}

public enum BackgroundPass {
    /// DIALS leaves pixels at or above 2^24 counts out of the window sums.
    public static let big: Int32 = 1 << 24
    /// Below this window sum the window's Σv² fits Int32 (all values ≥ 0, so Σv² ≤ (Σv)²).
    @usableFromInline static let exactSquareLimit: Int32 = 46_341

    /// Rows the ring must hold for these settings: the window's, and for
    /// dispersion_extended those the core stage still reads (`CoreStage.lag`
    /// rows behind, over the wider window).
    @inlinable public static func ringRows(_ s: BackgroundPassSettings) -> Int {
        s.extended ? s.kernel.y + CoreStage.lag(radius: s.erosionRadius, wideY: s.wideKernel.y) + s.wideKernel.y + 2
            : 2 * s.kernel.y + 2
    }

    /// The background (index of dispersion) test of every pixel of one panel
    /// image; appends the strong pixels to `direct` (ascending). For
    /// dispersion_extended the pixels that pass go row by row to the core
    /// stage (`buffers.coreStage`), which erodes them and tests the cores; for
    /// dispersion the pixels that also pass the strong test are strong.
    ///
    /// Same decisions as DIALS' kernel, less work per pixel:
    /// - the window count comes from the static mask, once per panel
    ///   (`ThresholdPlan`), corrected only on rows near a pixel that drops out
    ///   this frame;
    /// - Σv² is exact in Int32 while Σv < 46 341 (v ≥ 0), so no per-pixel
    ///   overflow flag; larger windows are summed again in Int64;
    /// - the test runs first in Float with a margin far above its rounding
    ///   error, and only windows it cannot reject are tested exactly;
    /// - for dispersion_extended a dispersive pixel is one bit in a row; only
    ///   the cores get the wider window's sums, from running column totals.
    ///
    /// `@inlinable` and generic over `I` so that a module built for other
    /// instructions (MXThresholdKernelAVX2) compiles its own copy.
    @inlinable
    public static func run<I: InstructionSet>(_ instructions: I.Type, image: UnsafePointer<Int32>, rowStride: Int,
                                              settings st: BackgroundPassSettings, plan: ThresholdPlan,
                                              buffers b: BackgroundPassBuffers, direct: inout [Int32]) {
        let w = plan.width, h = plan.height
        let kx = st.kernel.x, ky = st.kernel.y
        let extended = st.extended
        let ringRows = ringRows(st)
        precondition(b.width == w && b.ringRows == ringRows, "background-pass buffers sized for another panel")
        let stage = extended ? b.coreStage(height: h, radius: st.erosionRadius, wide: st.wideKernel) : nil
        stage?.begin(image: image, rowStride: rowStride, plan: plan, settings: st)
        let dispersiveBits = stage?.dispersive ?? b.zeroBits
        let lowI = st.lowI, highI = st.highI
        let ringV = b.value, ringQ = b.square, ringD = b.dropped
        let cS = b.columnSum, cQ = b.columnSquare, cD = b.columnDropped
        let pS = b.prefixSum, pQ = b.prefixSquare, pD = b.prefixDropped
        let countF = plan.count, boundF = plan.scaledBound, maskBits = plan.maskBits
        let hiSum = min(highI, big)
        let gain = st.gain, nsigS = st.sigmaStrong, globalT = st.globalThreshold, minCount = st.minCount
        let maxN = (2 * kx + 1) * (2 * ky + 1)
        // Right-hand side of the test per window count n (a pointer: no bounds check per pixel).
        let bound = UnsafeMutablePointer<Double>.allocate(capacity: maxN + 1)
        defer { bound.deallocate() }
        for n in 0...maxN {
            let n1 = Double(n - 1)
            bound[n] = n < 2 ? .infinity : n1 + st.sigmaBackground * (2 * n1).squareRoot()
        }
        var out = KernelOutput()
        let rowHasDropped = b.rowHasDropped

        @inline(__always) func slot(_ y: Int) -> Int { (y % ringRows) * w }
        let limit8 = SIMD8<Int32>(repeating: exactSquareLimit), limit4 = SIMD4<Int32>(repeating: exactSquareLimit)
        let load4 = BackgroundPass.load4, load8 = BackgroundPass.load8
        let sum7 = BackgroundPass.sum7, sum7x4 = BackgroundPass.sum7x4
        let sevenWide = kx == 3
        // For dispersion_extended's sure lanes: the lowest count tested, the trusted range, and lane weights.
        let minCountF = SIMD8<Float>(repeating: Float(max(minCount, 2)))
        let lowI8 = SIMD8<Int32>(repeating: lowI), highI8 = SIMD8<Int32>(repeating: highI)
        let laneBit = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)
        // The plan's mask bits are −1 (in) or 0: `.< 0` tests them in one compare (`.!= 0` compiles to a lane loop).
        let zero8 = SIMD8<Int32>(repeating: 0)
        // Classify row r: the value where it enters the sums, its square, and
        // whether a masked-in pixel drops out (untrusted or ≥ 2^24).
        @inline(__always) func classify(_ r: Int) {
            let row = image + r * rowStride, m = maskBits + r * w
            let o = slot(r)
            let v = ringV + o, q = ringQ + o
            var drops: Int32 = 0
            for x in 0..<w {
                let value = row[x]
                // Bit masks, not `&&`: a branch-free body vectorises.
                let ok = m[x] & (value > lowI ? -1 : 0) & (value < hiSum ? -1 : 0)
                v[x] = value & ok
                drops |= m[x] ^ ok
            }
            for x in 0..<w { q[x] = v[x] &* v[x] }
            rowHasDropped[r % ringRows] = drops != 0
            if drops != 0 {
                let d = ringD + o
                for x in 0..<w {
                    let value = row[x]
                    d[x] = (m[x] ^ (m[x] & (value > lowI ? -1 : 0) & (value < hiSum ? -1 : 0))) & 1
                }
            }
        }
        // The mask as bits (read for this row by `classify` lately, so in cache, where the byte mask is not).
        @inline(__always) func isValid(_ y: Int, _ x: Int) -> Bool {
            let v = image[y * rowStride + x]
            return maskBits[y * w + x] != 0 && v > lowI && v < highI
        }

        for x in 0..<w { cS[x] = 0; cQ[x] = 0; cD[x] = 0 }
        pS[0] = 0; pQ[0] = 0; pD[0] = 0
        for r in 0..<min(ky, h) { classify(r) }
        // The column sums start with the rows above the first window's centre.
        var droppedRows = 0
        for r in 0..<min(ky, h) {
            let v = ringV + slot(r), q = ringQ + slot(r)
            for x in 0..<w { cS[x] &+= v[x]; cQ[x] &+= q[x] }
            if rowHasDropped[r % ringRows] {
                let d = ringD + slot(r)
                for x in 0..<w { cD[x] &+= d[x] }
                droppedRows += 1
            }
        }
        for y in 0..<h {
            if y + ky < h { classify(y + ky) }
            let enter = y + ky < h ? y + ky : -1, leave = y - ky - 1
            if enter >= 0 && leave >= 0 {
                let ev = ringV + slot(enter), lv = ringV + slot(leave)
                for x in 0..<w { cS[x] &+= ev[x] &- lv[x] }
                let eq = ringQ + slot(enter), lq = ringQ + slot(leave)
                for x in 0..<w { cQ[x] &+= eq[x] &- lq[x] }
            } else if enter >= 0 {
                let ev = ringV + slot(enter), eq = ringQ + slot(enter)
                for x in 0..<w { cS[x] &+= ev[x] }
                for x in 0..<w { cQ[x] &+= eq[x] }
            } else if leave >= 0 {
                let lv = ringV + slot(leave), lq = ringQ + slot(leave)
                for x in 0..<w { cS[x] &-= lv[x] }
                for x in 0..<w { cQ[x] &-= lq[x] }
            }
            if enter >= 0 && rowHasDropped[enter % ringRows] {
                let d = ringD + slot(enter)
                for x in 0..<w { cD[x] &+= d[x] }
                droppedRows += 1
            }
            if leave >= 0 && rowHasDropped[leave % ringRows] {
                let d = ringD + slot(leave)
                for x in 0..<w { cD[x] &-= d[x] }
                droppedRows -= 1
            }
            let rowDropped = droppedRows > 0
            // Window sums: from prefix sums along the row, except for the
            // default 7-pixel-wide window on rows where every pixel counts as
            // in the plan: there eight windows at a time are summed directly
            // from the column sums (seven vector adds, no serial prefix chain).
            let prefixed = !sevenWide || rowDropped
            if prefixed { for x in 0..<w { pS[x + 1] = pS[x] &+ cS[x]; pQ[x + 1] = pQ[x] &+ cQ[x] } }
            if rowDropped { for x in 0..<w { pD[x + 1] = pD[x] &+ cD[x] } }
            let base = y * w

            // Σv and Σv² over the window rows and columns lo..<hi, in Int64 from the ring.
            @inline(__always) func directSums(_ lo: Int, _ hi: Int) -> (Int64, Int64) {
                var s: Int64 = 0, q: Int64 = 0
                for yy in max(0, y - ky)...min(h - 1, y + ky) {
                    let v = ringV + slot(yy)
                    for xx in lo..<hi { let t = Int64(v[xx]); s &+= t; q &+= t &* t }
                }
                return (s, q)
            }
            // The exact test of one pixel: window sums from the prefix sums, or from the column sums.
            @inline(__always) func test(_ x: Int, _ o: inout KernelOutput) {
                let lo = max(0, x - kx), hi = min(w, x + kx + 1)
                var n = Int(countF[base + x])
                if rowDropped { n -= Int(pD[hi] &- pD[lo]) }
                var s32: Int32 = 0, q32: Int32 = 0
                if prefixed {
                    s32 = pS[hi] &- pS[lo]; q32 = pQ[hi] &- pQ[lo]
                } else {
                    for xx in lo..<hi { s32 &+= cS[xx]; q32 &+= cQ[xx] }
                }
                var s = Int64(s32), q = Int64(q32)
                if s32 >= BackgroundPass.exactSquareLimit { (s, q) = directSums(lo, hi) }
                guard n >= minCount, n >= 2 else { return }
                // n·Σv² − (Σv)² > g·Σv·(n − 1 + σ_b·sqrt(2(n−1))): the index of dispersion
                // test multiplied through by n·(n−1)·mean, as in the general kernel.
                let a = Double(Int64(n) &* q &- s &* s)
                let sx = Double(s)
                guard a > gain * sx * bound[n], isValid(y, x) else { return }
                if extended {
                    dispersiveBits[1 + x >> 6] |= 1 << UInt64(x & 63)
                } else {
                    let m = Double(n), vi = Double(image[y * rowStride + x])
                    if m * vi > sx + nsigS * (gain * sx * m).squareRoot() && vi > globalT {
                        o.direct.append(Int32(base + x))
                    }
                }
            }

            if rowDropped {
                for x in 0..<w { test(x, &out) }
                stage?.rowDone(y, buffers: b)
                continue
            }
            let first = min(kx, w), last = max(first, w - kx)
            for x in 0..<first { test(x, &out) }
            // Columns x in [kx, w − kx) go through a Float pre-test, eight then
            // four at a time; its margin (2^-18 of the terms' size) is far above
            // its rounding error (~2^-22), so every pixel the exact test would
            // pass gets to it. The row is taken in segments: along the plan's
            // whole runs (most of the panel) the count and bound come from one
            // constant row, elsewhere from the per-pixel arrays.
            let runs = plan.whole
            var run = runs.first[y]
            let runEnd = runs.first[y + 1]
            var x = first
            while x < last {
                let segmentEnd: Int, nRow: UnsafeMutablePointer<Float>, bRow: UnsafeMutablePointer<Float>
                if run < runEnd && runs.start[run] <= x {
                    // Whole runs lie in [kx, w − kx): their windows are inside the panel.
                    segmentEnd = runs.end[run]; run += 1
                    nRow = plan.wholeCountRow; bRow = plan.wholeBoundRow
                } else {
                    segmentEnd = run < runEnd ? runs.start[run] : last
                    nRow = countF + base; bRow = boundF + base
                }
                while x + 8 <= segmentEnd {
                    let s8: SIMD8<Int32>, q8: SIMD8<Int32>
                    if prefixed {
                        s8 = load8(pS + x + kx + 1) &- load8(pS + x - kx)
                        q8 = load8(pQ + x + kx + 1) &- load8(pQ + x - kx)
                    } else {
                        s8 = sum7(cS + x - 3); q8 = sum7(cQ + x - 3)
                    }
                    if any(s8 .>= limit8) {
                        for lane in 0..<8 { test(x + lane, &out) }
                        x += 8
                        continue
                    }
                    let sf = SIMD8<Float>(s8), qf = SIMD8<Float>(q8)
                    let nf = UnsafeRawPointer(nRow + x).loadUnaligned(as: SIMD8<Float>.self)
                    let gb = UnsafeRawPointer(bRow + x).loadUnaligned(as: SIMD8<Float>.self)
                    let nq = nf * qf, ss = sf * sf, rhs = gb * sf
                    let margin = (nq + ss + rhs) * (1.0 / 262_144)
                    let maybe = nq - ss .> rhs - margin
                    if any(maybe) {
                        if extended {
                            // Lanes that pass by more than the margin pass the exact test too:
                            // they are dispersive wherever the pixel itself is valid, set as bits
                            // at once; only the lanes within the margin are tested exactly.
                            let sure = (nq - ss .> rhs + margin) .& (nf .>= minCountF)
                            if any(sure) {
                                let value = UnsafeRawPointer(image + y * rowStride + x).loadUnaligned(as: SIMD8<Int32>.self)
                                let inMask = UnsafeRawPointer(maskBits + base + x).loadUnaligned(as: SIMD8<Int32>.self)
                                let valid = sure .& (inMask .< zero8) .& (value .> lowI8) .& (value .< highI8)
                                let bits = UInt64(laneBit.replacing(with: 0, where: .!valid).wrappedSum())
                                if bits != 0 {
                                    let shift = UInt64(x & 63), word = 1 + x >> 6
                                    dispersiveBits[word] |= bits << shift
                                    if shift > 56 { dispersiveBits[word + 1] |= bits >> (64 - shift) }
                                }
                            }
                            let unsure = maybe .& .!sure
                            if any(unsure) {
                                for lane in 0..<8 where unsure[lane] { test(x + lane, &out) }
                            }
                        } else {
                            for lane in 0..<8 where maybe[lane] { test(x + lane, &out) }
                        }
                    }
                    x += 8
                }
                while x + 4 <= segmentEnd {
                    let s4: SIMD4<Int32>, q4: SIMD4<Int32>
                    if prefixed {
                        s4 = load4(pS + x + kx + 1) &- load4(pS + x - kx)
                        q4 = load4(pQ + x + kx + 1) &- load4(pQ + x - kx)
                    } else {
                        s4 = sum7x4(cS + x - 3); q4 = sum7x4(cQ + x - 3)
                    }
                    if any(s4 .>= limit4) {
                        for lane in 0..<4 { test(x + lane, &out) }
                        x += 4
                        continue
                    }
                    let sf = SIMD4<Float>(s4), qf = SIMD4<Float>(q4)
                    let nf = UnsafeRawPointer(nRow + x).loadUnaligned(as: SIMD4<Float>.self)
                    let gb = UnsafeRawPointer(bRow + x).loadUnaligned(as: SIMD4<Float>.self)
                    let nq = nf * qf, ss = sf * sf, rhs = gb * sf
                    let margin = (nq + ss + rhs) * (1.0 / 262_144)
                    let maybe = nq - ss .> rhs - margin
                    if any(maybe) {
                        for lane in 0..<4 where maybe[lane] { test(x + lane, &out) }
                    }
                    x += 4
                }
                while x < segmentEnd { test(x, &out); x += 1 }
            }
            for x in max(first, last)..<w { test(x, &out) }
            stage?.rowDone(y, buffers: b)
        }
        if let stage {
            stage.finish(buffers: b)
            direct.append(contentsOf: stage.strong)
        } else {
            direct.append(contentsOf: out.direct)
        }
    }

    /// What the row loop gathers, passed `inout` so the per-pixel helpers
    /// need no captured mutable state.
    @usableFromInline struct KernelOutput {
        /// The strong pixels (dispersion).
        @usableFromInline var direct: [Int32] = []

        @inlinable init() {}
    }

    @inlinable @inline(__always) static func load4(_ p: UnsafeMutablePointer<Int32>) -> SIMD4<Int32> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Int32>.self)
    }

    @inlinable @inline(__always) static func load8(_ p: UnsafeMutablePointer<Int32>) -> SIMD8<Int32> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int32>.self)
    }

    /// Lanes i = 0..<8 of p[i] + p[i + 1] + … + p[i + 6] (wrapping): eight 7-wide window sums.
    @inlinable @inline(__always) static func sum7(_ p: UnsafeMutablePointer<Int32>) -> SIMD8<Int32> {
        let a = load8(p) &+ load8(p + 1), b = load8(p + 2) &+ load8(p + 3)
        let c = load8(p + 4) &+ load8(p + 5)
        return (a &+ b) &+ (c &+ load8(p + 6))
    }

    /// The same, four lanes.
    @inlinable @inline(__always) static func sum7x4(_ p: UnsafeMutablePointer<Int32>) -> SIMD4<Int32> {
        let a = load4(p) &+ load4(p + 1), b = load4(p + 2) &+ load4(p + 3)
        let c = load4(p + 4) &+ load4(p + 5)
        return (a &+ b) &+ (c &+ load4(p + 6))
    }

    /// The pass compiled for the baseline instruction set.
    /// Never inlined: the caller's module is built for the baseline, and
    /// cross-module optimisation would otherwise compile this body there.
    @inline(never) public static func runBaseline(image: UnsafePointer<Int32>, rowStride: Int, settings: BackgroundPassSettings,
                                   plan: ThresholdPlan, buffers: BackgroundPassBuffers, direct: inout [Int32]) {
        run(BaselineInstructions.self, image: image, rowStride: rowStride, settings: settings, plan: plan,
            buffers: buffers, direct: &direct)
    }
}
