// Tests of background, summation and profile fitting on synthetic shoeboxes.
import XCTest
import MXFormats
import MXMath
import MXModel
@testable import MXIntegration

/// Frames held in memory (counts rounded to integers), for streaming tests.
final class FramesInMemory: ImageSource {
    let frames: [[Int32]]
    let frameSize: (width: Int, height: Int)
    init(frames: [[Int32]], width: Int, height: Int) { self.frames = frames; frameSize = (width, height) }
    var frameCount: Int { frames.count }
    var trustedMask: [UInt8] { [] }
    func readFrame(_ index: Int, into buffer: UnsafeMutableBufferPointer<Int32>) throws {
        for i in 0..<buffer.count { buffer[i] = frames[index][i] }
    }
}

/// A 100×100 panel of 0.1 mm pixels 100 mm from the sample, beam along −z
/// (meeting the panel at pixel (50, 50)), and a 10-frame scan of 1° frames.
struct ShoeboxFixture {
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
}

final class ReflectionIntegratorTests: XCTestCase {
    let fixture = ShoeboxFixture()
    var panel: Panel { fixture.panel }
    var s0: Vec3 { fixture.s0 }
    func makeShoebox(intensity: Double, background: Double) -> (ReflectionIntegrator, ShoeboxPixels, KabschFrame, [Double]) {
        fixture.makeShoebox(intensity: intensity, background: background)
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

    /// A spot cut by the panel's edge: its box reaches past the edge, the
    /// pixels there are streamed as invalid, and profile fitting scales the
    /// whole profile to the pixels on the panel, so it measures what the same
    /// spot gives whole (a box clipped to the edge would normalise the profile
    /// over the part on the panel and return only that part).
    func testSpotCutByThePanelEdgeIsFittedWhole() throws {
        let (integrator, whole, frame, _) = makeShoebox(intensity: 5000, background: 3)
        let reference = integrator.integrate(whole, frame: frame)
        // The same spot moved to x = 99.2 on the 100-pixel-wide panel: the box spans x 89–109.
        let s1 = panel.labCoordinate(pixel: (99.2, 40.7)).normalized
        let edge = KabschFrame(s1: s1, s0: s0, axis: Vec3(1, 0, 0), phi: 4.6 * .pi / 180)
        let bb = BoundingBox(89, 110, 30, 52, 2, 8)
        let (_, prof) = integrator.profile(edge, panel: 0, bbox: bb)
        var frames = [[Int32]](repeating: [Int32](repeating: 3, count: 100 * 100), count: 10)
        let nx = 21, ny = 22
        for z in 0..<6 { for y in 0..<ny { for x in 0..<nx where 89 + x < 100 {
            frames[2 + z][(30 + y) * 100 + 89 + x] = Int32((3 + 5000 * prof[(z * ny + y) * nx + x]).rounded())
        } } }
        let source = FramesInMemory(frames: frames, width: 100, height: 100)
        var got: IntegratedReflection?
        let lock = NSLock()
        try streamShoeboxes([ShoeboxRequest(panel: 0, bbox: bb)], source: source, detector: Detector(panels: [panel]),
                            zRange: 0..<10, frameOffset: 0, blockFrames: 4, threads: 1) { _, pixels in
            XCTAssertEqual(pixels.status[(3 * ny + 10) * nx + 20], 0)  // x = 109: off the panel
            let r = integrator.integrate(pixels, frame: edge)
            lock.lock(); got = r; lock.unlock()
        }
        let r = try XCTUnwrap(got)
        XCTAssertTrue(r.flags.contains(.foregroundIncludesBadPixels))
        XCTAssertTrue(r.flags.contains(.integratedPrf))
        XCTAssertEqual(r.prf.value / reference.prf.value, 1, accuracy: 0.02)
        XCTAssertLessThan(r.sum.value, 0.95 * reference.sum.value)
    }
}
