// Tests of outlier rejection against the other members of each equivalent group.
import MXMath
import Foundation
import MXScaling
import XCTest

final class ScalingOutliersTests: XCTestCase {
    func testRejectsPlantedOutliersOnly() {
        var rng = SplitMix64(seed: 3)
        var x: [Double] = [], v: [Double] = [], group: [Int] = [], planted: [Bool] = []
        for h in 0..<300 {
            let intensity = 500 + 1000 * rng.nextDouble()
            for k in 0..<6 {
                let sigma = intensity.squareRoot()
                var value = intensity + sigma * ScalingSyntheticData.gaussian(&rng)
                let bad = h % 10 == 0 && k == 2
                if bad { value += 15 * sigma }
                x.append(value); v.append(sigma * sigma); group.append(h); planted.append(bad)
            }
        }
        let g = [Double](repeating: 1, count: x.count)
        let found = ScalingOutliers.find(intensities: x, variances: v, inverseScales: g, group: group,
                                         groupCount: 300, use: Array(repeating: true, count: x.count))
        XCTAssertEqual(zip(found, planted).filter { $0 && $1 }.count, 30, "every planted outlier is found")
        XCTAssertLessThanOrEqual(zip(found, planted).filter { $0 && !$1 }.count, 1, "no good observation is rejected")
    }

    func testPairsAreNotJudged() {
        let found = ScalingOutliers.find(intensities: [100, 10000], variances: [1, 1], inverseScales: [1, 1],
                                         group: [0, 0], groupCount: 1, use: [true, true])
        XCTAssertEqual(found, [false, false], "with two members there is no telling which is wrong")
    }
}
