// NiceScale: axis ranges and tick values at round numbers (1, 2, 5 × 10ⁿ) for the report's plots.
import Foundation

/// An axis range widened to round tick values, after Heckbert's "nice numbers
/// for graph labels" (Graphics Gems I, 1990): the step is 1, 2 or 5 × 10ⁿ and
/// the ends are multiples of the step enclosing the data.
struct NiceScale: Equatable {
    var lower: Double
    var upper: Double
    var step: Double

    /// - Parameters: `minimum`/`maximum` of the finite data (either order);
    ///   `targetTicks` is about how many ticks the axis should carry.
    /// A degenerate range (one value, or one point) is widened around the
    /// value so the axis still has ticks: ±1 around 0, else ±10 % of |value|.
    init(minimum: Double, maximum: Double, targetTicks: Int = 6) {
        var lo = Swift.min(minimum, maximum), hi = Swift.max(minimum, maximum)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo <= Swift.max(abs(hi), abs(lo)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let range = NiceScale.niceNumber(hi - lo, round: false)
        let step = NiceScale.niceNumber(range / Double(Swift.max(targetTicks - 1, 1)), round: true)
        self.step = step
        self.lower = (lo / step).rounded(.down) * step
        self.upper = (hi / step).rounded(.up) * step
    }

    /// The tick values from `lower` to `upper` inclusive.
    var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded())
        // Multiply rather than accumulate so 0.1-steps do not drift (0.30000000000000004).
        return (0...Swift.max(n, 0)).map { lower + Double($0) * step }
    }

    /// Digits after the decimal point that show every tick distinctly.
    var decimals: Int { Swift.max(0, Swift.min(6, Int((-log10(step)).rounded(.up)))) }

    /// A tick's label with `decimals` digits, never "-0".
    func label(_ value: Double) -> String {
        let v = abs(value) < step * 1e-9 ? 0 : value
        return String(format: "%.\(decimals)f", v)
    }

    /// The nice number near `x`: rounded to the nearest of 1, 2, 5, 10 × 10ⁿ
    /// when `round`, else the smallest such number ≥ x.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }
}
