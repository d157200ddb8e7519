// Tests of the real spherical harmonics: orthonormal over the sphere, known low-order values.
import Foundation
import MXMath
import MXScaling
import XCTest

final class SphericalHarmonicsTests: XCTestCase {
    func testOrthonormalOverTheSphere() {
        let lmax = 4, n = SphericalHarmonics.count(lmax: lmax)
        XCTAssertEqual(n, 24)
        var gram = [Double](repeating: 0, count: n * n)
        let nt = 400, np = 100
        for i in 0..<nt {
            // Gauss-free midpoint rule in cos θ (exact enough for degree ≤ 8 at this density)
            let u = -1 + (Double(i) + 0.5) * 2 / Double(nt)
            let s = (1 - u * u).squareRoot()
            for j in 0..<np {
                let phi = (Double(j) + 0.5) * 2 * .pi / Double(np)
                let y = SphericalHarmonics.values(Vec3(s * cos(phi), s * sin(phi), u), lmax: lmax)
                let w = (2 / Double(nt)) * (2 * .pi / Double(np))
                for a in 0..<n { for b in 0..<n { gram[a * n + b] += w * y[a] * y[b] } }
            }
        }
        for a in 0..<n { for b in 0..<n { XCTAssertEqual(gram[a * n + b], a == b ? 1 : 0, accuracy: 1e-3) } }
    }

    func testLowOrderValues() {
        // Y_1,0 = sqrt(3/4π)·cos θ; Y_1,1 = sqrt(3/4π)·x for a unit vector.
        let y = SphericalHarmonics.values(Vec3(0.6, 0, 0.8), lmax: 1)
        let c = (3 / (4 * Double.pi)).squareRoot()
        XCTAssertEqual(y[1], c * 0.8, accuracy: 1e-12)
        XCTAssertEqual(y[2], c * 0.6, accuracy: 1e-12)
        XCTAssertEqual(y[0], 0, accuracy: 1e-12)
        XCTAssertEqual(SphericalHarmonics.degrees(lmax: 2), [1, 1, 1, 2, 2, 2, 2, 2])
    }
}
