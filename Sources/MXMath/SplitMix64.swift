// SplitMix64: the one small seeded random generator of mxflow's algorithms and tests.
#if canImport(Glibc)
import MXMath
import Glibc
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator with a
/// 64-bit state, so every random choice (subsampling, half-dataset splits,
/// test data) is the same on every run and platform for a given seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform integer in 0..<n (n ≥ 1; modulo reduction, bias < n/2⁶⁴).
    public mutating func next(below n: Int) -> Int { Int(next() % UInt64(Swift.max(n, 1))) }
    /// Uniform in [0, 1), 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Standard normal deviate (Box–Muller).
    public mutating func nextNormal() -> Double {
        let u1 = Swift.max(nextDouble(), 1e-300), u2 = nextDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
