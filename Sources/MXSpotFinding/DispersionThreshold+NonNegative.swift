// DispersionThreshold+NonNegative: the dispersion thresholds for panels whose trusted counts are ≥ 0.
import MXThresholdKernel
import MXThresholdKernelAVX2

/// Which compiled copy of the background pass runs.
enum BackgroundPassVariant {
    case baseline, avx2

    /// The fastest this processor runs.
    static let best: BackgroundPassVariant = ProcessorFeatures.haswell ? .avx2 : .baseline
    /// Those this processor runs (the tests compare them).
    static var available: [BackgroundPassVariant] { ProcessorFeatures.haswell ? [.baseline, .avx2] : [.baseline] }
}

extension DispersionThreshold {
    /// The dispersion thresholds when every value that enters the sums is ≥ 0
    /// (trusted range starting at −1 or above, as for photon counters): the
    /// background pass of MXThresholdKernel (in its AVX2 copy where the
    /// processor has it), then for dispersion_extended the erosion and the
    /// cores' test here. Same decisions as the general kernel.
    static func nonNegativeStrongPixels(image: UnsafePointer<Int32>, rowStride: Int,
                                        lowI: Int32, highI: Int32, parameters p: SpotFindingParameters,
                                        plan: ThresholdPlan, workspace ws: ThresholdWorkspace,
                                        variant: BackgroundPassVariant, strong: inout [Int32]) {
        let w = ws.width, h = ws.height
        let settings = BackgroundPassSettings(
            lowI: lowI, highI: highI, kernel: (min(p.kernelSize.x, w), min(p.kernelSize.y, h)),
            wideKernel: (p.kernelSize.x + 2, p.kernelSize.y + 2), extended: p.algorithm == .dispersionExtended,
            gain: p.gain, sigmaBackground: p.sigmaBackground, sigmaStrong: p.sigmaStrong,
            globalThreshold: p.globalThreshold, minCount: p.minLocal)
        let ringRows = BackgroundPass.ringRows(settings)
        if ws.backgroundPass?.width != w || ws.backgroundPass?.ringRows != ringRows {
            ws.backgroundPass = BackgroundPassBuffers(width: w, ringRows: ringRows)
        }
        let buffers = ws.backgroundPass!
        switch variant {
        case .baseline:
            BackgroundPass.runBaseline(image: image, rowStride: rowStride, settings: settings, plan: plan,
                                       buffers: buffers, direct: &strong)
        case .avx2:
            BackgroundPass.runAVX2(image: image, rowStride: rowStride, settings: settings, plan: plan,
                                   buffers: buffers, direct: &strong)
        }
        if settings.extended { coreTest(parameters: p, plan: plan, records: buffers.records, strong: &strong) }
    }

    /// dispersion_extended after the non-negative kernel's background test:
    /// erosion to the cores, then each core's wider-window mean with the
    /// cores (and only the cores) taken out of the sums gathered earlier.
    static func coreTest(parameters p: SpotFindingParameters, plan: ThresholdPlan, records: DispersiveRecords,
                         strong: inout [Int32]) {
        let w = plan.width, h = plan.height
        let cores = erode(records.indices, width: w, height: h,
                          radius: max(0, min(p.kernelSize.x, p.kernelSize.y) - 1))
        if cores.isEmpty { return }
        let kx2 = p.kernelSize.x + 2, ky2 = p.kernelSize.y + 2
        let runs = plan.wideFull, fullWide = (2 * kx2 + 1) * (2 * ky2 + 1)
        let gain = p.gain, nsigS = p.sigmaStrong, globalT = p.globalThreshold
        let dispersive = records.index, values = records.value
        let wideDropped = records.wideDropped, wideSum = records.wideSum
        // Cores by row: row y's are cores[rowStart[y]..<rowStart[y + 1]] (raster order).
        var rowStart = [Int](repeating: 0, count: h + 1)
        for i in cores { rowStart[Int(dispersive[i]) / w + 1] += 1 }
        for y in 0..<h { rowStart[y + 1] += rowStart[y] }
        // Per column, the count and Σv of the cores in rows y − ky2 … y + ky2 that
        // are in the sums (below 2^24): cores enter and leave as y moves down, so
        // each core's window total is a sum of 2·kx2 + 1 columns.
        var columnN = [Int32](repeating: 0, count: w), columnS = [Int64](repeating: 0, count: w)
        func update(row: Int, sign: Int32) {
            for j in rowStart[row]..<rowStart[row + 1] {
                let i = cores[j], v = values[i]
                guard v < big else { continue }
                let x = Int(dispersive[i]) - row * w
                columnN[x] &+= sign; columnS[x] &+= Int64(sign) &* Int64(v)
            }
        }
        for y in 0..<min(ky2, h) { update(row: y, sign: 1) }
        for y in 0..<h {
            if y + ky2 < h { update(row: y + ky2, sign: 1) }
            if y - ky2 - 1 >= 0 { update(row: y - ky2 - 1, sign: -1) }
            // The row's runs where the wider window is whole, walked along with the cores.
            var run = runs.first[y]
            let runEnd = runs.first[y + 1]
            for j in rowStart[y]..<rowStart[y + 1] {
                let i = cores[j], k = Int(dispersive[i]), x = k - y * w
                var coreN: Int32 = 0, coreS: Int64 = 0
                for xx in max(0, x - kx2)...min(w - 1, x + kx2) { coreN &+= columnN[xx]; coreS &+= columnS[xx] }
                while run < runEnd && runs.end[run] <= x { run += 1 }
                let whole = run < runEnd && runs.start[run] <= x
                let full = whole ? fullWide : plan.windowCount(x: x, y: y, kx: kx2, ky: ky2)
                let n = Int32(full) - wideDropped[i] - coreN
                let sum = wideSum[i] - coreS
                let mean = n >= 2 ? Double(sum) / Double(n) : 0
                let v = Double(values[i])
                if v > globalT && v >= mean + nsigS * (gain * mean).squareRoot() { strong.append(Int32(k)) }
            }
        }
    }

    /// The cores of the dispersive pixels: those whose every neighbour within
    /// Chebyshev `radius` (inside the panel) is dispersive too, DIALS' erosion
    /// of the background-test mask. Returns positions in `dispersive` (panel
    /// indices y·width + x, ascending).
    ///
    /// Bit-parallel: each row's dispersive pixels as bits, eroded along the row
    /// 64 pixels per word (pixels beyond the ends count as dispersive, as DIALS
    /// treats the border); a pixel is then a core when its bit survives in
    /// every row within the radius.
    static func erode(_ dispersive: UnsafeBufferPointer<Int32>, width w: Int, height h: Int, radius r: Int) -> [Int] {
        if dispersive.isEmpty { return [] }
        precondition(r < 64, "erosion radius \(r) beyond one padding word")
        // Words per row, plus one padding word of ones each side so shifts need no bounds.
        let words = (w + 63) / 64, stride = words + 2
        var bits = [UInt64](repeating: 0, count: stride * h)
        var eroded = [UInt64](repeating: 0, count: stride * h)
        var rowUsed = [Bool](repeating: false, count: h)
        // The row of index k, recomputed only when k leaves the current row
        // (the indices come in raster order, so seldom).
        var rowY = 0, rowFirst = 0
        @inline(__always) func locate(_ k: Int) {
            if k < rowFirst || k >= rowFirst + w { rowY = k / w; rowFirst = rowY * w }
        }
        for k in dispersive {
            locate(Int(k))
            let x = Int(k) - rowFirst
            bits[rowY * stride + 1 + x >> 6] |= 1 << UInt64(x & 63)
            rowUsed[rowY] = true
        }
        let tail = w & 63 == 0 ? UInt64(0) : ~UInt64(0) << UInt64(w & 63)
        for y in 0..<h where rowUsed[y] {
            let o = y * stride
            bits[o] = ~0; bits[o + words + 1] = ~0; bits[o + words] |= tail
            for i in 1...words where bits[o + i] != 0 {
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
        // A row's cores: the AND of the eroded rows within the radius (inside the
        // panel), word by word, once per row that has dispersive pixels.
        var coreBits = [UInt64](repeating: 0, count: stride)
        var coreRow = -1
        var cores: [Int] = []
        rowY = 0; rowFirst = 0
        for (i, k) in dispersive.enumerated() {
            locate(Int(k))
            if coreRow != rowY {
                coreRow = rowY
                for word in 1...words {
                    var e = eroded[rowY * stride + word]
                    for yy in max(0, rowY - r)...min(h - 1, rowY + r) where e != 0 { e &= eroded[yy * stride + word] }
                    coreBits[word] = e
                }
            }
            let x = Int(k) - rowFirst
            if coreBits[1 + x >> 6] & (1 << UInt64(x & 63)) != 0 { cores.append(i) }
        }
        return cores
    }
}
