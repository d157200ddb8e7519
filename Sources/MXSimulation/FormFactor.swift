// FormFactor: X-ray atomic scattering factors as four Gaussians plus a
// constant (Cromer–Mann form, International Tables C, Table 6.1.1.4).
#if canImport(Glibc)
import Glibc
#endif

/// f₀(s) = Σᵢ aᵢ exp(−bᵢ s²) + c with s = sin θ / λ = 1 / (2d) in Å⁻¹.
public struct FormFactor: Sendable, Equatable {
    public let element: String
    public let a: [Double]
    public let b: [Double]
    public let c: Double

    /// f₀ at s² = (sin θ / λ)².
    @inlinable public func value(s2: Double) -> Double {
        var f = c
        for i in 0..<4 { f += a[i] * exp(-b[i] * s2) }
        return f
    }

    /// Coefficients from International Tables for Crystallography Vol. C,
    /// Table 6.1.1.4 (their sum a₁+…+a₄+c is the atomic number).
    public static let table: [String: FormFactor] = [
        "C": FormFactor(element: "C", a: [2.31000, 1.02000, 1.58860, 0.865000],
                        b: [20.8439, 10.2075, 0.568700, 51.6512], c: 0.215600),
        "N": FormFactor(element: "N", a: [12.2126, 3.13220, 2.01250, 1.16630],
                        b: [0.005700, 9.89330, 28.9975, 0.582600], c: -11.529),
        "O": FormFactor(element: "O", a: [3.04850, 2.28680, 1.54630, 0.867000],
                        b: [13.2771, 5.70110, 0.323900, 32.9089], c: 0.250800),
        "S": FormFactor(element: "S", a: [6.90530, 5.20340, 1.43790, 1.58630],
                        b: [1.46790, 22.2151, 0.253600, 56.1720], c: 0.866900),
        "Se": FormFactor(element: "Se", a: [17.0006, 5.81960, 3.97310, 4.35430],
                         b: [2.40980, 0.272600, 15.2372, 43.8163], c: 2.84090),
        "Zn": FormFactor(element: "Zn", a: [14.0743, 7.03180, 5.16520, 2.41000],
                         b: [3.26550, 0.233300, 10.3163, 58.7097], c: 1.30410),
    ]
}
