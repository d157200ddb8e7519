// Tests of Scan: angle ↔ frame conversion and ranges, pinned to dxtbx.
import XCTest
import MXMath
@testable import MXModel

final class ScanTests: XCTestCase {
    // dxtbx: s = ScanFactory.make_scan(image_range=(1,100), exposure_times=0.1, oscillation=(-10.0,0.5),
    //                                  epochs=list(range(100)))
    //   s.get_angle_from_array_index(5.5) → -7.25; s.get_array_index_from_angle(12.0) → 44.0
    //   s.get_array_range() → (0, 100); s.get_oscillation_range() → (-10.0, 40.0)
    let scan = Scan(imageRange: 1...100, oscillationStartDegrees: -10, oscillationWidthDegrees: 0.5)

    func testAngleFrameConversionsMatchDxtbx() {
        XCTAssertEqual(degrees(scan.angle(atFrame: 5.5)), -7.25, accuracy: 1e-12)
        XCTAssertEqual(scan.frame(atAngle: radians(12)), 44.0, accuracy: 1e-12)
        XCTAssertEqual(scan.arrayRange, 0..<100)
        XCTAssertEqual(scan.numberOfImages, 100)
        XCTAssertEqual(degrees(scan.oscillationRange.lowerBound), -10, accuracy: 1e-12)
        XCTAssertEqual(degrees(scan.oscillationRange.upperBound), 40, accuracy: 1e-12)
        XCTAssertEqual(scan.startAngleDegrees(ofImage: 1), -10)
        XCTAssertEqual(scan.startAngleDegrees(ofImage: 11), -5)
        for z in [0.0, 0.5, 17.25, 99.999] {
            XCTAssertEqual(scan.frame(atAngle: scan.angle(atFrame: z)), z, accuracy: 1e-10)
        }
    }

    func testScanStartingAtLaterImage() {
        // Images 11–20: z counts from the start of image 11's position in the array (10).
        let s = Scan(imageRange: 11...20, oscillationStartDegrees: 30, oscillationWidthDegrees: 0.1)
        XCTAssertEqual(s.arrayRange, 10..<20)
        XCTAssertEqual(degrees(s.angle(atFrame: 10)), 30, accuracy: 1e-12)
        XCTAssertEqual(degrees(s.angle(atFrame: 15)), 30.5, accuracy: 1e-12)
        // Negative widths (reverse rotation) give an ordered range.
        let rev = Scan(imageRange: 1...10, oscillationStartDegrees: 0, oscillationWidthDegrees: -1)
        XCTAssertEqual(degrees(rev.oscillationRange.lowerBound), -10, accuracy: 1e-12)
        XCTAssertEqual(rev.frame(atAngle: radians(-2.5)), 2.5, accuracy: 1e-12)
    }
}
