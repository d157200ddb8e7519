// Tests of Lorentz, polarisation and partiality factors against closed forms.
import XCTest
import MXMath
@testable import MXSimulation

final class DiffractionPhysicsTests: XCTestCase {
    let s0 = Vec3(0, 0, -1)  // λ = 1 Å, beam along −z
    let axis = Vec3(1, 0, 0)

    /// s1 at scattering angle 2θ in the plane containing the beam and `towards`.
    func s1(twoTheta: Double, towards dir: Vec3) -> Vec3 {
        Vec3(0, 0, -1) * cos(twoTheta) + dir * sin(twoTheta)
    }

    func testLorentzInEquatorialPlaneIsOneOverSin2Theta() {
        // s1 in the plane ⟂ axis (y–z plane): ζ = sin 2θ.
        for tt in [5.0, 20.0, 45.0, 80.0] {
            let v = s1(twoTheta: radians(tt), towards: Vec3(0, 1, 0))
            XCTAssertEqual(DiffractionPhysics.lorentz(s0: s0, s1: v, axis: axis), 1 / sin(radians(tt)), accuracy: 1e-12)
        }
        // Along the axis the reflection never crosses the sphere: ζ = 0.
        let alongAxis = s1(twoTheta: radians(30), towards: Vec3(1, 0, 0))
        XCTAssertEqual(DiffractionPhysics.zeta(s0: s0, s1: alongAxis, axis: axis), 0, accuracy: 1e-12)
    }

    func testPolarisationUnpolarisedIsHalfOnePlusCos2Squared() {
        for tt in [10.0, 35.0, 60.0] {
            for dir in [Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(1, 1, 0).normalized] {
                let p = DiffractionPhysics.polarisation(s0: s0, s1: s1(twoTheta: radians(tt), towards: dir),
                                                        normal: Vec3(0, 1, 0), fraction: 0.5)
                let c = cos(radians(tt))
                XCTAssertEqual(p, (1 + c * c) / 2, accuracy: 1e-12)
            }
        }
    }

    func testPolarisationFullyHorizontal() {
        // Field along x: scattering in the vertical plane keeps everything,
        // in the horizontal plane it falls as cos² 2θ.
        let tt = radians(40)
        XCTAssertEqual(DiffractionPhysics.polarisation(s0: s0, s1: s1(twoTheta: tt, towards: Vec3(0, 1, 0)),
                                                       normal: Vec3(0, 1, 0), fraction: 1), 1, accuracy: 1e-12)
        XCTAssertEqual(DiffractionPhysics.polarisation(s0: s0, s1: s1(twoTheta: tt, towards: Vec3(1, 0, 0)),
                                                       normal: Vec3(0, 1, 0), fraction: 1), cos(tt) * cos(tt), accuracy: 1e-12)
    }

    func testPartialityOfOneSigmaEitherSideIsErfOfOneOverRootTwo() {
        XCTAssertEqual(DiffractionPhysics.partiality(phiCentre: 0.3, sigma: 0.01, from: 0.29, to: 0.31),
                       0.682689492137086, accuracy: 1e-12)
    }

    func testPartialitiesOverAFullRockingCurveSumToOne() {
        let sigma = radians(0.17), width = radians(0.1)
        for centre in [0.0, 0.0123, -0.05] {
            var sum = 0.0
            for i in -200..<200 {
                let a = Double(i) * width
                sum += DiffractionPhysics.partiality(phiCentre: centre, sigma: sigma, from: a, to: a + width)
            }
            XCTAssertEqual(sum, 1, accuracy: 1e-12)
        }
    }

    func testRockingWidthGrowsAsOneOverZeta() {
        let m = radians(0.1)
        XCTAssertEqual(DiffractionPhysics.rockingWidth(mosaicity: m, divergence: 0, zeta: 0.5), 2 * m, accuracy: 1e-15)
        XCTAssertEqual(DiffractionPhysics.rockingWidth(mosaicity: 3e-3, divergence: 4e-3, zeta: -1), 5e-3, accuracy: 1e-15)
    }
}

/// Kabsch's ζ (rocking width) against the Lorentz ζ: equal up to sin 2θ.
final class KabschZetaTests: XCTestCase {
    func testKabschZetaIsTheLorentzZetaWithoutSin2Theta() {
        let s0 = Vec3(0, 0, -1)
        // Equatorial reflection at 2θ = 30°: Lorentz ζ = sin 2θ, Kabsch ζ = 1 (in magnitude).
        let s1 = Vec3(0, sinDouble(radians(30)), -cosDouble(radians(30)))
        let axis = Vec3(1, 0, 0)
        XCTAssertEqual(abs(DiffractionPhysics.zeta(s0: s0, s1: s1, axis: axis)), 0.5, accuracy: 1e-12)
        XCTAssertEqual(abs(DiffractionPhysics.kabschZeta(s0: s0, s1: s1, axis: axis)), 1, accuracy: 1e-12)
        // A reflection in the plane containing the axis has ζ = 0 in both.
        let s1b = Vec3(sinDouble(radians(30)), 0, -cosDouble(radians(30)))
        XCTAssertEqual(DiffractionPhysics.kabschZeta(s0: s0, s1: s1b, axis: axis), 0, accuracy: 1e-12)
    }
}
