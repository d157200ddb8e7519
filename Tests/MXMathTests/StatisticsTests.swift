// Tests of Statistics against numpy.
import XCTest
@testable import MXMath

final class StatisticsTests: XCTestCase {
    // x = [2.5, 1.0, 7.0, 3.5, 3.5, 9.0, -1.0]; numpy answers in comments.
    let x = [2.5, 1.0, 7.0, 3.5, 3.5, 9.0, -1.0]
    let y = [1.2, 0.3, 5.5, 2.0, 4.1, 8.8, -0.2]

    func testMomentsAndOrderStatistics() {
        XCTAssertEqual(Statistics.mean(x)!, 3.642857142857143, accuracy: 1e-15)          // np.mean(x)
        XCTAssertEqual(Statistics.variance(x)!, 11.642857142857144, accuracy: 1e-13)     // np.var(x, ddof=1)
        XCTAssertEqual(Statistics.variance(x, ddof: 0)!, 9.979591836734695, accuracy: 1e-13)
        XCTAssertEqual(Statistics.standardDeviation(x)!, 3.4121631178560534, accuracy: 1e-14)
        XCTAssertEqual(Statistics.median(x), 3.5)                                        // np.median(x)
        XCTAssertEqual(Statistics.median([4, 1, 3, 2]), 2.5)
        // np.quantile(x, [0, 0.1, 0.25, 0.9, 1]) → [-1, 0.2, 1.75, 7.8, 9]
        let q = Statistics.quantiles(x, [0, 0.1, 0.25, 0.9, 1, 1.5]).map { $0 ?? .nan }
        for (got, want) in zip(q, [-1, 0.2, 1.75, 7.8, 9]) { XCTAssertEqual(got, want, accuracy: 1e-14) }
        XCTAssertTrue(q[5].isNaN)
        XCTAssertEqual(Statistics.quantile(x, 0.25)!, 1.75, accuracy: 1e-15)
        XCTAssertEqual(Statistics.medianAbsoluteDeviation(x), 2.5)                       // np.median(|x − median|)
        XCTAssertEqual(Statistics.medianAbsoluteDeviation(x, normalized: true)!, 2.5 * 1.482602218505602, accuracy: 1e-14)
        // np.average(x, weights=[1..7]) → 3.7142857142857144
        XCTAssertEqual(Statistics.weightedMean(x, weights: [1, 2, 3, 4, 5, 6, 7])!, 3.7142857142857144, accuracy: 1e-14)
    }

    func testRegressionAndCorrelation() {
        // np.polyfit(x, y, 1) → [0.908997955010225, -0.2113496932515331]; np.corrcoef(x, y)[0,1] → 0.9587127295602412
        let fit = Statistics.linearRegression(x: x, y: y)!
        XCTAssertEqual(fit.slope, 0.908997955010225, accuracy: 1e-14)
        XCTAssertEqual(fit.intercept, -0.2113496932515331, accuracy: 1e-14)
        XCTAssertEqual(fit.rSquared, 0.9587127295602412 * 0.9587127295602412, accuracy: 1e-14)
        XCTAssertEqual(fit(2), 2 * fit.slope + fit.intercept)
        XCTAssertEqual(Statistics.pearsonCorrelation(x, y)!, 0.9587127295602412, accuracy: 1e-14)
        XCTAssertEqual(Statistics.pearsonCorrelation([1, 2, 3], [3, 2, 1])!, -1, accuracy: 1e-15)
    }

    func testDegenerateInputsGiveNil() {
        XCTAssertNil(Statistics.mean([]))
        XCTAssertNil(Statistics.variance([1]))
        XCTAssertNotNil(Statistics.variance([1], ddof: 0))
        XCTAssertNil(Statistics.median([]))
        XCTAssertNil(Statistics.quantile([1, 2], -0.1))
        XCTAssertNil(Statistics.quantile([1, 2], .nan))
        XCTAssertEqual(Statistics.quantiles([], [0.5]).count, 1)
        XCTAssertNil(Statistics.weightedMean([1, 2], weights: [1]))
        XCTAssertNil(Statistics.weightedMean([1, 2], weights: [0, 0]))
        XCTAssertNil(Statistics.medianAbsoluteDeviation([]))
        XCTAssertNil(Statistics.linearRegression(x: [1, 1, 1], y: [1, 2, 3]))
        XCTAssertNil(Statistics.linearRegression(x: [1], y: [1]))
        XCTAssertNil(Statistics.pearsonCorrelation([1, 2, 3], [5, 5, 5]))
        XCTAssertNil(Statistics.pearsonCorrelation([1, 2], [1, 2, 3]))
    }
}
