// Tests of ChangeOfBasis: notation, algebra and actions, pinned to cctbx's sgtbx.change_of_basis_op.
import XCTest
import MXMath
import MXModel
@testable import MXSymmetry

final class ChangeOfBasisTests: XCTestCase {
    // /usr/bin/python3 -c "from cctbx import sgtbx; op=sgtbx.change_of_basis_op(S);
    //   print(op.as_abc(), op.as_xyz(), op.as_hkl(), op.inverse().as_abc())"
    func testNotationMatchesCctbx() throws {
        let cases: [(String, String, String, String, String)] = [
            ("-b,a+b,c", "-b,a+b,c", "x-y,x,z", "-k,h+k,l", "a+b,-a,c"),
            ("a-b,a+b,2c", "a-b,a+b,2*c", "1/2*x-1/2*y,1/2*x+1/2*y,1/2*z", "h-k,h+k,2*l",
             "1/2*a+1/2*b,-1/2*a+1/2*b,1/2*c"),
            ("x+y,-x+y,z", "1/2*a+1/2*b,-1/2*a+1/2*b,c", "x+y,-x+y,z", "1/2*h+1/2*k,-1/2*h+1/2*k,l", "a-b,a+b,c"),
            ("h+k,-h+k,l", "a+b,-a+b,c", "1/2*x+1/2*y,-1/2*x+1/2*y,z", "h+k,-h+k,l", "1/2*a-1/2*b,1/2*a+1/2*b,c"),
            ("1/2*a+1/2*b,-1/2*a+1/2*b,c", "1/2*a+1/2*b,-1/2*a+1/2*b,c", "x+y,-x+y,z",
             "1/2*h+1/2*k,-1/2*h+1/2*k,l", "a-b,a+b,c"),
            ("a,b,c+1/4", "a,b,c+1/4", "x,y,z-1/4", "h,k,l", "a,b,c-1/4"),
        ]
        for (input, abc, xyz, hkl, inverse) in cases {
            let op = try ChangeOfBasis(parsing: input)
            XCTAssertEqual(op.description, abc, input)
            XCTAssertEqual(op.xyzDescription, xyz, input)
            XCTAssertEqual(op.hklDescription, hkl, input)
            XCTAssertEqual(op.inverse.description, inverse, input)
            XCTAssertTrue((op * op.inverse).isIdentity, input)
            XCTAssertEqual(try ChangeOfBasis(parsing: op.xyzDescription), op, input)
        }
        XCTAssertEqual(try ChangeOfBasis(parsing: " A , B , C ").isIdentity, true)
        XCTAssertEqual(try ChangeOfBasis(parsing: "a/2+b/2,-a/2+b/2,c").description, "1/2*a+1/2*b,-1/2*a+1/2*b,c")
        for bad in ["a,b", "a,b,d", "a,b,a", "a,b,x", "h,k,l+1/2", "a,,c", "a,b,c+1/0"] {
            XCTAssertThrowsError(try ChangeOfBasis(parsing: bad), bad)
        }
    }

    // cctbx: op.apply((1,2,3)) → (3, 1, 3) for 'a+b,-a+b,c'; (-1, 3, 6) for 'a-b,a+b,2c'.
    func testMillerIndicesTransformAsRowVectorTimesP() throws {
        XCTAssertEqual(try ChangeOfBasis(parsing: "a+b,-a+b,c").apply(to: Miller(1, 2, 3)), Miller(3, 1, 3))
        XCTAssertEqual(try ChangeOfBasis(parsing: "a-b,a+b,2c").apply(to: Miller(1, 2, 3)), Miller(-1, 3, 6))
        // Back to the small cell: (1,2,3)·P⁻¹ is fractional for a reflection absent by C centring.
        let toSmall = try ChangeOfBasis(parsing: "a+b,-a+b,c").inverse
        XCTAssertNil(toSmall.apply(to: Miller(1, 2, 3)))
        XCTAssertEqual(toSmall.apply(to: Miller(3, 1, 3)), Miller(1, 2, 3))
        XCTAssertEqual(toSmall.apply(toFractionalMiller: Vec3(1, 2, 3)).maxAbsDifference(Vec3(-0.5, 1.5, 3)), 0,
                       accuracy: 1e-12)
    }

    // cctbx: (op('-b,a+b,c') * op('a-b,a+b,2c')).as_abc() → '-a-b,2*a,2*c'
    func testCompositionOrderMatchesCctbx() throws {
        let first = try ChangeOfBasis(parsing: "a-b,a+b,2c"), second = try ChangeOfBasis(parsing: "-b,a+b,c")
        XCTAssertEqual((second * first).description, "-a-b,2*a,2*c")
        XCTAssertEqual(first.followed(by: second), second * first)
        XCTAssertEqual(first.volumeRatio, Rational(4))
    }

    // uctbx.unit_cell((40,50,60,80,95,110)).change_basis(sgtbx.change_of_basis_op('-b,a+b,c'))
    //   → (50, 52.2678, 60, 84.2945, 100, 134.017)
    func testUnitCellChangeBasis() throws {
        let cell = try UnitCell(parameters: [40, 50, 60, 80, 95, 110])
        let new = try cell.changeBasis(try ChangeOfBasis(parsing: "-b,a+b,c"))
        for (x, y) in zip(new.parameters, [50, 52.2678, 60, 84.2945, 100, 134.017]) { XCTAssertEqual(x, y, accuracy: 1e-3) }
        // d-spacings are preserved under h' = h·P.
        let op = try ChangeOfBasis(parsing: "a-b,a+b,2c")
        let big = try cell.changeBasis(op)
        let h = Miller(1, -2, 3)
        XCTAssertEqual(big.dSpacing(op.apply(to: h)!), cell.dSpacing(h), accuracy: 1e-9)
        XCTAssertEqual(big.volume, 4 * cell.volume, accuracy: 1e-6)
    }

    func testCrystalPredictionsUnchanged() throws {
        let cell = try UnitCell(parameters: [40, 50, 60, 80, 95, 110])
        let u = Mat3.rotation(axis: Vec3(1, 2, 3).normalized, angle: 0.7)
        let crystal = try XCTUnwrap(Crystal(cell: cell, U: u))
        let op = try ChangeOfBasis(parsing: "-b,a+b,c")
        let new = try crystal.changedBasis(op)
        for h in [Miller(1, 2, 3), Miller(-4, 0, 7), Miller(2, -5, -1)] {
            let hp = try XCTUnwrap(op.apply(to: h))
            let (a, b, c) = h.components, (ap, bp, cp) = hp.components
            XCTAssertLessThan((crystal.A * Vec3(a, b, c)).maxAbsDifference(new.A * Vec3(ap, bp, cp)), 1e-12)
        }
        let newCell = try XCTUnwrap(new.unitCell)
        XCTAssertLessThan(newCell.maxParameterDifference(try cell.changeBasis(op)).length, 1e-9)
    }

    // cctbx: space_group_info('P 1 2 1').group().change_basis(op('b,c,a')) → P 2 1 1;
    // 'C 1 2 1' under '1/2*a+1/2*b,-1/2*a+1/2*b,c' → ops x,y,z and y,x,-z (primitive);
    // 'P 4' under 'a-b,a+b,c' → 8 ops with centring x+1/2,y+1/2,z.
    func testSpaceGroupChangeBasis() throws {
        let p2 = try sg("P 1 2 1")
        XCTAssertEqual(try p2.changedBasis(try ChangeOfBasis(parsing: "b,c,a"))?.xHM, "P 2 1 1")
        let c2ops = try sg("C 1 2 1").operations(in: try ChangeOfBasis(parsing: "1/2*a+1/2*b,-1/2*a+1/2*b,c"))
        XCTAssertEqual(Set(c2ops.map(\.description)), ["x,y,z", "y,x,-z"])
        let p4ops = try sg("P 4").operations(in: try ChangeOfBasis(parsing: "a-b,a+b,c"))
        XCTAssertEqual(p4ops.count, 8)
        XCTAssertTrue(p4ops.contains { $0.description == "x+1/2,y+1/2,z" })
        // A non-reference setting and its way back to the reference.
        let p112 = try sg("P 1 1 2")
        XCTAssertEqual(try p112.changedBasis(p112.changeOfBasisToReference)?.xHM, "P 1 2 1")
        XCTAssertEqual(try p112.referenceSetting().xHM, "P 1 2 1")
        // cctbx: space_group_info('R 3 :R').type().cb_op().as_xyz()
        //   → -1/3*x+2/3*y-1/3*z,-2/3*x+1/3*y+1/3*z,1/3*x+1/3*y+1/3*z
        XCTAssertEqual(try sg("R 3 :R").changeOfBasisToReference.xyzDescription,
                       "-1/3*x+2/3*y-1/3*z,-2/3*x+1/3*y+1/3*z,1/3*x+1/3*y+1/3*z")
        XCTAssertEqual(try sg("R 3 :R").changedBasis(try sg("R 3 :R").changeOfBasisToReference)?.xHM, "R 3 :H")
        // A tetragonal crystal re-expressed on a C-centred cell keeps a group from the table only
        // when syminfo holds that setting; P 4 on the 45°-rotated cell is not there.
        let crystal = try XCTUnwrap(Crystal(cell: try UnitCell(parameters: [50, 50, 70, 90, 90, 90]), U: .identity,
                                            spaceGroupHall: p2.hall))
        XCTAssertEqual(try crystal.changedBasis(try ChangeOfBasis(parsing: "c,a,b")).spaceGroupHall,
                       try sg("P 1 1 2").hall)
        XCTAssertThrowsError(try crystal.changedBasis(try ChangeOfBasis(parsing: "a-c,b,a+c")))
    }
}
