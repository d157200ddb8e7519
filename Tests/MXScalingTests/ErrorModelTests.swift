// Tests of the error model fit: known a and b recovered from the spread of equivalents.
import MXMath
import Foundation
import MXScaling
import XCTest

final class ErrorModelTests: XCTestCase {
    func testRecoversKnownAAndB() throws {
        let a = 1.3, b = 0.03
        var rng = SplitMix64(seed: 11)
        var x: [Double] = [], v: [Double] = [], group: [Int] = []
        let groups = 1500
        for h in 0..<groups {
            let intensity = -2000 * log(max(rng.nextDouble(), 1e-9)) + 10
            for _ in 0..<(3 + h % 4) {
                let s2 = intensity + 100           // the integration variance (too small)
                let truth = ErrorModel(a: a, b: b).variance(s2, intensity: intensity)
                x.append(intensity + truth.squareRoot() * ScalingSyntheticData.gaussian(&rng))
                v.append(s2); group.append(h)
            }
        }
        let m = try XCTUnwrap(ErrorModel.fit(intensities: x, variances: v, group: group, groupCount: groups))
        XCTAssertEqual(m.a, a, accuracy: 0.06)
        XCTAssertEqual(m.b, b, accuracy: 0.005)
        // DIALS' prefactor sqrt((n−1)/n) shrinks a by about (n−1)/n (3…6 members here: ≈ 0.77)
        let d = try XCTUnwrap(ErrorModel.fit(intensities: x, variances: v, group: group, groupCount: groups,
                                             dialsPrefactor: true))
        XCTAssertEqual(d.a / m.a, 0.77, accuracy: 0.05)
    }

    func testVarianceFormula() {
        XCTAssertEqual(ErrorModel(a: 2, b: 0.1).variance(9, intensity: 40), 4 * (9 + 16), accuracy: 1e-12)
    }

    func testTooFewEquivalentsGiveNoModel() {
        XCTAssertNil(ErrorModel.fit(intensities: [1, 2, 3], variances: [1, 1, 1], group: [0, 0, 1], groupCount: 2))
    }
}
