// SphericalHarmonics: real, orthonormal spherical harmonics Y_lm (l = 1…lmax) of a direction, the absorption basis of scaling.
import Foundation
import MXMath

/// Real spherical harmonics, orthonormal over the unit sphere
/// (∫ Y_lm Y_l'm' dΩ = δ), evaluated for l = 1…lmax and m = −l…l in that
/// order (l = 0 is left out: it is the overall scale). Built from the
/// associated Legendre functions by the standard recurrences
/// (Press et al., Numerical Recipes §6.7), without the Condon–Shortley sign.
public enum SphericalHarmonics {
    /// Number of terms for l = 1…lmax: (lmax + 1)² − 1.
    public static func count(lmax: Int) -> Int { (lmax + 1) * (lmax + 1) - 1 }

    /// The l of each term, in evaluation order.
    public static func degrees(lmax: Int) -> [Int] {
        guard lmax >= 1 else { return [] }
        return (1...lmax).flatMap { l in Array(repeating: l, count: 2 * l + 1) }
    }

    /// Y_lm of the direction of `v` (need not be unit length), appended to `out`.
    public static func evaluate(_ v: Vec3, lmax: Int, into out: inout [Double]) {
        let r = v.length
        let cosTheta = r > 0 ? max(-1, min(1, v.z / r)) : 1
        let sinTheta = (1 - cosTheta * cosTheta).squareRoot()
        let phi = atan2(v.y, v.x)
        // P[l][m] for 0 ≤ m ≤ l ≤ lmax.
        var p = [[Double]](repeating: [Double](repeating: 0, count: lmax + 1), count: lmax + 1)
        p[0][0] = 1
        if lmax >= 1 {
            for m in 1...lmax { p[m][m] = p[m - 1][m - 1] * Double(2 * m - 1) * sinTheta }
            for m in 0..<lmax { p[m + 1][m] = Double(2 * m + 1) * cosTheta * p[m][m] }
            if lmax >= 2 {
                for m in 0...lmax {
                    var l = m + 2
                    while l <= lmax {
                        p[l][m] = (Double(2 * l - 1) * cosTheta * p[l - 1][m] - Double(l + m - 1) * p[l - 2][m])
                            / Double(l - m)
                        l += 1
                    }
                }
            }
        }
        guard lmax >= 1 else { return }
        for l in 1...lmax {
            for m in -l...l {
                let am = abs(m)
                // N_lm = sqrt((2l+1)/(4π) · (l−|m|)!/(l+|m|)!)
                var ratio = 1.0
                if am > 0 { for k in (l - am + 1)...(l + am) { ratio /= Double(k) } }
                let n = (Double(2 * l + 1) / (4 * Double.pi) * ratio).squareRoot()
                if m == 0 {
                    out.append(n * p[l][0])
                } else if m > 0 {
                    out.append(2.0.squareRoot() * n * p[l][am] * cos(Double(am) * phi))
                } else {
                    out.append(2.0.squareRoot() * n * p[l][am] * sin(Double(am) * phi))
                }
            }
        }
    }

    /// Y_lm of the direction of `v` as an array of `count(lmax:)` values.
    public static func values(_ v: Vec3, lmax: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(count(lmax: lmax))
        evaluate(v, lmax: lmax, into: &out)
        return out
    }
}
