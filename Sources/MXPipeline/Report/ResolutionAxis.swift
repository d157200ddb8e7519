// ResolutionAxis: plotting against d*² (= 1/d², Å⁻²) with ticks labelled as d in Å, as crystallographers read it.
import Foundation

enum ResolutionAxis {
    /// d spacings (Å) for tick labels, roundest first: a tick from a later tier
    /// is placed only where no rounder one is near.
    static let tiers: [[Double]] = [
        [50, 20, 10, 5, 4, 3, 2, 1.5, 1.2, 1, 0.8, 0.6, 0.5],
        [8, 6, 3.5, 2.5, 1.8, 1.6, 1.4, 1.3, 1.1, 0.9, 0.7],
        [2.8, 2.6, 2.4, 2.2, 1.9, 1.7, 0.95, 0.85, 0.75, 0.65, 0.55],
    ]

    /// d*² of the middle of a shell (in d*², where shells are usually equal-volume-ish).
    static func shellCentre(dMax: Double, dMin: Double) -> Double {
        let lo = dMax.isFinite && dMax > 0 ? 1 / (dMax * dMax) : 0
        let hi = dMin.isFinite && dMin > 0 ? 1 / (dMin * dMin) : .nan
        return (lo + hi) / 2
    }

    /// Ticks at round d values inside `dStarSquared`'s span, no two closer
    /// than `minimumGap` of the span. Within a tier the high-resolution end is
    /// served first, where ticks crowd on a d*² axis and matter most.
    static func ticks(for dStarSquared: [Double], minimumGap: Double = 0.09) -> [SVGPlot.Tick] {
        let finite = dStarSquared.filter { $0.isFinite }
        guard var lo = finite.min(), var hi = finite.max() else { return [] }
        if hi - lo <= 0 { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
        // Same room as SVGPlot's custom-tick span (3 % each side).
        let xLo = lo - 0.03 * (hi - lo), xHi = hi + 0.03 * (hi - lo)
        let gap = minimumGap * (xHi - xLo)
        var kept: [(d: Double, x: Double)] = []
        for tier in tiers {
            let inside = tier.map { (d: $0, x: 1 / ($0 * $0)) }.filter { $0.x >= xLo && $0.x <= xHi }
            for c in inside.sorted(by: { $0.x > $1.x }) where kept.allSatisfy({ abs($0.x - c.x) >= gap }) {
                kept.append(c)
            }
        }
        return kept.sorted { $0.x < $1.x }.map { SVGPlot.Tick(value: $0.x, label: label($0.d)) }
    }

    static func label(_ d: Double) -> String {
        d >= 10 ? String(format: "%.0f", d) : d == (d * 10).rounded() / 10 ? String(format: "%.1f", d)
            : String(format: "%.2f", d)
    }
}
