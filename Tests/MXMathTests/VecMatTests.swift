// Tests of Vec3 and Mat3: products, rotations (against Rodrigues), inverse, determinant.
import Foundation
import XCTest
@testable import MXMath

final class VecMatTests: XCTestCase {
    func testVectorProducts() {
        let a = Vec3(1, 2, 3), b = Vec3(-4, 0.5, 2)
        XCTAssertEqual(a.dot(b), -4 + 1 + 6)
        // (2·2 − 3·0.5, 3·(−4) − 1·2, 1·0.5 − 2·(−4))
        XCTAssertEqual(a.cross(b), Vec3(2.5, -14, 8.5))
        XCTAssertEqual(a.cross(b).dot(a), 0, accuracy: 1e-14)
        XCTAssertEqual(Vec3.unitX.cross(.unitY), .unitZ)
        XCTAssertEqual(Vec3(3, 4, 0).length, 5)
        XCTAssertEqual(Vec3(3, 4, 0).normalized, Vec3(0.6, 0.8, 0))
        XCTAssertEqual(Vec3.zero.normalized, .zero)
        XCTAssertEqual(Vec3.unitX.angle(to: .unitY), .pi / 2, accuracy: 1e-15)
        XCTAssertEqual(Vec3.unitX.angle(to: -.unitX), .pi, accuracy: 1e-15)
    }

    func testRotationMatrixMatchesRodrigues() {
        let axis = Vec3(1, -2, 0.5), v = Vec3(0.3, 0.7, -1.1)
        for angle in [0.0, 0.1, 1.0, -2.5, .pi] {
            let r = Mat3.rotation(axis: axis, angle: angle)
            XCTAssertLessThan((r * v).maxAbsDifference(v.rotated(around: axis, by: angle)), 1e-14)
            XCTAssertEqual(r.determinant, 1, accuracy: 1e-14)
            XCTAssertLessThan((r * r.transposed).maxAbsDifference(.identity), 1e-14)
        }
        // Right-hand rule: +90° about z takes x to y.
        XCTAssertLessThan((Mat3.rotation(axis: .unitZ, angle: .pi / 2) * .unitX).maxAbsDifference(.unitY), 1e-15)
    }

    func testInverseDeterminantAndProducts() {
        // numpy: np.linalg.det([[2,1,1],[1,3,2],[1,0,0]]) = -1; inv = [[0,0,1],[-2,1,3],[3,-1,-5]]
        let m = Mat3(2, 1, 1, 1, 3, 2, 1, 0, 0)
        XCTAssertEqual(m.determinant, -1, accuracy: 1e-14)
        XCTAssertLessThan(m.inverse!.maxAbsDifference(Mat3(0, 0, 1, -2, 1, 3, 3, -1, -5)), 1e-14)
        XCTAssertLessThan((m * m.inverse!).maxAbsDifference(.identity), 1e-14)
        XCTAssertNil(Mat3(1, 2, 3, 2, 4, 6, 0, 1, 1).inverse)
        XCTAssertEqual(m.transposed.row0, m.col0)
        XCTAssertEqual(m * Vec3(1, 1, 1), Vec3(4, 6, 1))
        XCTAssertEqual(Mat3(columns: .unitX, .unitY, .unitZ), .identity)
        XCTAssertEqual(m.trace, 5)
        var e = m; e[1, 2] = 9
        XCTAssertEqual(e.row1, Vec3(1, 3, 9))
    }

    func testMat3JSONLayoutIsRowMajor() throws {
        let m = Mat3(1, 2, 3, 4, 5, 6, 7, 8, 9)
        let data = try JSONEncoder().encode(m)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "[1,2,3,4,5,6,7,8,9]")
        XCTAssertEqual(try JSONDecoder().decode(Mat3.self, from: data), m)
        XCTAssertThrowsError(try JSONDecoder().decode(Mat3.self, from: Data("[1,2]".utf8)))
    }

    func testDecompositionsOfMat3() throws {
        let r = Mat3.rotation(axis: Vec3(0.2, 1, -0.4), angle: 0.8)
        // A rotation scaled and slightly sheared: its nearest rotation is close to r.
        let noisy = r * Mat3(1.02, 0.01, 0, 0, 0.99, 0.005, 0, 0, 1.01)
        let q = try noisy.nearestRotation()
        XCTAssertEqual(q.determinant, 1, accuracy: 1e-13)
        XCTAssertLessThan((q * q.transposed).maxAbsDifference(.identity), 1e-13)
        XCTAssertLessThan(q.maxAbsDifference(r), 0.02)
        XCTAssertLessThan(try r.nearestRotation().maxAbsDifference(r), 1e-13)
        // A reflection: the polar factor keeps det −1, nearestRotation flips it.
        let mirror = Mat3(diagonal: Vec3(1, 1, -1)) * 2
        XCTAssertEqual(try mirror.orthonormalPolarFactor().determinant, -1, accuracy: 1e-13)
        XCTAssertEqual(try mirror.nearestRotation().determinant, 1, accuracy: 1e-13)
        let s = try Mat3(3, 2, 2, 2, 3, -2, 0, 0, 0).svd()
        XCTAssertLessThan(s.singularValues.maxAbsDifference(Vec3(5, 3, 0)), 1e-13)
        let e = try Mat3(2, -1, 0, -1, 2, -1, 0, -1, 2).symmetricEigen()
        XCTAssertLessThan(e.eigenvalues.maxAbsDifference(Vec3(2 - 2.0.squareRoot(), 2, 2 + 2.0.squareRoot())), 1e-14)
    }
}
