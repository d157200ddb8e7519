// Tests of the CC½ tanh fit and the resolution criteria on synthetic curves with known answers.
import XCTest
import Foundation
@testable import MXScaling

final class ResolutionEstimateTests: XCTestCase {
    func testTanhFitRecoversKnownParameters() {
        let x = (1...40).map { 0.01 * Double($0) }
        let y = x.map { ResolutionEstimate.tanhCurve($0, s0: 0.25, r: 0.04) }
        let (s0, r) = ResolutionEstimate.fitTanh(x: x, y: y)
        XCTAssertEqual(s0, 0.25, accuracy: 1e-6)
        XCTAssertEqual(r, 0.04, accuracy: 1e-6)
    }

    func testCCHalfLimitFromSyntheticCurve() {
        // CC½ = 0.3 where tanh((s − s0)/r) = 0.4: s = s0 + r·atanh(0.4).
        let s0 = 0.30, r = 0.05
        let expected = 1 / (s0 + r * atanh(0.4)).squareRoot()
        // Shell limits like a 100-shell table, with deterministic ±0.02 noise.
        var rng = SplitMix64(seed: 5)
        let x = (1...100).map { 0.005 * Double($0) }
        let y = x.map { ResolutionEstimate.tanhCurve($0, s0: s0, r: r) + 0.04 * (rng.nextDouble() - 0.5) }
        let keep = y.indices.filter { y[$0] > 0 }
        let est = ResolutionEstimate.fitted(dStarSquared: keep.map { x[$0] }, ccHalf: keep.map { y[$0] })
        XCTAssertEqual(est.dMin!, expected, accuracy: 0.01)
        XCTAssertEqual(est.s0!, s0, accuracy: 0.005)
    }

    func testAllShellsAboveLimitGivesHighestResolution() {
        let x = [0.05, 0.1, 0.2, 0.3]
        let est = ResolutionEstimate.fitted(dStarSquared: x, ccHalf: [0.99, 0.98, 0.95, 0.9])
        XCTAssertEqual(est.dMin!, 1 / 0.3.squareRoot(), accuracy: 1e-12)
    }

    func testCriticalCorrelation() {
        // Student's t, ν = 98, one-sided 0.1: t = 1.29046 (scipy.stats.t.ppf(0.9, 98)); r = t/√(98 + t²).
        XCTAssertEqual(ResolutionEstimate.criticalCorrelation(n: 100, p: 0.1)!, 1.29046 / (98 + 1.29046 * 1.29046).squareRoot(),
                       accuracy: 1e-4)
        // ν = 8: t = 1.39682 (scipy.stats.t.ppf(0.9, 8)).
        XCTAssertEqual(ResolutionEstimate.studentTQuantile(0.9, degreesOfFreedom: 8), 1.39682, accuracy: 2e-3)
        XCTAssertNil(ResolutionEstimate.criticalCorrelation(n: 2, p: 0.1))
    }
}
