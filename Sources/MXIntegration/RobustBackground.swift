// RobustBackground: the background under a reflection, constant or a scale on a known shape, robust to outliers and aware of Poisson noise.

/// A constant (DIALS `constant3d`) background from the pixels around a
/// reflection. Instead of DIALS' robust Poisson GLM (Huber 1.345) this is
/// iterative outlier rejection with a Poisson-aware threshold: starting from
/// the median, pixels further than k·√max(B, 1) from the current level B are
/// dropped and B recomputed as the mean of the rest, until the kept set no
/// longer changes. For Poisson counts the mean of the kept pixels is the
/// maximum-likelihood level, and the cut removes neighbouring spots, hot
/// pixels and zingers.
public struct RobustBackground: Equatable, Sendable {
    /// Background level per pixel (counts).
    public var level: Double
    /// Variance of `level`: B/n for Poisson pixels (n pixels used).
    public var variance: Double
    /// Pixels used after rejection.
    public var used: Int

    /// - Returns: nil when fewer than `minPixels` pixels are left.
    public static func estimate(_ values: [Float], rejectionSigma k: Double = 3, minPixels: Int = 10) -> RobustBackground? {
        guard values.count >= minPixels else { return nil }
        let sorted = values.sorted()
        var level = Double(sorted[sorted.count / 2])
        var used = sorted.count
        for _ in 0..<20 {
            let cut = k * max(level, 1).squareRoot()
            var sum = 0.0, n = 0
            for v in sorted where abs(Double(v) - level) <= cut { sum += Double(v); n += 1 }
            guard n >= minPixels else { return nil }
            let newLevel = sum / Double(n)
            let converged = n == used && abs(newLevel - level) < 1e-9
            level = newLevel; used = n
            if converged { break }
        }
        return RobustBackground(level: level, variance: max(level, 0) / Double(used), used: used)
    }

    /// A background of known shape: level·gⱼ at pixel j (gⱼ > 0, e.g. the
    /// sweep's radial profile across an ice ring). The level is found like the
    /// constant one: pixels further than k·√max(level·gⱼ, 1) from the model are
    /// dropped and the level retaken as Σc/Σg over the rest (its Poisson
    /// maximum-likelihood value), until the kept set no longer changes.
    /// `level` is then the scale on `shape` and `variance` its variance, level/Σg.
    public static func estimate(_ values: [Float], shape: [Float], rejectionSigma k: Double = 3,
                                minPixels: Int = 10) -> RobustBackground? {
        guard values.count >= minPixels, shape.count == values.count else { return nil }
        let ratios = zip(values, shape).map { Double($0) / Double($1) }.sorted()
        var level = ratios[ratios.count / 2]
        var used = values.count, sumG = 0.0
        for _ in 0..<20 {
            var sumC = 0.0, n = 0
            sumG = 0
            for (c, g) in zip(values, shape) {
                let model = level * Double(g)
                guard abs(Double(c) - model) <= k * max(model, 1).squareRoot() else { continue }
                sumC += Double(c); sumG += Double(g); n += 1
            }
            guard n >= minPixels, sumG > 0 else { return nil }
            let newLevel = sumC / sumG
            let converged = n == used && abs(newLevel - level) < 1e-9
            level = newLevel; used = n
            if converged { break }
        }
        return RobustBackground(level: level, variance: max(level, 0) / sumG, used: used)
    }
}
