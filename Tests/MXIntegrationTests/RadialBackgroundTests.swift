// Tests of the radial background profile and of backgrounds that follow it across a ring.
import XCTest
import MXMath
import MXModel
@testable import MXIntegration

final class RadialBackgroundTests: XCTestCase {
    /// The shaped level is Σc/Σg over the pixels kept, and an outlier is dropped.
    func testShapedLevelIsThePoissonFitOfTheShape() throws {
        let shape: [Float] = (0..<60).map { 1 + 4 * Float($0 % 6) / 5 }  // 1 … 5: a ring's flank and crest
        var values = shape.map { 2.5 * $0 }
        values[7] = 500  // a neighbour's spot
        let b = try XCTUnwrap(RobustBackground.estimate(values, shape: shape))
        XCTAssertEqual(b.used, 59)
        XCTAssertEqual(b.level, 2.5, accuracy: 1e-6)
        let sumG = shape.enumerated().filter { $0.offset != 7 }.reduce(0.0) { $0 + Double($1.element) }
        XCTAssertEqual(b.variance, 2.5 / sumG, accuracy: 1e-9)
        XCTAssertNil(RobustBackground.estimate([1, 2, 3], shape: [1, 1, 1], minPixels: 10))
    }

    /// A ring (σ 2.5 px, as the shared sweeps' ice rings) through a spot's
    /// box. The constant background, fitted to a rim that holds both the
    /// ring's crest and its flanks, misjudges the background under the peak by
    /// many σ; the background that follows the measured radial profile gives
    /// the intensity the same spot has on a flat background.
    func testSpotOnARingIsMeasuredAsOnAFlatBackground() throws {
        let reference = ShoeboxFixture()
        let (integrator, flat, frame, prof) = reference.makeShoebox(intensity: 5000, background: 20)
        let expected = integrator.integrate(flat, frame: frame)
        let panel = reference.panel, detector = Detector(panels: [panel])
        // The beam meets the panel at pixel (50, 50); the spot at (70.3, 40.7) is 22.3 px out, on the ring's crest.
        let crest = ((70.3 - 50) * (70.3 - 50) + (40.7 - 50) * (40.7 - 50)).squareRoot()
        func background(_ x: Int, _ y: Int) -> Double {
            let r = ((Double(x) + 0.5 - 50) * (Double(x) + 0.5 - 50) + (Double(y) + 0.5 - 50) * (Double(y) + 0.5 - 50)).squareRoot()
            return 20 + 100 * exp(-0.5 * (r - crest) * (r - crest) / (2.5 * 2.5))
        }
        let bb = flat.bbox, nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0)
        var frames = [[Int32]](repeating: [], count: 10)
        for z in 0..<10 {
            var f = [Int32](repeating: 0, count: 100 * 100)
            for y in 0..<100 { for x in 0..<100 {
                var v = background(x, y)
                let (bx, by, bz) = (x - Int(bb.x0), y - Int(bb.y0), z - Int(bb.z0))
                if bx >= 0, bx < nx, by >= 0, by < ny, bz >= 0, z < Int(bb.z1) { v += 5000 * prof[(bz * ny + by) * nx + bx] }
                f[y * 100 + x] = Int32(v.rounded())
            } }
            frames[z] = f
        }
        let source = FramesInMemory(frames: frames, width: 100, height: 100)
        let radial = try XCTUnwrap(RadialBackgroundShape.measure(source: source, detector: detector, s0: reference.s0,
                                                                 zRange: 0..<10, frameOffset: 0, threads: 1))
        // The profile peaks on the ring's pixels (the spot's pixels left out as outliers).
        let crestPixel = 40 * 100 + 70
        XCTAssertEqual(Double(radial.value(rawIndex: crestPixel)), background(70, 40), accuracy: 6)
        XCTAssertEqual(Double(radial.value(rawIndex: 50 * 100 + 95)), 20, accuracy: 1)

        func measured(_ radial: RadialBackgroundShape?) throws -> IntegratedReflection {
            var got: IntegratedReflection?
            let lock = NSLock()
            try streamShoeboxes([ShoeboxRequest(panel: 0, bbox: bb)], source: source, detector: detector,
                                zRange: 0..<10, frameOffset: 0, blockFrames: 4, threads: 1, radial: radial) { _, pixels in
                let r = integrator.integrate(pixels, frame: frame)
                lock.lock(); got = r; lock.unlock()
            }
            return try XCTUnwrap(got)
        }
        let followed = try measured(radial), constant = try measured(nil)
        XCTAssertTrue(followed.radialBackground)
        XCTAssertFalse(constant.radialBackground)
        let sigma = expected.sum.variance.squareRoot()
        XCTAssertEqual(followed.sum.value, expected.sum.value, accuracy: 0.5 * sigma)
        XCTAssertEqual(followed.prf.value, expected.prf.value, accuracy: 0.5 * sigma)
        XCTAssertGreaterThan(abs(constant.sum.value - expected.sum.value), 3 * sigma)
        // The background level's error, spread over the foreground, is in the variance either way.
        XCTAssertGreaterThan(followed.sum.variance, followed.sum.value)
    }

    /// Pixels of a box off the panel have no profile value: the box's
    /// background sum and the variances stay finite (they count those
    /// pixels at the shape's mean, as the constant background counts them).
    func testBoxPartlyOffThePanelHasFiniteResults() throws {
        let (integrator, s, frame, _) = ShoeboxFixture().makeShoebox(intensity: 3000, background: 10)
        let nx = Int(s.bbox.x1 - s.bbox.x0), ny = Int(s.bbox.y1 - s.bbox.y0)
        s.shape = (0..<s.counts.count).map { j in 1 + Float(j % nx) / Float(nx) }  // a gradient along x
        for j in s.counts.indices {
            s.counts[j] *= s.shape[j]
            // Off the panel beyond a corner at (71, 41), through the foreground's edge.
            if j % nx >= 11 && (j / nx) % ny >= 11 { s.status[j] = 0; s.shape[j] = .nan }
        }
        let r = integrator.integrate(s, frame: frame)
        XCTAssertTrue(r.radialBackground)
        XCTAssertTrue(r.flags.contains(.foregroundIncludesBadPixels))
        XCTAssertTrue(r.flags.contains(.integratedPrf))
        for v in [r.sum.value, r.sum.variance, r.prf.value, r.prf.variance, r.backgroundMean,
                  r.backgroundSum.value, r.backgroundSum.variance] {
            XCTAssertTrue(v.isFinite)
        }
        XCTAssertGreaterThan(r.prf.variance, 0)
    }

    /// A ring at 3.669 Å on a water-like background is named as ice; the
    /// broad water ring is not, nor the same ring at another wavelength.
    func testIceRingIsNamed() throws {
        // 600 × 600 px of 0.1 mm at 100 mm, the beam at pixel (300, 300), λ = 1 Å.
        let panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(-30, 30, -100),
                          imageSize: (600, 600), pixelSize: (0.1, 0.1), trustedRange: (-1, 50000))
        let ice = 1000 * tan(2 * asin(1 / (2 * 3.669))), water = 1000 * tan(2 * asin(1 / (2 * 3.2)))
        var frame = [Int32](repeating: 0, count: 600 * 600)
        for y in 0..<600 { for x in 0..<600 {
            let r = ((Double(x) + 0.5 - 300) * (Double(x) + 0.5 - 300) + (Double(y) + 0.5 - 300) * (Double(y) + 0.5 - 300)).squareRoot()
            let v = 20 + 30 * exp(-0.5 * pow((r - water) / 60, 2)) + 40 * exp(-0.5 * pow((r - ice) / 2.5, 2))
            frame[y * 600 + x] = Int32(v.rounded())
        } }
        let source = FramesInMemory(frames: [frame, frame], width: 600, height: 600)
        let radial = try XCTUnwrap(RadialBackgroundShape.measure(source: source, detector: Detector(panels: [panel]),
                                                                 s0: Vec3(0, 0, -1), zRange: 0..<2, frameOffset: 0,
                                                                 threads: 1))
        let found = radial.iceRings(wavelength: 1)
        XCTAssertEqual(found.map(\.d), [3.669])
        XCTAssertEqual(found.first?.excess ?? 0, 90.0 / 50, accuracy: 0.2)
        XCTAssertTrue(radial.iceRings(wavelength: 0.9).isEmpty)
    }
}
