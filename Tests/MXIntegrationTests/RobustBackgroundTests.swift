// Tests of the robust constant background.
import XCTest
@testable import MXIntegration

final class RobustBackgroundTests: XCTestCase {
    /// Outliers (a neighbouring spot, a hot pixel) are rejected; the level is the mean of the rest.
    func testRejectsOutliers() throws {
        var values = [Float](repeating: 10, count: 40) + [Float](repeating: 12, count: 40) + [Float](repeating: 8, count: 20)
        values += [400, 350, 60000]
        let b = try XCTUnwrap(RobustBackground.estimate(values))
        XCTAssertEqual(b.used, 100)
        XCTAssertEqual(b.level, (400 + 480 + 160) / 100.0, accuracy: 1e-12)
        XCTAssertEqual(b.variance, b.level / 100, accuracy: 1e-12)
    }

    func testTooFewPixelsIsNil() {
        XCTAssertNil(RobustBackground.estimate([1, 2, 3], minPixels: 10))
    }
}
