// Tests of background, summation and profile fitting on synthetic shoeboxes.
import XCTest
import MXMath
import MXModel
@testable import MXIntegration

final class ReflectionIntegratorTests: XCTestCase {
    // A 100×100 panel of 0.1 mm pixels 100 mm from the sample, beam along −z.
    let panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(-5, 5, -100),
                      imageSize: (100, 100), pixelSize: (0.1, 0.1), trustedRange: (-1, 50000))
    let scan = Scan(imageRange: 1...10, oscillationStartDegrees: 0, oscillationWidthDegrees: 1)
    let s0 = Vec3(0, 0, -1)

    /// A shoebox filled with B + I·P of the model profile (no noise), the
    /// reflection at pixel (70.3, 40.7), φ = 4.6°, σ_b = 0.03°, σ_m = 0.3°.
    func makeShoebox(intensity: Double, background: Double) -> (ReflectionIntegrator, ShoeboxPixels, KabschFrame, [Double]) {
        var p = IntegrationParameters(); p.nSigma = 3
        let integrator = ReflectionIntegrator(detector: Detector(panels: [panel]), scan: scan,
                                              sigmaB: 0.03 * .pi / 180, sigmaM: 0.3 * .pi / 180, parameters: p)
        let s1 = panel.labCoordinate(pixel: (70.3, 40.7)).normalized
        let frame = KabschFrame(s1: s1, s0: s0, axis: Vec3(1, 0, 0), phi: 4.6 * .pi / 180)
        let bb = BoundingBox(60, 81, 30, 52, 2, 8)
        let (_, prof) = integrator.profile(frame, panel: 0, bbox: bb)
        let s = ShoeboxPixels(panel: 0, bbox: bb)
        for j in prof.indices { s.counts[j] = Float(background + intensity * prof[j]); s.status[j] = 1 }
        return (integrator, s, frame, prof)
    }

    func testSummationAndProfileFittingRecoverIntensity() {
        let (integrator, s, frame, _) = makeShoebox(intensity: 5000, background: 3)
        let r = integrator.integrate(s, frame: frame)
        XCTAssertTrue(r.flags.contains(.integratedSum)); XCTAssertTrue(r.flags.contains(.integratedPrf))
        XCTAssertEqual(r.backgroundMean, 3, accuracy: 0.05)
        // Both see the share of the profile inside the 3σ foreground ellipsoid (≈ 0.97 of the box).
        XCTAssertEqual(r.prf.value / r.sum.value, 1, accuracy: 0.01)
        XCTAssertGreaterThan(r.sum.value, 0.9 * 5000); XCTAssertLessThan(r.sum.value, 5000)
        XCTAssertGreaterThan(r.correlation, 0.999)
        XCTAssertEqual(r.centroid.x, 70.3, accuracy: 0.1); XCTAssertEqual(r.centroid.y, 40.7, accuracy: 0.1)
        XCTAssertGreaterThan(r.sum.variance, r.sum.value)
    }

    func testMaskedAndOverloadedPixelsAreFlagged() {
        let (integrator, s, frame, prof) = makeShoebox(intensity: 5000, background: 3)
        let peak = prof.indices.max { prof[$0] < prof[$1] }!
        s.status[peak] = 2
        var r = integrator.integrate(s, frame: frame)
        XCTAssertTrue(r.flags.contains(.overloaded))
        s.status[peak] = 0
        r = integrator.integrate(s, frame: frame)
        XCTAssertTrue(r.flags.contains(.foregroundIncludesBadPixels))
        // With the peak pixel lost, profile fitting still recovers the whole from the rest; summation falls short.
        XCTAssertTrue(r.flags.contains(.integratedPrf))
        XCTAssertGreaterThan(r.prf.value, r.sum.value)
    }

    func testNoBackgroundPixelsFails() {
        let (integrator, s, frame, _) = makeShoebox(intensity: 100, background: 3)
        for j in s.status.indices { s.status[j] = 0 }
        let r = integrator.integrate(s, frame: frame)
        XCTAssertTrue(r.flags.contains(.failedDuringBackgroundModelling))
        XCTAssertFalse(r.flags.contains(.integratedSum))
    }
}
