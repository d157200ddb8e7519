// Tests of the spot-finding log's summaries: spot resolutions and the per-image and resolution tables.
import XCTest
import MXMath
import MXModel
@testable import MXSpotFinding

final class SpotFindingSummaryTests: XCTestCase {
    /// Spots at known distances from the beam on a flat detector 100 mm away
    /// (λ = 1 Å): d = λ / (2 sin θ) with tan 2θ = r / 100. The same from the
    /// mm centroids as from the pixel centroids.
    func testSpotResolutionsFromPixelsAndFromMillimetres() {
        let exp = syntheticExperiment(width: 400, height: 400, frames: 4)
        // Beam at pixel (200, 200); spots 0, 40 and 150 px (0, 3 and 11.25 mm) out along x, and one along y.
        let px = [Vec3(200, 200, 0.5), Vec3(240, 200, 1.5), Vec3(350, 200, 2.5), Vec3(200, 80, 3.5)]
        let radii = [0.0, 3.0, 11.25, 9.0]
        var t = ReflectionTable(count: px.count)
        t.set(ReflectionTable.Name.xyzobsPxValue, .vec3(px))
        t.set(ReflectionTable.Name.panel, .size(Array(repeating: 0, count: px.count)))
        let fromPixels = spotResolutions(t, experiment: exp)
        XCTAssertEqual(fromPixels[0], .infinity)
        for (d, r) in zip(fromPixels.dropFirst(), radii.dropFirst()) {
            let theta = atan(r / 100) / 2
            XCTAssertEqual(d, 1 / (2 * sin(theta)), accuracy: 1e-9)
        }
        let mm = px.map { centroidMillimetres($0, variance: Vec3(0, 0, 0), panel: exp.detector.panels[0], scan: exp.scan).value }
        t.set(ReflectionTable.Name.xyzobsMmValue, .vec3(mm))
        XCTAssertEqual(spotResolutions(t, experiment: exp), fromPixels)
    }
}
