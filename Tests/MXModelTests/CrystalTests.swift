// Tests of Crystal: A = U·B from real-space vectors and back, cell parameters; pinned to dxtbx.
import XCTest
import MXMath
@testable import MXModel

final class CrystalTests: XCTestCase {
    // dxtbx: c = Crystal((10.1,0.2,-0.3), (-2.7,11.9,0.4), (-1.3,2.1,15.1), 'P 1')
    //   c.get_unit_cell().parameters(); c.get_A()
    let crystal = Crystal(realSpaceA: Vec3(10.1, 0.2, -0.3), realSpaceB: Vec3(-2.7, 11.9, 0.4),
                          realSpaceC: Vec3(-1.3, 2.1, 15.1))

    func testSettingMatrixMatchesDxtbx() {
        let a = Mat3(0.09873060648801128, -0.0020149103364900263, 0.0020149103364900263,
                     0.02221921672430783, 0.0839748384621542, -0.0017830576402363798,
                     0.005409896245918427, -0.011852089020394758, 0.06664660956833997)
        XCTAssertLessThan(crystal.A.maxAbsDifference(a), 1e-15)
        // a·a* = 1, a·b* = 0, …: realSpaceMatrix · A = I.
        XCTAssertLessThan((crystal.realSpaceMatrix * crystal.A).maxAbsDifference(.identity), 1e-14)
    }

    func testCellParametersMatchDxtbx() {
        let p = crystal.cellParameters
        let want = [10.10643359449811, 12.209013064126028, 15.300653580811506, 79.34482481979215, 96.40111752578953, 101.69438591328831]
        for (got, w) in zip([p.a, p.b, p.c, p.alpha, p.beta, p.gamma], want) { XCTAssertEqual(got, w, accuracy: 1e-10) }
        XCTAssertEqual(crystal.volume, abs(crystal.realSpaceMatrix.determinant), accuracy: 1e-9)
    }

    func testRoundTripThroughA() throws {
        let back = try XCTUnwrap(Crystal(A: crystal.A, spaceGroupHall: " P 4nw 2abw"))
        XCTAssertLessThan(back.realSpaceA.maxAbsDifference(crystal.realSpaceA), 1e-12)
        XCTAssertLessThan(back.realSpaceB.maxAbsDifference(crystal.realSpaceB), 1e-12)
        XCTAssertLessThan(back.realSpaceC.maxAbsDifference(crystal.realSpaceC), 1e-12)
        XCTAssertEqual(back.spaceGroupHall, " P 4nw 2abw")
        XCTAssertNil(Crystal(A: Mat3(1, 0, 0, 0, 1, 0, 1, 0, 0)))
    }
}
