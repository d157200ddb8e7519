// Tests of the dispersion thresholds on small images with known answers.
import XCTest
import MXModel
@testable import MXSpotFinding

final class DispersionThresholdTests: XCTestCase {
    func threshold(_ image: [Int32], width: Int, height: Int, mask: [UInt8]? = nil,
                   _ configure: (inout SpotFindingParameters) -> Void = { _ in }) -> [Int32] {
        var p = SpotFindingParameters()
        configure(&p)
        let m = mask ?? [UInt8](repeating: 1, count: width * height)
        var out: [Int32] = []
        let ws = ThresholdWorkspace(width: width, height: height)
        image.withUnsafeBufferPointer { img in
            m.withUnsafeBufferPointer { mb in
                DispersionThreshold.strongPixels(image: img.baseAddress!, rowStride: width, mask: mb.baseAddress!,
                                                 trusted: (-1, 1e6), parameters: p, workspace: ws, strong: &out)
            }
        }
        return out
    }

    /// A flat image has variance 0 < mean: nothing passes the dispersion test.
    func testFlatImageHasNoStrongPixels() {
        let img = [Int32](repeating: 10, count: 40 * 40)
        XCTAssertEqual(threshold(img, width: 40, height: 40), [])
        XCTAssertEqual(threshold(img, width: 40, height: 40) { $0.algorithm = .dispersion }, [])
    }

    /// One bright 3×3 block on a background of 1: the plain dispersion test
    /// marks exactly the block (each block pixel is far above its window's mean).
    func testDispersionMarksBrightBlock() {
        let w = 30, h = 30
        var img = [Int32](repeating: 1, count: w * h)
        // Alternate 0/2 in a checkerboard to give the background Poisson-like variance 1 = mean.
        for y in 0..<h { for x in 0..<w { img[y * w + x] = (x + y) % 2 == 0 ? 0 : 2 } }
        for y in 14...16 { for x in 14...16 { img[y * w + x] = 200 } }
        let strong = threshold(img, width: w, height: h) { $0.algorithm = .dispersion }
        let expected = (14...16).flatMap { y in (14...16).map { Int32(y * w + $0) } }
        XCTAssertEqual(strong, expected)
    }

    /// dispersion_extended on a Gaussian spot on Poisson background finds the
    /// spot's core and nothing far from it.
    func testExtendedFindsGaussianSpotOnly() {
        let sweep = SyntheticSweep.render(width: 64, height: 64, frames: 1, background: 2,
                                          spots: [SyntheticSpot(x: 30.3, y: 20.6, z: 0.5, counts: 3000, sigmaXY: 1.0, sigmaZ: 5)],
                                          seed: 7)
        let strong = threshold(sweep.frames[0], width: 64, height: 64)
        XCTAssertGreaterThanOrEqual(strong.count, 5)
        for k in strong {
            let x = Int(k) % 64, y = Int(k) / 64
            XCTAssertLessThanOrEqual(abs(x - 30), 4, "strong pixel far from the spot at (\(x), \(y))")
            XCTAssertLessThanOrEqual(abs(y - 20), 4, "strong pixel far from the spot at (\(x), \(y))")
        }
    }

    /// Masked pixels are never strong, and out-of-trusted-range values are masked.
    func testMaskedAndUntrustedPixelsAreNeverStrong() {
        let w = 40, h = 40
        let sweep = SyntheticSweep.render(width: w, height: h, frames: 1, background: 1,
                                          spots: [SyntheticSpot(x: 20, y: 20, z: 0.5, counts: 5000, sigmaXY: 1.2, sigmaZ: 5)],
                                          seed: 3)
        var mask = [UInt8](repeating: 1, count: w * h)
        for y in 0..<h { mask[y * w + 20] = 0 }   // a one-pixel gap column through the spot
        let strong = threshold(sweep.frames[0], width: w, height: h, mask: mask)
        XCTAssertFalse(strong.contains { Int($0) % w == 20 })
        // A saturated value (above the trusted maximum 1e6) is untrusted.
        var img = sweep.frames[0]
        img[20 * w + 19] = 2_000_000
        let s2 = threshold(img, width: w, height: h)
        XCTAssertFalse(s2.contains(Int32(20 * w + 19)))
    }

    /// Hand-checked index of dispersion: with the window covering the whole
    /// 3×3 image (kernel 1), values 0…8 have n = 9, mean 4, sample variance
    /// 7.5, so v/m = 1.875 > 1 + σ_b·sqrt(2/8) = 1.5 for σ_b = 1 but not for σ_b = 2.
    func testIndexOfDispersionBoundary() {
        let img: [Int32] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
        let centre: Int32 = 4
        let passes = threshold(img, width: 3, height: 3) {
            $0.algorithm = .dispersion; $0.kernelSize = (1, 1); $0.sigmaBackground = 1; $0.sigmaStrong = 0
        }
        // Centre pixel value 4 equals the mean: not strictly above it, so it is not strong.
        XCTAssertFalse(passes.contains(centre))
        // Corner (2,2) value 8: window {4,5,7,8}: n 4, mean 6, var 3.33 → v/m 0.56, fails.
        XCTAssertFalse(passes.contains(8))
        let none = threshold(img, width: 3, height: 3) {
            $0.algorithm = .dispersion; $0.kernelSize = (1, 1); $0.sigmaBackground = 2; $0.sigmaStrong = 0
        }
        XCTAssertEqual(none, [])
    }
}
