// Tests of UnitCell, with expected numbers from cctbx (uctbx) — the
// producing snippet sits beside each block.
import XCTest
import MXMath
import MXModel
@testable import MXSymmetry

final class UnitCellTests: XCTestCase {
    // Python (cctbx 2022, Debian 12):
    //   from cctbx import uctbx; from scitbx import matrix
    //   uc = uctbx.unit_cell((10.1, 12.2, 15.3, 81, 95, 103))
    //   uc.volume(); uc.orthogonalization_matrix(); matrix.sqr(uc.fractionalization_matrix()).transpose()
    //   uc.metrical_matrix(); uc.reciprocal().parameters(); uc.d(h); uc.d_star_sq(h); uc.two_theta(h, 0.9795, deg=True)
    let triclinic = try! UnitCell(a: 10.1, b: 12.2, c: 15.3, alpha: 81, beta: 95, gamma: 103)

    func testTriclinicAgainstCctbx() throws {
        let uc = triclinic
        XCTAssertEqual(uc.volume, 1811.6839259179167, accuracy: 1e-9)
        let o = Mat3(10.1, -2.744402862995153, -1.3334828640391712,
                     0.0, 11.88731479037987, 2.1485460345724783,
                     0.0, 0.0, 15.089584930959393)
        XCTAssertLessThan(uc.orthogonalisationMatrix.maxAbsDifference(o), 1e-12)
        let b = Mat3(0.09900990099009901, 0.0, 0.0,
                     0.022858236745105263, 0.08412328752404849, 0.0,
                     0.005494918038095126, -0.011977980617224522, 0.06627087521461865)
        XCTAssertLessThan(uc.bMatrix.maxAbsDifference(b), 1e-15)
        XCTAssertLessThan((uc.orthogonalisationMatrix * uc.fractionalisationMatrix).maxAbsDifference(.identity), 1e-14)
        // cctbx metrical_matrix order: (G11, G22, G33, G12, G13, G23)
        let g = uc.metricTensor
        for (got, want) in zip([g[0, 0], g[1, 1], g[2, 2], g[0, 1], g[0, 2], g[1, 2]],
                               [102.01, 148.84, 234.09, -27.718468916251044, -13.468176926795627, 29.200057244409503]) {
            XCTAssertEqual(got, want, accuracy: 1e-9)
        }
        XCTAssertLessThan((uc.metricTensor * uc.reciprocalMetricTensor).maxAbsDifference(.identity), 1e-12)
        let r = uc.reciprocal.parameters
        for (got, want) in zip(r, [0.10176273190814933, 0.0849717572109718, 0.06627087521461865,
                                   98.10364747217174, 86.90467420992864, 77.59806906790733]) {
            XCTAssertEqual(got, want, accuracy: 1e-10)
        }
        let cases: [(Miller, Double, Double, Double)] = [
            (Miller(1, 2, 3), 3.5612069765565573, 0.07885070287590258, 15.809145643057636),
            (Miller(-2, 0, 5), 2.635823811072047, 0.14393527641208523, 21.41617200754577),
            (Miller(0, 0, 1), 15.089584930959395, 0.0043918289017115565, 3.719855383743048),
        ]
        for (h, d, dss, tt) in cases {
            XCTAssertEqual(uc.dSpacing(h), d, accuracy: 1e-12)
            XCTAssertEqual(uc.oneOverDSquared(h), dss, accuracy: 1e-15)
            XCTAssertEqual(degrees(uc.twoTheta(h, wavelength: 0.9795)!), tt, accuracy: 1e-10)
        }
    }

    func testHexagonalAndTetragonalAgainstCctbx() throws {
        // uctbx.unit_cell((78, 78, 37, 90, 90, 120)): volume, d((1,2,3)), B
        let hex = try UnitCell(parameters: [78, 78, 37, 90, 90, 120])
        XCTAssertEqual(hex.volume, 194949.24659510746, accuracy: 1e-7)
        XCTAssertEqual(hex.dSpacing(Miller(1, 2, 3)), 11.105477424463638, accuracy: 1e-11)
        XCTAssertEqual(hex.dSpacing(Miller(-2, 0, 5)), 7.228536059934514, accuracy: 1e-11)
        XCTAssertLessThan(hex.bMatrix.maxAbsDifference(Mat3(0.01282051282051282, 0, 0,
                                                             0.007401926528072121, 0.01480385305614425, 0,
                                                             0, 0, 0.02702702702702703)), 1e-15)
        XCTAssertEqual(hex.reciprocal.gammaDegrees, 60, accuracy: 1e-10)
        // uctbx.unit_cell((57.8, 57.8, 150.2, 90, 90, 90)).volume(), .d((1,2,3)), .two_theta((0,0,1), 0.9795, deg=True)
        let tet = try UnitCell(parameters: [57.8, 57.8, 150.2, 90, 90, 90])
        XCTAssertEqual(tet.volume, 501794.168, accuracy: 1e-6)
        XCTAssertEqual(tet.dSpacing(Miller(1, 2, 3)), 22.968395262375502, accuracy: 1e-11)
        XCTAssertEqual(degrees(tet.twoTheta(Miller(0, 0, 1), wavelength: 0.9795)!), 0.3736439113114093, accuracy: 1e-12)
        XCTAssertEqual(tet.dSpacing(.zero), .infinity)
        // λ/2d > 1: no diffraction.
        XCTAssertNil(tet.twoTheta(Miller(60, 0, 0), wavelength: 2.0))
    }

    func testRejectsImpossibleCells() {
        XCTAssertThrowsError(try UnitCell(a: 0, b: 1, c: 1, alpha: 90, beta: 90, gamma: 90))
        XCTAssertThrowsError(try UnitCell(a: 1, b: .nan, c: 1, alpha: 90, beta: 90, gamma: 90))
        XCTAssertThrowsError(try UnitCell(a: 1, b: 1, c: 1, alpha: 180, beta: 90, gamma: 90))
        XCTAssertThrowsError(try UnitCell(a: 1, b: 1, c: 1, alpha: 30, beta: 30, gamma: 90))   // α + β < γ
        XCTAssertThrowsError(try UnitCell(parameters: [1, 2, 3]))
        XCTAssertThrowsError(try UnitCell(metricTensor: Mat3(diagonal: Vec3(1, 0, 1))))
    }

    func testMetricTensorAndVectorsRoundTrip() throws {
        let back = try UnitCell(metricTensor: triclinic.metricTensor)
        XCTAssertLessThan(back.maxParameterDifference(triclinic).length, 1e-12)
        XCTAssertLessThan(back.maxParameterDifference(triclinic).angleDegrees, 1e-10)
        let o = triclinic.orthogonalisationMatrix
        let fromVectors = try UnitCell(realSpaceA: o.col0, o.col1, o.col2)
        XCTAssertLessThan(fromVectors.maxParameterDifference(triclinic).angleDegrees, 1e-10)
        XCTAssertLessThan(fromVectors.maxParameterDifference(triclinic).length, 1e-12)
        let frac = Vec3(0.1, 0.25, -0.4)
        XCTAssertLessThan(triclinic.fractionalise(triclinic.orthogonalise(frac)).maxAbsDifference(frac), 1e-14)
    }

    func testCrystalUAndBDecomposition() throws {
        let u = Mat3.rotation(axis: Vec3(0.3, -0.5, 0.8), angle: 1.1)
        let crystal = try XCTUnwrap(Crystal(cell: triclinic, U: u, spaceGroupHall: " P 1"))
        // A·h is the reciprocal-lattice vector: |A·h| = 1/d.
        let h = Miller(1, 2, 3)
        XCTAssertEqual((crystal.A * Vec3(1, 2, 3)).length, 1 / triclinic.dSpacing(h), accuracy: 1e-14)
        let cell = try XCTUnwrap(crystal.unitCell)
        XCTAssertLessThan(cell.maxParameterDifference(triclinic).length, 1e-10)
        XCTAssertLessThan(cell.maxParameterDifference(triclinic).angleDegrees, 1e-9)
        XCTAssertLessThan(try XCTUnwrap(crystal.U).maxAbsDifference(u), 1e-12)
        XCTAssertLessThan(try XCTUnwrap(crystal.B).maxAbsDifference(triclinic.bMatrix), 1e-14)
        // With U = I, the real-space vectors are the columns of O (a along x).
        let aligned = try XCTUnwrap(Crystal(cell: triclinic, U: .identity))
        XCTAssertLessThan(aligned.realSpaceA.maxAbsDifference(Vec3(10.1, 0, 0)), 1e-12)
        XCTAssertEqual(aligned.realSpaceB.z, 0, accuracy: 1e-12)
        // Crystal's own cellParameters agree with UnitCell's.
        let p = crystal.cellParameters
        for (x, y) in zip([p.a, p.b, p.c, p.alpha, p.beta, p.gamma], triclinic.parameters) {
            XCTAssertEqual(x, y, accuracy: 1e-9)
        }
    }

    func testCrystalUAndBMatchDxtbx() throws {
        // dxtbx: c = Crystal((10.1,0.2,-0.3), (-2.7,11.9,0.4), (-1.3,2.1,15.1), 'P 1'); c.get_U(); c.get_B()
        let c = Crystal(realSpaceA: Vec3(10.1, 0.2, -0.3), realSpaceB: Vec3(-2.7, 11.9, 0.4), realSpaceC: Vec3(-1.3, 2.1, 15.1))
        let u = Mat3(0.9993634159431263, -0.01897974952719563, 0.030208144305317996,
                     0.01978937457313126, 0.9994467336565309, -0.026732138659226613,
                     -0.029684061859696742, 0.02731292168876759, 0.9991860991728881)
        let b = Mat3(0.09894687286565607, 0, 0,
                     0.02048080147021456, 0.0836429053245788, 0,
                     0.0077939943526570766, -0.014148136323201527, 0.06670089748397127)
        XCTAssertLessThan(try XCTUnwrap(c.U).maxAbsDifference(u), 1e-13)
        XCTAssertLessThan(try XCTUnwrap(c.B).maxAbsDifference(b), 1e-15)
    }
}
