// Tests of the hot-pixel test over the least value of each pixel across frames.
import XCTest
@testable import MXIntegration

final class HotPixelTests: XCTestCase {
    /// On a 200 × 200 image with a background of 1 count, an isolated pixel
    /// and a 2 × 2 cluster bright on every frame are hot; a ring 4 px wide
    /// and 60 counts high, as bright on every frame, is background, not hot.
    func testIsolatedBrightPixelsAreHotABrightRingIsNot() {
        let width = 200
        let minimum = PixelMinimum(count: width * width)
        minimum.frames = 20
        for y in 0..<width { for x in 0..<width {
            let r = ((Double(x) - 100) * (Double(x) - 100) + (Double(y) - 100) * (Double(y) - 100)).squareRoot()
            minimum.values[y * width + x] = abs(r - 70) < 2 ? 60 : 1
        } }
        let isolated = 20 * width + 20
        minimum.values[isolated] = 5000
        let cluster = [150 * width + 30, 150 * width + 31, 151 * width + 30, 151 * width + 31]
        for i in cluster { minimum.values[i] = 800 }
        XCTAssertEqual(minimum.hotPixels(width: width).sorted(), ([isolated] + cluster).sorted())
        // Fewer than 10 frames: too few to tell.
        minimum.frames = 9
        XCTAssertTrue(minimum.hotPixels(width: width).isEmpty)
    }
}
