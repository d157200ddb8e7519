// Tests of rotation-geometry prediction: predicted reflections lie on the
// Ewald sphere and come in entering/exiting pairs.
import XCTest
import MXMath
import MXModel
@testable import MXSimulation

final class RotationPredictorTests: XCTestCase {
    func testPredictedAnglesPutReflectionsOnTheEwaldSphere() {
        var rng = RandomSource(seed: 9)
        let u = CellGeometry.randomRotation(&rng)
        let a = u * CellGeometry.bMatrix([50, 60, 70, 90, 100, 90])
        let beam = Beam(wavelength: 1.0)
        let gonio = Goniometer(rotationAxis: Vec3(1, 0, 0))
        var tested = 0
        for h in -5...5 { for k in -5...5 { for l in -5...5 where h != 0 || k != 0 || l != 0 {
            let r0 = a * Vec3(Double(h), Double(k), Double(l))
            let phis = RotationPredictor.angles(r0: r0, s0: beam.s0, goniometer: gonio)
            if phis.isEmpty { continue }
            XCTAssertEqual(phis.count, 2)
            for phi in phis {
                let s1 = beam.s0 + gonio.rotation(at: phi) * r0
                XCTAssertEqual(s1.length, 1.0, accuracy: 1e-10)
            }
            tested += 1
        } } }
        XCTAssertGreaterThan(tested, 100)
    }

    func testPredictionHitsTheDetectorWhereTheRayPoints() {
        let a = CellGeometry.bMatrix([40, 40, 40, 90, 90, 90])
        let beam = Beam(wavelength: 1.0)
        let gonio = Goniometer(rotationAxis: Vec3(1, 0, 0))
        let panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(-30, 30, -100),
                          imageSize: (600, 600), pixelSize: (0.1, 0.1), trustedRange: (-1, 1e6))
        let det = Detector(panels: [panel])
        let refl = RotationPredictor.predict(A: a, s0: beam.s0, goniometer: gonio, detector: det,
                                             phiRange: 0...radians(10), margin: 0, dMin: 3, lattice: 0,
                                             index: { _ in 0 })
        XCTAssertGreaterThan(refl.count, 20)
        for r in refl {
            XCTAssert(r.phi >= -1e-12 && r.phi <= radians(10) + 1e-12)
            let lab = panel.labCoordinate(pixel: (r.x, r.y))
            XCTAssertLessThan((lab.normalized - r.s1.normalized).length, 1e-9)
            XCTAssertGreaterThanOrEqual(r.d, 3 - 1e-9)
        }
    }
}
