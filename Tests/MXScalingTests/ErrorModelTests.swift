// Tests of the error model fit: known a and b recovered from the spread of equivalents.
import MXMath
import Foundation
@testable import MXScaling
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
        // DIALS' fit scales deviations by sqrt((n−1)/n) instead of sqrt(n/(n−1)),
        // which shrinks a by (n−1)/n, here Σ(n−1)/Σn = 14/18 over groups of 3…6.
        let ones = [Double](repeating: 1, count: x.count)
        let d = try XCTUnwrap(ErrorModel.fitDIALS(intensities: x, variances: v, inverseScales: ones, group: group,
                                                  groupCount: groups))
        XCTAssertEqual(d.a / a, 14.0 / 18.0, accuracy: 0.05)
        XCTAssertEqual(d.b, b, accuracy: 0.008)
        // Scaling the data (I → I·g, σ² → σ²g²) leaves the fit unchanged.
        let gs = x.indices.map { 0.5 + Double($0 % 7) / 5 }
        let scaled = try XCTUnwrap(ErrorModel.fitDIALS(intensities: zip(x, gs).map { $0 * $1 },
                                                       variances: zip(v, gs).map { $0 * $1 * $1 },
                                                       inverseScales: gs, group: group, groupCount: groups))
        XCTAssertEqual(scaled.a, d.a, accuracy: 0.02)
        XCTAssertEqual(scaled.b, d.b, accuracy: 0.003)
    }

    func testInverseNormalCDF() {
        for p in [1e-6, 0.01, 0.0668, 0.3, 0.5, 0.9, 0.999] {
            XCTAssertEqual(normalCDF(inverseNormalCDF(p)), p, accuracy: 1e-12 + 1e-9 * p)
        }
        XCTAssertEqual(inverseNormalCDF(0.975), 1.959963984540054, accuracy: 1e-9)
    }

    func testVarianceFormula() {
        XCTAssertEqual(ErrorModel(a: 2, b: 0.1).variance(9, intensity: 40), 4 * (9 + 16), accuracy: 1e-12)
    }

    func testTooFewEquivalentsGiveNoModel() {
        XCTAssertNil(ErrorModel.fit(intensities: [1, 2, 3], variances: [1, 1, 1], group: [0, 0, 1], groupCount: 2))
    }
}
