// Tests of Goniometer: the single-axis rotation and multi-axis F/S composition, pinned to dxtbx.
import XCTest
import MXMath
@testable import MXModel

final class GoniometerTests: XCTestCase {
    func testSingleAxisRotationIsRodrigues() {
        let g = Goniometer(rotationAxis: Vec3(2, 0, 0))
        XCTAssertEqual(g.rotationAxis, Vec3(1, 0, 0))
        let v = Vec3(0.1, 0.5, -0.3)
        for phi in [0.0, 0.3, -1.2, 3.0] {
            XCTAssertLessThan((g.rotation(at: phi) * v).maxAbsDifference(v.rotated(around: .unitX, by: phi)), 1e-15)
        }
        // With F and S: S·R(φ)·F.
        let f = Mat3.rotation(axis: .unitY, angle: 0.2), s = Mat3.rotation(axis: .unitZ, angle: -0.4)
        let g2 = Goniometer(rotationAxis: .unitX, fixedRotation: f, settingRotation: s)
        XCTAssertLessThan((g2.rotation(at: 0.7) * v).maxAbsDifference(s * (f * v).rotated(around: .unitX, by: 0.7)), 1e-15)
        XCTAssertLessThan(g2.rotationAxis.maxAbsDifference(s * .unitX), 1e-15)
    }

    // dxtbx:
    //   from dxtbx.model import GoniometerFactory; from scitbx.array_family import flex
    //   g = GoniometerFactory.multi_axis(flex.vec3_double([(1,0,0),(0.914,0.279,-0.297),(1,0,0)]),
    //         flex.double([10,-30,45]), flex.std_string(['phi','kappa','omega']), scan_axis)
    //   g.get_fixed_rotation(), g.get_setting_rotation(), g.get_rotation_axis()
    func testMultiAxisCompositionMatchesDxtbx() {
        let axes = [Goniometer.Axis(name: "phi", vector: Vec3(1, 0, 0), angleDegrees: 10),
                    Goniometer.Axis(name: "kappa", vector: Vec3(0.914, 0.279, -0.297), angleDegrees: -30),
                    Goniometer.Axis(name: "omega", vector: Vec3(1, 0, 0), angleDegrees: 45)]
        let g0 = Goniometer(axes: axes, scanAxis: 0)
        XCTAssertLessThan(g0.fixedRotation.maxAbsDifference(.identity), 1e-15)
        XCTAssertLessThan(g0.settingRotation.maxAbsDifference(Mat3(
            0.9777856402625864, -0.11427775519884498, -0.1757152138063092,
            0.05616157334178368, 0.9504890577805829, -0.3056410128224864,
            0.2019433568505276, 0.28898295054569006, 0.9357925704545039)), 1e-12)
        XCTAssertLessThan(g0.rotationAxis.maxAbsDifference(Vec3(0.9777856402625864, 0.05616157334178368, 0.2019433568505276)), 1e-12)

        let g1 = Goniometer(axes: axes, scanAxis: 1)
        XCTAssertLessThan(g1.fixedRotation.maxAbsDifference(Mat3(1, 0, 0, 0, 0.984807753012208, -0.17364817766693033,
                                                                 0, 0.17364817766693033, 0.984807753012208)), 1e-14)
        XCTAssertLessThan(g1.settingRotation.maxAbsDifference(Mat3(1, 0, 0, 0, 0.7071067811865476, -0.7071067811865475,
                                                                   0, 0.7071067811865475, 0.7071067811865476)), 1e-14)
        XCTAssertLessThan(g1.rotationAxis.maxAbsDifference(Vec3(0.914, 0.4072935059634514, -0.012727922061357866).normalized), 1e-12)
        XCTAssertEqual(g1.scanAxisIndex, 1)
        XCTAssertEqual(g1.axes.map(\.name), ["phi", "kappa", "omega"])

        let g2 = Goniometer(axes: axes, scanAxis: 2)
        XCTAssertLessThan(g2.fixedRotation.maxAbsDifference(Mat3(
            0.9777856402625864, -0.14305424598247432, -0.15320158094050407,
            0.18250774639666378, 0.9404989094053163, 0.28662296473350096,
            0.10308328769250205, -0.30821629436776443, 0.9457148363458767)), 1e-12)
        XCTAssertLessThan(g2.settingRotation.maxAbsDifference(.identity), 1e-15)
    }

    func testMultiAxisEqualsProductOfAxisRotations() {
        // Whatever the scan axis, S·R(scan, φ)·F is the product of all axis rotations
        // (outermost first) with the scan axis' angle replaced by φ.
        let axes = [Goniometer.Axis(name: "phi", vector: Vec3(0, 0, 1), angleDegrees: 25),
                    Goniometer.Axis(name: "chi", vector: Vec3(0, 1, 0), angleDegrees: 50),
                    Goniometer.Axis(name: "omega", vector: Vec3(1, 0, 0), angleDegrees: -15)]
        let phi = radians(33)
        for scan in 0..<3 {
            var expected = Mat3.identity
            for (i, a) in axes.enumerated() {
                let angle = i == scan ? phi : radians(a.angleDegrees)
                expected = Mat3.rotation(axis: a.vector, angle: angle) * expected
            }
            XCTAssertLessThan(Goniometer(axes: axes, scanAxis: scan).rotation(at: phi).maxAbsDifference(expected), 1e-14)
        }
    }
}
