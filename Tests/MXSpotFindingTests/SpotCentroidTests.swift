// Tests of spot centroids, variances, bounding boxes and mm conversion against hand-computed values.
import XCTest
import MXMath
import MXModel
@testable import MXSpotFinding

final class SpotCentroidTests: XCTestCase {
    /// Pixels (x, y, z, counts) = (10,20,3,1), (11,20,3,3): centroid x = (10.5 + 3·11.5)/4 = 11.25.
    /// Weighted Σw·dx² = 1·0.75² + 3·0.25² = 0.75; unbiased factor Σw/((Σw)² − Σw²) = 4/(16 − 10);
    /// variance = 0.75·4/6 / 4 + 1/12 = 0.125 + 0.08333.
    func testTwoPixelCentroidAndVariance() {
        let px = [StrongPixel(x: 10, y: 20, z: 3, value: 1, panel: 0), StrongPixel(x: 11, y: 20, z: 3, value: 3, panel: 0)]
        let m = SpotMeasurement(pixels: px, panelOffset: (0, 0))
        XCTAssertEqual(m.centroid.x, 11.25, accuracy: 1e-12)
        XCTAssertEqual(m.centroid.y, 20.5, accuracy: 1e-12)
        XCTAssertEqual(m.centroid.z, 3.5, accuracy: 1e-12)
        XCTAssertEqual(m.centroidVariance.x, 0.125 + 1.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(m.centroidVariance.y, 1.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(m.intensity, 4)
        XCTAssertEqual(m.intensityVariance, 4)
        XCTAssertEqual(m.bbox, BoundingBox(10, 12, 20, 21, 3, 4))
        XCTAssertEqual(m.peak, Vec3(11.5, 20.5, 3.5))
        XCTAssertEqual(m.peakCentroidSeparation, 0.25, accuracy: 1e-12)
    }

    /// DIALS' first strong spot of lysozyme_p43212 (dials.find_spots, DIALS 3.12):
    /// 4 pixels, bbox (812, 815, 0, 2, 0, 1), centroid (813.5833, 1.0833, 0.5),
    /// variance (0.098214, 0.098214, 0.083333). Pixel values reconstructed to give that answer:
    /// (812,0)=… are not known individually, so this pins the formula with a symmetric case instead:
    /// four pixels of equal weight 6 in a 2×2 square give variance 0.25·Σw/((Σw)²−Σw²) + 1/12.
    func testEqualWeightSquare() {
        let px = [(0, 0), (1, 0), (0, 1), (1, 1)].map {
            StrongPixel(x: Int32($0.0), y: Int32($0.1), z: 0, value: 6, panel: 0)
        }
        let m = SpotMeasurement(pixels: px, panelOffset: (0, 0))
        XCTAssertEqual(m.centroid, Vec3(1, 1, 0.5))
        // Σw·dx² = 24·0.25 = 6; factor 24/(576 − 144) = 1/18; / Σw (24) → 6/18/24 = 1/72.
        XCTAssertEqual(m.centroidVariance.x, 1.0 / 72 + 1.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(m.centroidVariance.z, 1.0 / 12, accuracy: 1e-12)
    }

    func testPanelOffsetIsSubtracted() {
        let px = [StrongPixel(x: 105, y: 52, z: 0, value: 2, panel: 1)]
        let m = SpotMeasurement(pixels: px, panelOffset: (100, 50))
        XCTAssertEqual(m.centroid, Vec3(5.5, 2.5, 0.5))
        XCTAssertEqual(m.panel, 1)
    }

    func testMillimetreConversion() {
        let exp = syntheticExperiment(width: 100, height: 100, frames: 10)
        let scan = exp.scan!
        let (v, s) = centroidMillimetres(Vec3(10, 20, 4), variance: Vec3(1, 2, 3), panel: exp.detector[0], scan: scan)
        XCTAssertEqual(v.x, 0.75, accuracy: 1e-12)
        XCTAssertEqual(v.y, 1.5, accuracy: 1e-12)
        XCTAssertEqual(v.z, radians(2.0), accuracy: 1e-12)   // z 4 × 0.5° from 0°
        XCTAssertEqual(s.x, 0.075 * 0.075, accuracy: 1e-15)
        XCTAssertEqual(s.z, 3 * radians(0.5) * radians(0.5), accuracy: 1e-15)
    }
}
