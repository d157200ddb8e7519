// DispersionThreshold+NonNegative: the fast form of the dispersion thresholds for panels whose trusted counts are ≥ 0.

/// Row buffers of the non-negative kernel, sized for one panel width and window.
final class NonNegativeBuffers {
    let width: Int, ringRows: Int
    /// Ring of classified rows: value where the pixel enters the sums, else 0;
    /// its square (wrapping); 1 where a masked-in pixel drops out this frame.
    let value, square, dropped: UnsafeMutablePointer<Int32>
    let rowHasDropped: UnsafeMutablePointer<Bool>
    /// Column sums over the window rows and their prefix sums along the row.
    let columnSum, columnSquare, columnDropped: UnsafeMutablePointer<Int32>
    let prefixSum, prefixSquare, prefixDropped: UnsafeMutablePointer<Int32>

    init(width: Int, ringRows: Int) {
        self.width = width; self.ringRows = ringRows
        let ring = width * ringRows
        value = .allocate(capacity: ring); square = .allocate(capacity: ring); dropped = .allocate(capacity: ring)
        value.initialize(repeating: 0, count: ring); square.initialize(repeating: 0, count: ring)
        dropped.initialize(repeating: 0, count: ring)
        rowHasDropped = .allocate(capacity: ringRows)
        rowHasDropped.initialize(repeating: false, count: ringRows)
        columnSum = .allocate(capacity: width); columnSquare = .allocate(capacity: width)
        columnDropped = .allocate(capacity: width)
        prefixSum = .allocate(capacity: width + 1); prefixSquare = .allocate(capacity: width + 1)
        prefixDropped = .allocate(capacity: width + 1)
    }

    deinit {
        for p in [value, square, dropped, columnSum, columnSquare, columnDropped, prefixSum, prefixSquare, prefixDropped] {
            p.deallocate()
        }
        rowHasDropped.deallocate()
    }
}

extension DispersionThreshold {
    /// Below this window sum the window's Σv² fits Int32 (all values ≥ 0, so Σv² ≤ (Σv)²).
    static let exactSquareLimit: Int32 = 46_341

    /// The dispersion thresholds when every value that enters the sums is ≥ 0
    /// (trusted range starting at −1 or above, as for photon counters).
    ///
    /// Same decisions as the general kernel, less work per pixel:
    /// - the window count comes from the static mask, once per panel
    ///   (`ThresholdPlan`), corrected only on rows near a pixel that drops out
    ///   this frame;
    /// - Σv² is exact in Int32 while Σv < 46 341 (v ≥ 0), so no per-pixel
    ///   overflow flag; larger windows are summed again in Int64;
    /// - the background test runs first in Float with a margin far above its
    ///   rounding error, and only windows it cannot reject are tested exactly;
    /// - for dispersion_extended, the wider window's sums are taken when a
    ///   pixel passes the background test, from the column sums already at
    ///   hand plus the two rows beyond them each side; the spot cores are
    ///   taken out of those sums after the erosion, cores being few.
    static func nonNegativeStrongPixels(image: UnsafePointer<Int32>, rowStride: Int, mask: UnsafePointer<UInt8>,
                                        lowI: Int32, highI: Int32, parameters p: SpotFindingParameters,
                                        plan: ThresholdPlan, workspace ws: ThresholdWorkspace,
                                        strong: inout [Int32]) {
        let w = ws.width, h = ws.height
        let kx = min(p.kernelSize.x, w), ky = min(p.kernelSize.y, h)
        let extended = p.algorithm == .dispersionExtended
        let kx2 = p.kernelSize.x + 2, ky2 = p.kernelSize.y + 2
        let lookahead = extended ? max(ky, ky2) : ky
        let ringRows = 2 * lookahead + 2
        if ws.nonNegative?.width != w || ws.nonNegative?.ringRows != ringRows {
            ws.nonNegative = NonNegativeBuffers(width: w, ringRows: ringRows)
        }
        let b = ws.nonNegative!
        let ringV = b.value, ringQ = b.square, ringD = b.dropped
        let cS = b.columnSum, cQ = b.columnSquare, cD = b.columnDropped
        let pS = b.prefixSum, pQ = b.prefixSquare, pD = b.prefixDropped
        let countF = plan.count, boundF = plan.scaledBound, maskBits = plan.maskBits
        let hiSum = min(highI, big)
        let gain = p.gain, nsigS = p.sigmaStrong, globalT = p.globalThreshold, minCount = p.minLocal
        let maxN = (2 * kx + 1) * (2 * ky + 1)
        let bound: [Double] = (0...maxN).map { (n: Int) -> Double in
            if n < 2 { return .infinity }
            let n1 = Double(n - 1)
            return n1 + p.sigmaBackground * (2 * n1).squareRoot()
        }
        var out = KernelOutput(dispersive: ws.dispersive, dispersiveValue: ws.dispersiveValue,
                               wideCount: ws.wideCount, wideSum: ws.wideSum)
        let rowHasDropped = b.rowHasDropped

        @inline(__always) func slot(_ y: Int) -> Int { (y % ringRows) * w }
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
        @inline(__always) func isValid(_ y: Int, _ x: Int) -> Bool {
            let v = image[y * rowStride + x]
            return mask[y * w + x] != 0 && v > lowI && v < highI
        }

        for x in 0..<w { cS[x] = 0; cQ[x] = 0; cD[x] = 0 }
        pS[0] = 0; pQ[0] = 0; pD[0] = 0
        for r in 0..<min(lookahead, h) { classify(r) }
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
            if y + lookahead < h { classify(y + lookahead) }
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
            for x in 0..<w { pS[x + 1] = pS[x] &+ cS[x]; pQ[x + 1] = pQ[x] &+ cQ[x] }
            let rowDropped = droppedRows > 0
            if rowDropped { for x in 0..<w { pD[x + 1] = pD[x] &+ cD[x] } }
            let base = y * w
            // For the wider window: the rows beyond the column sums (at most
            // two each side) and whether any of its rows lost a pixel this frame.
            var extra: (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?,
                        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) = (nil, nil, nil, nil)
            var wideDropped = false
            if extended {
                var found = 0
                for yy in max(0, y - ky2)...min(h - 1, y + ky2) {
                    wideDropped = wideDropped || rowHasDropped[yy % ringRows]
                    guard yy < y - ky || yy > y + ky else { continue }
                    let row = ringV + slot(yy)
                    switch found {
                    case 0: extra.0 = row
                    case 1: extra.1 = row
                    case 2: extra.2 = row
                    default: precondition(found == 3, "more than two rows each side of the column sums"); extra.3 = row
                    }
                    found += 1
                }
            }
            let extraRows = extra, wideRowDropped = wideDropped

            // Σv and Σv² over the window rows and columns lo..<hi, in Int64 from the ring.
            @inline(__always) func directSums(_ lo: Int, _ hi: Int) -> (Int64, Int64) {
                var s: Int64 = 0, q: Int64 = 0
                for yy in max(0, y - ky)...min(h - 1, y + ky) {
                    let v = ringV + slot(yy)
                    for xx in lo..<hi { let t = Int64(v[xx]); s &+= t; q &+= t &* t }
                }
                return (s, q)
            }
            // Column xx of the wider window: the column sum plus the rows beyond it.
            @inline(__always) func wideColumn(_ xx: Int) -> Int64 {
                var s = Int64(cS[xx])
                if let r = extraRows.0 { s &+= Int64(r[xx]) }
                if let r = extraRows.1 { s &+= Int64(r[xx]) }
                if let r = extraRows.2 { s &+= Int64(r[xx]) }
                if let r = extraRows.3 { s &+= Int64(r[xx]) }
                return s
            }
            // The wider window's count and Σv (cores still in), for dispersion_extended;
            // slid one column on from the previous pixel of the row when adjacent.
            @inline(__always) func wideSums(_ x: Int, _ o: inout KernelOutput) -> (Int32, Int64) {
                let lo = max(0, x - kx2), hi = min(w - 1, x + kx2)
                var s: Int64
                if o.wideLastX == x - 1 && o.wideLastRow == y {
                    s = o.wideLastSum
                    if x - 1 - kx2 >= 0 { s &-= wideColumn(x - 1 - kx2) }
                    if x + kx2 <= w - 1 { s &+= wideColumn(x + kx2) }
                } else {
                    s = 0
                    for xx in lo...hi { s &+= wideColumn(xx) }
                }
                o.wideLastX = x; o.wideLastRow = y; o.wideLastSum = s
                var drops = 0
                if wideRowDropped {
                    for yy in max(0, y - ky2)...min(h - 1, y + ky2) where rowHasDropped[yy % ringRows] {
                        let d = ringD + slot(yy)
                        for xx in lo...hi { drops += Int(d[xx]) }
                    }
                }
                return (Int32(plan.windowCount(x: x, y: y, kx: kx2, ky: ky2) - drops), s)
            }
            // The exact test of one pixel from its window's prefix-sum bounds.
            @inline(__always) func test(_ x: Int, _ o: inout KernelOutput) {
                let lo = max(0, x - kx), hi = min(w, x + kx + 1)
                var n = Int(countF[base + x])
                if rowDropped { n -= Int(pD[hi] &- pD[lo]) }
                let s32 = pS[hi] &- pS[lo]
                var s = Int64(s32), q = Int64(pQ[hi] &- pQ[lo])
                if s32 >= exactSquareLimit { (s, q) = directSums(lo, hi) }
                guard n >= minCount, n >= 2 else { return }
                // n·Σv² − (Σv)² > g·Σv·(n − 1 + σ_b·sqrt(2(n−1))): the index of dispersion
                // test multiplied through by n·(n−1)·mean, as in the general kernel.
                let a = Double(Int64(n) &* q &- s &* s)
                let sx = Double(s)
                guard a > gain * sx * bound[n], isValid(y, x) else { return }
                if extended {
                    o.dispersive.append(Int32(base + x))
                    o.dispersiveValue.append(image[y * rowStride + x])
                    let wide = wideSums(x, &o)
                    o.wideCount.append(wide.0); o.wideSum.append(wide.1)
                } else {
                    let m = Double(n), vi = Double(image[y * rowStride + x])
                    if m * vi > sx + nsigS * (gain * sx * m).squareRoot() && vi > globalT {
                        o.direct.append(Int32(base + x))
                    }
                }
            }

            var x = 0
            if !rowDropped {
                // Interior columns four at a time: a Float pre-test whose margin
                // (2^-18 of the terms' size) is far above its rounding error
                // (~2^-22), so every pixel the exact test would pass gets to it.
                while x < min(kx, w) { test(x, &out); x += 1 }
                let interiorEnd = w - kx
                let limit = SIMD4<Int32>(repeating: exactSquareLimit)
                while x + 4 <= interiorEnd {
                    let s4 = load(pS + x + kx + 1) &- load(pS + x - kx)
                    let q4 = load(pQ + x + kx + 1) &- load(pQ + x - kx)
                    if any(s4 .>= limit) {
                        for lane in 0..<4 { test(x + lane, &out) }
                        x += 4
                        continue
                    }
                    let sf = SIMD4<Float>(s4), qf = SIMD4<Float>(q4)
                    let nf = UnsafeRawPointer(countF + base + x).loadUnaligned(as: SIMD4<Float>.self)
                    let gb = UnsafeRawPointer(boundF + base + x).loadUnaligned(as: SIMD4<Float>.self)
                    let nq = nf * qf, ss = sf * sf, rhs = gb * sf
                    let margin = (nq + ss + rhs) * (1.0 / 262_144)
                    let maybe = nq - ss .> rhs - margin
                    if any(maybe) {
                        for lane in 0..<4 where maybe[lane] { test(x + lane, &out) }
                    }
                    x += 4
                }
            }
            while x < w { test(x, &out); x += 1 }
        }
        ws.dispersive = out.dispersive
        ws.dispersiveValue = out.dispersiveValue
        ws.wideCount = out.wideCount; ws.wideSum = out.wideSum
        if !extended {
            strong.append(contentsOf: out.direct)
            return
        }
        coreTest(parameters: p, workspace: ws, strong: &strong)
    }

    /// What the non-negative kernel's row loop gathers, passed `inout` so the
    /// per-pixel helpers need no captured mutable state.
    struct KernelOutput {
        var dispersive: [Int32]
        /// Their counts, kept while the row is in cache: the cores' tests need them again.
        var dispersiveValue: [Int32]
        var wideCount: [Int32]
        var wideSum: [Int64]
        var direct: [Int32] = []
        /// The last wider-window sum, to slide from along a row.
        var wideLastX = -2, wideLastRow = -1
        var wideLastSum: Int64 = 0

        init(dispersive: [Int32], dispersiveValue: [Int32], wideCount: [Int32], wideSum: [Int64]) {
            self.dispersive = dispersive; self.dispersiveValue = dispersiveValue
            self.wideCount = wideCount; self.wideSum = wideSum
            self.dispersive.removeAll(keepingCapacity: true)
            self.dispersiveValue.removeAll(keepingCapacity: true)
            self.wideCount.removeAll(keepingCapacity: true)
            self.wideSum.removeAll(keepingCapacity: true)
        }
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Int32>) -> SIMD4<Int32> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Int32>.self)
    }

    /// dispersion_extended after the non-negative kernel's background test:
    /// erosion to the cores, then each core's wider-window mean with the
    /// cores (and only the cores) taken out of the sums gathered earlier.
    static func coreTest(parameters p: SpotFindingParameters, workspace ws: ThresholdWorkspace,
                         strong: inout [Int32]) {
        let w = ws.width, h = ws.height
        let cores = erode(workspace: ws, radius: max(0, min(p.kernelSize.x, p.kernelSize.y) - 1))
        if cores.isEmpty { return }
        let kx2 = p.kernelSize.x + 2, ky2 = p.kernelSize.y + 2
        let gain = p.gain, nsigS = p.sigmaStrong, globalT = p.globalThreshold
        let dispersive = ws.dispersive, values = ws.dispersiveValue, wideCount = ws.wideCount, wideSum = ws.wideSum
        // Cores in raster order: row y's are coreX[rowStart[y]..<rowStart[y + 1]], by x,
        // with running totals of the count and Σv of those in the sums (below 2^24).
        let m = cores.count
        var coreX = [Int](repeating: 0, count: m)
        var totalN = [Int32](repeating: 0, count: m + 1), totalS = [Int64](repeating: 0, count: m + 1)
        var rowStart = [Int](repeating: 0, count: h + 1)
        for (j, i) in cores.enumerated() {
            let k = Int(dispersive[i])
            let y = k / w, x = k - y * w
            coreX[j] = x
            rowStart[y + 1] += 1
            let v = values[i]
            totalN[j + 1] = totalN[j] + (v < big ? 1 : 0)
            totalS[j + 1] = totalS[j] + (v < big ? Int64(v) : 0)
        }
        for y in 0..<h { rowStart[y + 1] += rowStart[y] }
        // Each core's wider-window count and Σv, less the cores inside the window
        // (spot, not background). For one core row against one nearby row, the
        // window's ends only move right as x grows: two pointers walk that row once.
        var n = cores.map { wideCount[$0] }, sum = cores.map { wideSum[$0] }
        for y in 0..<h {
            let c0 = rowStart[y], c1 = rowStart[y + 1]
            if c0 == c1 { continue }
            for yy in max(0, y - ky2)...min(h - 1, y + ky2) {
                let r0 = rowStart[yy], r1 = rowStart[yy + 1]
                if r0 == r1 { continue }
                // Start at the first core that can fall in the first window.
                var a = r0, hi = r1
                let first = coreX[c0] - kx2
                while a < hi { let mid = (a + hi) >> 1; if coreX[mid] < first { a = mid + 1 } else { hi = mid } }
                var b = a
                for j in c0..<c1 {
                    let x = coreX[j]
                    while a < r1 && coreX[a] < x - kx2 { a += 1 }
                    if b < a { b = a }
                    while b < r1 && coreX[b] <= x + kx2 { b += 1 }
                    n[j] -= totalN[b] - totalN[a]; sum[j] -= totalS[b] - totalS[a]
                }
            }
        }
        for (j, i) in cores.enumerated() {
            let k = Int(dispersive[i])
            let mean = n[j] >= 2 ? Double(sum[j]) / Double(n[j]) : 0
            let v = Double(values[i])
            if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { strong.append(Int32(k)) }
        }
    }

    /// The cores of the dispersive pixels: those whose every neighbour within
    /// Chebyshev `radius` (inside the panel) is dispersive too, DIALS' erosion
    /// of the background-test mask. Returns positions in `ws.dispersive`.
    ///
    /// Bit-parallel: each row's dispersive pixels as bits, eroded along the row
    /// 64 pixels per word (pixels beyond the ends count as dispersive, as DIALS
    /// treats the border); a pixel is then a core when its bit survives in
    /// every row within the radius.
    static func erode(workspace ws: ThresholdWorkspace, radius r: Int) -> [Int] {
        let w = ws.width, h = ws.height
        let dispersive = ws.dispersive
        if dispersive.isEmpty { return [] }
        precondition(r < 64, "erosion radius \(r) beyond one padding word")
        // Words per row, plus one padding word of ones each side so shifts need no bounds.
        let words = (w + 63) / 64, stride = words + 2
        var bits = [UInt64](repeating: 0, count: stride * h)
        var eroded = [UInt64](repeating: 0, count: stride * h)
        var rowUsed = [Bool](repeating: false, count: h)
        for k in dispersive {
            let y = Int(k) / w, x = Int(k) - y * w
            bits[y * stride + 1 + x >> 6] |= 1 << UInt64(x & 63)
            rowUsed[y] = true
        }
        let tail = w & 63 == 0 ? UInt64(0) : ~UInt64(0) << UInt64(w & 63)
        for y in 0..<h where rowUsed[y] {
            let o = y * stride
            bits[o] = ~0; bits[o + words + 1] = ~0; bits[o + words] |= tail
            for i in 1...words {
                var e = bits[o + i]
                for d in 1...max(1, r) where r > 0 {
                    // Bit x takes bit x + d (from this word and the next) and bit x − d.
                    let sd = UInt64(d)
                    e &= (bits[o + i] >> sd) | (bits[o + i + 1] << (64 - sd))
                    e &= (bits[o + i] << sd) | (bits[o + i - 1] >> (64 - sd))
                }
                eroded[o + i] = e
            }
        }
        var cores: [Int] = []
        for (i, k) in dispersive.enumerated() {
            let y = Int(k) / w, x = Int(k) - y * w
            let word = 1 + x >> 6, bit = UInt64(1) << UInt64(x & 63)
            var core = true
            for yy in max(0, y - r)...min(h - 1, y + r) where eroded[yy * stride + word] & bit == 0 {
                core = false
                break
            }
            if core { cores.append(i) }
        }
        return cores
    }
}
