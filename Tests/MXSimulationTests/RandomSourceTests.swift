// Tests of the simulator's seeded generator: determinism and deviate statistics.
import MXMath
import XCTest
@testable import MXSimulation

final class RandomSourceTests: XCTestCase {
    func testSameSeedSameStreamGivesSameNumbers() {
        var a = RandomSource(seed: 42, stream: 7), b = RandomSource(seed: 42, stream: 7)
        for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
        var c = RandomSource(seed: 42, stream: 8)
        var d = RandomSource(seed: 42, stream: 7)
        XCTAssertNotEqual((0..<4).map { _ in c.next() }, (0..<4).map { _ in d.next() })
    }

    func testSplitMixFirstOutputPinned() {
        // SplitMix64 reference (Vigna's splitmix64.c) from state 0: first output 0xE220A8397B1DCDAF.
        var x: UInt64 = 0
        XCTAssertEqual(RandomSource.splitMix(&x), 0xE220_A839_7B1D_CDAF)
    }

    func testUniformRangeAndMean() {
        var r = RandomSource(seed: 1)
        var sum = 0.0
        for _ in 0..<100_000 { let u = r.uniform(); XCTAssert(u >= 0 && u < 1); sum += u }
        XCTAssertEqual(sum / 100_000, 0.5, accuracy: 0.005)
    }

    /// Poisson mean and variance both equal λ, for the multiplication branch
    /// (λ < 10) and the PTRS branch (λ ≥ 10).
    func testPoissonMeanAndVariance() {
        var r = RandomSource(seed: 3)
        for lambda in [0.3, 3.0, 25.0, 400.0] {
            let n = 40_000
            var s = 0.0, s2 = 0.0
            for _ in 0..<n { let k = Double(r.poisson(lambda)); s += k; s2 += k * k }
            let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
            XCTAssertEqual(mean, lambda, accuracy: 4 * (lambda / Double(n)).squareRoot() + 1e-3, "mean at λ=\(lambda)")
            XCTAssertEqual(variance / lambda, 1, accuracy: 0.05, "variance at λ=\(lambda)")
        }
        XCTAssertEqual(r.poisson(0), 0)
    }
}
