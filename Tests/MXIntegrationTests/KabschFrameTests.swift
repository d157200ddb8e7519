// Tests of the Kabsch coordinate frame.
import XCTest
import MXMath
@testable import MXIntegration

final class KabschFrameTests: XCTestCase {
    let s0 = Vec3(0, 0, -1)
    let axis = Vec3(1, 0, 0)

    func testFrameIsOrthonormalAndCentred() {
        let s1 = Vec3(0.2, 0.3, -0.9).normalized
        let f = KabschFrame(s1: s1, s0: s0, axis: axis, phi: 0.5)
        XCTAssertEqual(f.e1.dot(f.e2), 0, accuracy: 1e-12)
        XCTAssertEqual(f.e1.dot(f.e3), 0, accuracy: 1e-12)
        XCTAssertEqual(f.e1.length, 1, accuracy: 1e-12)
        let (c1, c2) = f.divergenceCoordinates(of: s1 * 7)
        XCTAssertEqual(c1, 0, accuracy: 1e-12); XCTAssertEqual(c2, 0, accuracy: 1e-12)
        // ζ = m·e1 with e1 = s1×s0/|s1×s0| (DIALS).
        XCTAssertEqual(f.zeta, axis.dot(s1.cross(s0).normalized), accuracy: 1e-12)
        // A direction tilted by a small angle ε along e1 has c1 ≈ ε.
        let eps = 1e-4
        let (t1, t2) = f.divergenceCoordinates(of: s1 + f.e1 * eps)
        XCTAssertEqual(t1, eps, accuracy: 1e-9); XCTAssertEqual(t2, 0, accuracy: 1e-9)
    }

    func testRockingFractions() {
        let f = KabschFrame(s1: Vec3(0, 0.5, -0.8).normalized, s0: s0, axis: axis, phi: 1.0)
        XCTAssertEqual(f.rockingFraction(from: -10, to: 10, sigmaM: 0.01), 1, accuracy: 1e-12)
        XCTAssertEqual(f.rockingFraction(from: 1.0, to: 10, sigmaM: 0.01), 0.5, accuracy: 1e-12)
        // One σ of the rocking curve in φ is σ_m/|ζ|: erf(1/√2)/2 = 0.341345 of it lies within.
        let w = 0.01 / abs(f.zeta)
        XCTAssertEqual(f.rockingFraction(from: 1.0, to: 1.0 + w, sigmaM: 0.01), 0.3413447460685429, accuracy: 1e-9)
    }
}
