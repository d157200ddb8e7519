// DispersionThreshold+Erosion: the cores of dispersion_extended's dispersive pixels, for the general kernel.

extension DispersionThreshold {
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
