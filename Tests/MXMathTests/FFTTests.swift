// Tests of FFT3D: transforms of grids with known spectra.
import XCTest
@testable import MXMath

final class FFTTests: XCTestCase {
    /// A unit impulse at (1, 2, 3) on a 4×6×8 grid has spectrum exp(−2πi(k·j/n)).
    func testRealImpulseSpectrum() {
        let n = (4, 6, 8)
        var grid = [Double](repeating: 0, count: 4 * 6 * 8)
        grid[(1 * 6 + 2) * 8 + 3] = 1
        let f = FFT3D.forwardReal(grid, dimensions: n)
        XCTAssertEqual(f.count, 2 * 4 * 6 * 5)
        for (k0, k1, k2) in [(0, 0, 0), (1, 0, 0), (2, 3, 4), (3, 5, 1)] {
            let phase = -2 * Double.pi * (Double(k0 * 1) / 4 + Double(k1 * 2) / 6 + Double(k2 * 3) / 8)
            let i = (k0 * 6 + k1) * 5 + k2
            XCTAssertEqual(f[2 * i], cos(phase), accuracy: 1e-12)
            XCTAssertEqual(f[2 * i + 1], sin(phase), accuracy: 1e-12)
        }
    }

    /// Forward then backward complex transforms give n·input back.
    func testComplexRoundTrip() {
        let n = (3, 5, 4)
        let count = 3 * 5 * 4
        let input = (0..<(2 * count)).map { sin(Double($0) * 0.37) }
        let back = FFT3D.complex(FFT3D.complex(input, dimensions: n, forward: true), dimensions: n, forward: false)
        for i in 0..<(2 * count) { XCTAssertEqual(back[i] / Double(count), input[i], accuracy: 1e-12) }
    }

    /// A real cosine of period 16/3 points along the last axis has power only at k = ±3.
    func testCosinePeak() {
        let n = 16
        let grid = (0..<n).map { cos(2 * Double.pi * 3 * Double($0) / Double(n)) }
        let f = FFT3D.forwardReal(grid, dimensions: (1, 1, n))
        for k in 0...(n / 2) {
            let power = f[2 * k] * f[2 * k] + f[2 * k + 1] * f[2 * k + 1]
            XCTAssertEqual(power, k == 3 ? 64 : 0, accuracy: 1e-9)
        }
    }

    func testGoodSize() {
        XCTAssertEqual(FFT3D.goodSize(atLeast: 183), 192)
        XCTAssertEqual(FFT3D.goodSize(atLeast: 256), 256)
        XCTAssertEqual(FFT3D.goodSize(atLeast: 7), 8)
    }
}
