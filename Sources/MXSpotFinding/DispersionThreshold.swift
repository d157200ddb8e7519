// DispersionThreshold: marks the strong pixels of one panel image with DIALS' dispersion tests.

/// Reusable per-thread buffers for thresholding panels of one size.
public final class ThresholdWorkspace {
    let width: Int, height: Int
    var valid: [UInt8]
    var cv: [UInt8]
    var horizontal: [UInt8]
    var columnCount: [Int32]
    var columnSum: [Int64]
    var columnSumSq: [Int64]
    var core: [Int32] = []

    public init(width: Int, height: Int) {
        self.width = width; self.height = height
        valid = [UInt8](repeating: 0, count: width * height)
        cv = valid
        horizontal = valid
        columnCount = [Int32](repeating: 0, count: width)
        columnSum = [Int64](repeating: 0, count: width)
        columnSumSq = columnSum
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
        let kx = p.kernelSize.x, ky = p.kernelSize.y
        let lowI = trustedBound(trusted.low, up: true), highI = trustedBound(trusted.high, up: false)
        let gain = p.gain, nsigB = p.sigmaBackground, nsigS = p.sigmaStrong, minCount = Int32(p.minLocal)
        let globalT = p.globalThreshold
        let extended = p.algorithm == .dispersionExtended
        ws.core.removeAll(keepingCapacity: true)

        ws.valid.withUnsafeMutableBufferPointer { valid in
        ws.cv.withUnsafeMutableBufferPointer { cv in
        ws.columnCount.withUnsafeMutableBufferPointer { cN in
        ws.columnSum.withUnsafeMutableBufferPointer { cS in
        ws.columnSumSq.withUnsafeMutableBufferPointer { cQ in
            // Valid pixels: static mask and trusted range (low < v < high).
            for y in 0..<h {
                let row = image + y * rowStride
                let base = y * w
                for x in 0..<w {
                    let v = row[x]
                    valid[base + x] = (mask[base + x] != 0 && v > lowI && v < highI) ? 1 : 0
                }
            }
            for x in 0..<w { cN[x] = 0; cS[x] = 0; cQ[x] = 0 }
            @inline(__always) func addRow(_ y: Int, _ sign: Int64) {
                let row = image + y * rowStride
                let base = y * w
                for x in 0..<w where valid[base + x] != 0 {
                    let v = row[x]
                    if v < big {
                        let v64 = Int64(v)
                        cN[x] &+= Int32(sign); cS[x] &+= sign * v64; cQ[x] &+= sign * v64 * v64
                    }
                }
            }
            for y in 0..<min(ky, h) { addRow(y, 1) }
            for y in 0..<h {
                if y + ky < h { addRow(y + ky, 1) }
                if y - ky - 1 >= 0 { addRow(y - ky - 1, -1) }
                let row = image + y * rowStride
                let base = y * w
                var n: Int32 = 0, s: Int64 = 0, q: Int64 = 0
                for x in 0..<min(kx, w) { n += cN[x]; s += cS[x]; q += cQ[x] }
                for x in 0..<w {
                    if x + kx < w { n += cN[x + kx]; s += cS[x + kx]; q += cQ[x + kx] }
                    if x - kx - 1 >= 0 { n -= cN[x - kx - 1]; s -= cS[x - kx - 1]; q -= cQ[x - kx - 1] }
                    var isCV: UInt8 = 0
                    if valid[base + x] != 0 && n >= minCount && s >= 0 {
                        // Index-of-dispersion test multiplied through by n·(n−1)·mean:
                        // n·Σv² − (Σv)² > g·Σv·(n − 1 + σ_b·sqrt(2(n−1))).
                        let m = Double(n), sx = Double(s), sq = Double(q)
                        let a = m * sq - sx * sx
                        let c = gain * sx * (m - 1 + nsigB * (2 * (m - 1)).squareRoot())
                        if a > c {
                            if extended {
                                isCV = 1
                            } else {
                                // Strong test: n·I > Σv + σ_s·sqrt(g·Σv·n), and the global threshold.
                                let vi = Double(row[x])
                                if m * vi > sx + nsigS * (gain * sx * m).squareRoot() && vi > globalT {
                                    ws.core.append(Int32(base + x))
                                }
                            }
                        }
                    }
                    cv[base + x] = isCV
                }
            }
        }}}}}
        if !extended {
            strong.append(contentsOf: ws.core)
            return
        }
        erodeAndTest(image: image, rowStride: rowStride, parameters: p, workspace: ws, strong: &strong,
                     nsigS: nsigS, gain: gain, globalT: globalT)
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
        // A pixel survives erosion when its Chebyshev distance to the nearest
        // failing pixel is ≥ min(kx, ky), i.e. every pixel within radius
        // min(k)−1 passes. Off-image pixels count as passing (DIALS treats the
        // border as far away). Done as two separable running-count passes.
        let r = max(0, min(p.kernelSize.x, p.kernelSize.y) - 1)
        ws.cv.withUnsafeMutableBufferPointer { cv in
        ws.horizontal.withUnsafeMutableBufferPointer { hz in
            for y in 0..<h {
                let base = y * w
                var fails = 0
                for x in 0..<min(r, w) where cv[base + x] == 0 { fails += 1 }
                for x in 0..<w {
                    if x + r < w, cv[base + x + r] == 0 { fails += 1 }
                    if x - r - 1 >= 0, cv[base + x - r - 1] == 0 { fails -= 1 }
                    hz[base + x] = fails == 0 ? 1 : 0
                }
            }
            // Vertical pass over column windows, collecting cores in raster order.
            var colFails = [Int32](repeating: 0, count: w)
            for y in 0..<min(r, h) { let b = y * w; for x in 0..<w where hz[b + x] == 0 { colFails[x] += 1 } }
            for y in 0..<h {
                if y + r < h { let b = (y + r) * w; for x in 0..<w where hz[b + x] == 0 { colFails[x] += 1 } }
                if y - r - 1 >= 0 { let b = (y - r - 1) * w; for x in 0..<w where hz[b + x] == 0 { colFails[x] -= 1 } }
                let base = y * w
                for x in 0..<w where colFails[x] == 0 && cv[base + x] != 0 { ws.core.append(Int32(base + x)) }
            }
        }}
        if ws.core.isEmpty { return }
        // Mark cores so the wider mean excludes them (reuse `horizontal`).
        ws.horizontal.withUnsafeMutableBufferPointer { isCore in
            for i in 0..<isCore.count { isCore[i] = 0 }
            for k in ws.core { isCore[Int(k)] = 1 }
        }
        let kx = p.kernelSize.x + 2, ky = p.kernelSize.y + 2
        ws.valid.withUnsafeBufferPointer { valid in
        ws.horizontal.withUnsafeBufferPointer { isCore in
            for k in ws.core {
                let k = Int(k)
                let y = k / w, x = k - y * w
                let x0 = max(0, x - kx), x1 = min(w - 1, x + kx)
                let y0 = max(0, y - ky), y1 = min(h - 1, y + ky)
                var n = 0, s: Int64 = 0
                for yy in y0...y1 {
                    let row = image + yy * rowStride
                    let b = yy * w
                    for xx in x0...x1 where valid[b + xx] != 0 && isCore[b + xx] == 0 {
                        let v = row[xx]
                        if v < big { n += 1; s += Int64(v) }
                    }
                }
                let mean = n >= 2 ? Double(s) / Double(n) : 0
                let v = Double(image[y * rowStride + x])
                if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { strong.append(Int32(k)) }
            }
        }}
    }
}
