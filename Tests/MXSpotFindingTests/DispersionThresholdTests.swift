// Tests of the dispersion thresholds on small images with known answers.
import XCTest
import MXMath
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

/// The thresholds written the slow, obvious way (every window summed afresh
/// in Int64), as the specification the fast kernel must reproduce exactly.
enum ReferenceThreshold {
    static func strongPixels(image: [Int32], width w: Int, height h: Int, mask: [UInt8],
                             trusted: (low: Double, high: Double), parameters p: SpotFindingParameters) -> [Int32] {
        let kx = min(p.kernelSize.x, w), ky = min(p.kernelSize.y, h)
        func valid(_ i: Int) -> Bool {
            mask[i] != 0 && Double(image[i]) > trusted.low && Double(image[i]) < trusted.high
        }
        func inSum(_ i: Int) -> Bool { valid(i) && image[i] < (1 << 24) }
        var dispersive = [Bool](repeating: false, count: w * h)
        var strong: [Int32] = []
        for y in 0..<h {
            for x in 0..<w where valid(y * w + x) {
                var n: Int64 = 0, s: Int64 = 0, q: Int64 = 0
                for yy in max(0, y - ky)...min(h - 1, y + ky) {
                    for xx in max(0, x - kx)...min(w - 1, x + kx) where inSum(yy * w + xx) {
                        let v = Int64(image[yy * w + xx])
                        n += 1; s += v; q += v * v
                    }
                }
                guard n >= Int64(p.minLocal), n >= 2, s >= 0 else { continue }
                let n1 = Double(n - 1)
                let bound = n1 + p.sigmaBackground * (2 * n1).squareRoot()
                guard Double(n * q - s * s) > p.gain * Double(s) * bound else { continue }
                dispersive[y * w + x] = true
                if p.algorithm == .dispersion {
                    let m = Double(n), v = Double(image[y * w + x]), sx = Double(s)
                    if m * v > sx + p.sigmaStrong * (p.gain * sx * m).squareRoot() && v > p.globalThreshold {
                        strong.append(Int32(y * w + x))
                    }
                }
            }
        }
        if p.algorithm == .dispersion { return strong }
        let r = max(0, min(p.kernelSize.x, p.kernelSize.y) - 1)
        var core = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w where dispersive[y * w + x] {
                var all = true
                for yy in max(0, y - r)...min(h - 1, y + r) {
                    for xx in max(0, x - r)...min(w - 1, x + r) where !dispersive[yy * w + xx] { all = false }
                }
                core[y * w + x] = all
            }
        }
        let kx2 = p.kernelSize.x + 2, ky2 = p.kernelSize.y + 2
        for y in 0..<h {
            for x in 0..<w where core[y * w + x] {
                var n: Int64 = 0, s: Int64 = 0
                for yy in max(0, y - ky2)...min(h - 1, y + ky2) {
                    for xx in max(0, x - kx2)...min(w - 1, x + kx2) where inSum(yy * w + xx) && !core[yy * w + xx] {
                        n += 1; s += Int64(image[yy * w + xx])
                    }
                }
                let mean = n >= 2 ? Double(s) / Double(n) : 0
                let v = Double(image[y * w + x])
                if v > p.globalThreshold && v >= mean + p.sigmaStrong * (p.gain * mean).squareRoot() {
                    strong.append(Int32(y * w + x))
                }
            }
        }
        return strong
    }
}

/// The kernel against `ReferenceThreshold` on random images with spots,
/// masked columns, saturated, negative and very large values, edges, both
/// algorithms and several window sizes.
final class DispersionThresholdEquivalenceTests: XCTestCase {
    func testKernelEqualsReferenceOnRandomImages() {
        var rng = SplitMix64(seed: 2024)
        // Tall panels too: the core stage of dispersion_extended works rows behind the pass, in rings.
        let shapes = [(37, 29), (64, 48), (5, 70), (90, 3), (41, 150), (70, 33), (128, 96)]
        for (case_, (w, h)) in shapes.enumerated() {
            for variant in 0..<6 {
                var p = SpotFindingParameters()
                p.algorithm = variant % 2 == 0 ? .dispersionExtended : .dispersion
                p.kernelSize = [(3, 3), (2, 4), (1, 1)][variant / 2]
                let background = Double([0.3, 2, 15, 120][case_ % 4])
                var image = (0..<(w * h)).map { _ in Int32(rng.poisson(background)) }
                for _ in 0..<(w * h / 60) {
                    let cx = Int(rng.next() % UInt64(w)), cy = Int(rng.next() % UInt64(h))
                    let peak = Double(rng.next() % 3000) + 20
                    for dy in -2...2 { for dx in -2...2 {
                        let x = cx + dx, y = cy + dy
                        guard x >= 0, y >= 0, x < w, y < h else { continue }
                        let f = exp(-Double(dx * dx + dy * dy) / 2)
                        image[y * w + x] &+= Int32(rng.poisson(peak * f))
                    } }
                }
                var mask = [UInt8](repeating: 1, count: w * h)
                if w > 10 { for y in 0..<h { mask[y * w + w / 3] = 0 } }
                for _ in 0..<max(1, w * h / 200) {
                    let i = Int(rng.next() % UInt64(w * h))
                    switch rng.next() % 5 {
                    case 0: image[i] = -1                // below the trusted range
                    case 1: image[i] = 70_000            // above it: saturated
                    case 2: image[i] = 30_000_000        // trusted here, but left out of the sums (≥ 2^24)
                    case 3: image[i] = 9_000 + Int32(rng.next() % 9000)   // bright: Σv² beyond Int32
                    default: mask[i] = 0
                    }
                }
                // On every other shape negative counts are trusted: the general kernel, not the non-negative one.
                let trusted = (low: case_ % 2 == 1 ? -10.0 : -1.0, high: variant == 4 ? 4e7 : 65_000.0)
                let expected = ReferenceThreshold.strongPixels(image: image, width: w, height: h, mask: mask,
                                                               trusted: trusted, parameters: p)
                // Every compiled copy of the background pass this processor runs (baseline, AVX2).
                for kernel in BackgroundPassVariant.available {
                    var got: [Int32] = []
                    let ws = ThresholdWorkspace(width: w, height: h)
                    image.withUnsafeBufferPointer { img in
                        mask.withUnsafeBufferPointer { mb in
                            DispersionThreshold.strongPixels(image: img.baseAddress!, rowStride: w,
                                                             mask: mb.baseAddress!, trusted: trusted, parameters: p,
                                                             workspace: ws, variant: kernel, strong: &got)
                        }
                    }
                    XCTAssertEqual(got.sorted(), expected.sorted(),
                                   "\(w)×\(h), background \(background), \(p.algorithm), kernel \(p.kernelSize), \(kernel)")
                }
                XCTAssertFalse(expected.isEmpty && background < 100, "the case should have strong pixels")
            }
        }
    }
}
