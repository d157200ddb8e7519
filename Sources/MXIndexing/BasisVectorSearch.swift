// BasisVectorSearch: candidate real-space lattice vectors from reciprocal-lattice points, by 3-D or 1-D Fourier transforms.
import Foundation
import MXMath

/// A real-space vector found by a basis search, with the strength of its peak.
public struct BasisVector: Sendable {
    public var vector: Vec3
    public var strength: Double
}

/// How candidate basis vectors are found (DIALS `indexing.method`).
public enum BasisSearchMethod: String, CaseIterable, Sendable {
    /// 3-D FFT of the reciprocal-lattice points on a grid (DIALS default):
    /// real-lattice vectors are the peaks of its power spectrum.
    case fft3d
    /// 1-D FFTs of the points projected on directions over a hemisphere
    /// (Steller, Bolotovsky & Rossmann 1997): each direction's strongest
    /// periodicity is a candidate vector.
    case fft1d
}

public enum BasisVectorSearch {
    /// 3-D FFT search (DIALS `fft3d.py`): each point with d ≥ `dMin` is put on
    /// the nearest node of an n³ grid of spacing 2/(d_min·n), weighted by
    /// exp(−B·|s|²/4) with B = −4·d_min²·ln 0.05 (5 % weight at d_min), the
    /// power spectrum of its transform has peaks at real-lattice vectors
    /// (grid spacing d_min/2 Å). Local maxima above 15 × the rms power are
    /// refined to their 3×3×3 power-weighted centroid.
    public static func fft3d(rlp: [Vec3], dMin: Double, gridSize n: Int,
                             minCell: Double, maxCell: Double, maxVectors: Int = 30) -> [BasisVector] {
        let spacing = 2 / (dMin * Double(n))
        let bIso = -4 * dMin * dMin * log(0.05)
        let half = n / 2
        let h = half + 1
        var power = [Float](repeating: 0, count: n * n * h)
        var sumSquares = 0.0
        // Filled, transformed and reduced to the power spectrum in one buffer: the grid is the
        // largest allocation of indexing.
        FFT3D.forwardRealInPlace(dimensions: (n, n, n), fill: { grid, rowLength in
            for r in rlp {
                let q2 = r.lengthSquared
                if q2 * dMin * dMin > 1 { continue }
                func node(_ v: Double) -> Int {
                    let j = Int((v / spacing).rounded())
                    return ((j % n) + n) % n
                }
                let i0 = node(r.x), i1 = node(r.y), i2 = node(r.z)
                grid[(i0 * n + i1) * rowLength + i2] += exp(-bIso * q2 / 4)
            }
        }, read: { spectrum in
            for i in 0..<power.count {
                let p = spectrum[2 * i] * spectrum[2 * i] + spectrum[2 * i + 1] * spectrum[2 * i + 1]
                power[i] = Float(p)
                // Points on the planes k2 = 0 and n/2 appear once, others twice in the full grid.
                let k2 = i % h
                let weight = (k2 == 0 || (n % 2 == 0 && k2 == half)) ? 1.0 : 2.0
                sumSquares += weight * p * p
            }
        })
        let rms = (sumSquares / Double(n * n * n)).squareRoot()
        let threshold = Float(15 * rms)
        // Value at any (i0, i1, i2) of the full grid from the half spectrum.
        func value(_ a: Int, _ b: Int, _ c: Int) -> Float {
            var i0 = ((a % n) + n) % n, i1 = ((b % n) + n) % n, i2 = ((c % n) + n) % n
            if i2 > half { i0 = (n - i0) % n; i1 = (n - i1) % n; i2 = n - i2 }
            return power[(i0 * n + i1) * h + i2]
        }
        let cellStep = dMin / 2
        var found: [BasisVector] = []
        for i0 in 0..<n {
            for i1 in 0..<n {
                let base = (i0 * n + i1) * h
                for i2 in 0...half {
                    let p = power[base + i2]
                    if p < threshold { continue }
                    // Half-space: skip the mirror copies on the plane i2 = 0 (and n/2).
                    if i2 == 0 || i2 == half {
                        let m0 = (n - i0) % n, m1 = (n - i1) % n
                        if (m0, m1) < (i0, i1) { continue }
                    }
                    var isMax = true
                    var sw = 0.0, sx = 0.0, sy = 0.0, sz = 0.0
                    outer: for d0 in -1...1 {
                        for d1 in -1...1 {
                            for d2 in -1...1 where !(d0 == 0 && d1 == 0 && d2 == 0) {
                                let q = value(i0 + d0, i1 + d1, i2 + d2)
                                if q > p { isMax = false; break outer }
                                let w = Double(q)
                                sw += w; sx += w * Double(d0); sy += w * Double(d1); sz += w * Double(d2)
                            }
                        }
                    }
                    if !isMax { continue }
                    sw += Double(p)
                    func signed(_ i: Int) -> Double { Double(i > half ? i - n : i) }
                    let v = Vec3(signed(i0) + sx / sw, signed(i1) + sy / sw, signed(i2) + sz / sw) * cellStep
                    let length = v.length
                    if length < minCell || length > maxCell { continue }
                    found.append(BasisVector(vector: v, strength: Double(p)))
                }
            }
        }
        return distinctVectors(found, maxVectors: maxVectors)
    }

    /// 1-D FFT search (Steller et al. 1997; DIALS `fft1d.py`): for directions
    /// spaced ~`angularStep` over a hemisphere, points with d ≥ `dMin` are
    /// projected onto the direction and binned; the strongest non-origin peak
    /// of the histogram's power spectrum with period in [minCell, maxCell]
    /// gives a vector along that direction. Directions with the strongest
    /// peaks become candidates.
    public static func fft1d(rlp: [Vec3], dMin: Double, minCell: Double, maxCell: Double,
                             angularStep: Double = 0.025, maxVectors: Int = 30) -> [BasisVector] {
        let points = rlp.filter { $0.lengthSquared * dMin * dMin <= 1 }
        guard points.count >= 3 else { return [] }
        // Bins of width δ over [−1/d_min, 1/d_min]: a period L appears at
        // frequency index k = L·(n·δ) with n·δ = L_max·4 for enough resolution.
        let span = 2 / dMin
        let n = FFT3D.goodSize(atLeast: Int((4 * maxCell * span).rounded(.up)) + 1)
        let delta = span / Double(n)
        // Frequency index k of the histogram corresponds to a period L = k/(n·δ) Å.
        let periodPerIndex = 1 / (Double(n) * delta)
        // Directions on rings of constant polar angle, hemisphere z ≥ 0.
        var directions: [Vec3] = []
        let steps = Int((Double.pi / 2 / angularStep).rounded(.up))
        for it in 0...steps {
            let theta = min(Double(it) * angularStep, Double.pi / 2)
            let ring = it == 0 ? 1 : max(1, Int((2 * Double.pi * sin(theta) / angularStep).rounded()))
            for ip in 0..<ring {
                let phi = 2 * Double.pi * (Double(ip) + 0.5 * Double(it % 2)) / Double(ring)
                directions.append(Vec3(sin(theta) * cos(phi), sin(theta) * sin(phi), cos(theta)))
            }
        }
        // Histograms of all directions, transformed in batches with one plan each.
        var results: [BasisVector] = []
        let batch = 1024
        let half = n / 2 + 1
        var start = 0
        while start < directions.count {
            let chunk = Array(directions[start..<min(start + batch, directions.count)])
            var hist = [Double](repeating: 0, count: n * chunk.count)
            for (c, dir) in chunk.enumerated() {
                let base = c * n
                for r in points {
                    let j = Int(((r.dot(dir) + 1 / dMin) / delta).rounded(.down))
                    hist[base + min(max(j, 0), n - 1)] += 1
                }
            }
            let f = FFT3D.forwardRealBatch(hist, length: n, count: chunk.count)
            for (c, dir) in chunk.enumerated() {
                var best = 0.0, bestK = 0
                for k in 1..<half {
                    let period = Double(k) * periodPerIndex
                    if period < minCell || period > maxCell { continue }
                    let o = 2 * (c * half + k)
                    let p = f[o] * f[o] + f[o + 1] * f[o + 1]
                    if p > best { best = p; bestK = k }
                }
                if bestK > 0 {
                    results.append(BasisVector(vector: dir * (Double(bestK) * periodPerIndex), strength: best))
                }
            }
            start += batch
        }
        return distinctVectors(results, maxVectors: maxVectors)
    }

    /// The strongest vectors, one per direction: of two vectors within 5° of
    /// parallel, the shorter is kept when the longer is near an integer
    /// multiple of it (a harmonic), otherwise the stronger.
    static func distinctVectors(_ vectors: [BasisVector], maxVectors: Int) -> [BasisVector] {
        let sorted = vectors.sorted { $0.strength > $1.strength }
        var kept: [BasisVector] = []
        let cosLimit = cos(5 * Double.pi / 180)
        for v in sorted {
            var merged = false
            for k in kept.indices {
                let u = kept[k]
                let c = abs(u.vector.dot(v.vector)) / (u.vector.length * v.vector.length)
                if c < cosLimit { continue }
                merged = true
                let (short, long) = v.vector.length < u.vector.length ? (v, u) : (u, v)
                let ratio = long.vector.length / short.vector.length
                if abs(ratio - ratio.rounded()) < 0.15 && short.vector.length == v.vector.length {
                    kept[k] = BasisVector(vector: v.vector, strength: max(u.strength, v.strength))
                }
                break
            }
            if !merged { kept.append(v) }
            if kept.count >= maxVectors * 3 { break }
        }
        return Array(kept.prefix(maxVectors))
    }
}
