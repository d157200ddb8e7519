// Tests of Panel and Detector: px ↔ mm ↔ lab, ray intersection, parallax, beam centre; pinned to dxtbx.
import XCTest
import MXMath
@testable import MXModel

final class PanelTests: XCTestCase {
    // dxtbx (see the snippet): p = Panel(); p.set_frame(fast, slow, (-41.9, 42.3, -190.0));
    //   p.set_pixel_size((0.172, 0.172)); p.set_image_size((487, 619)); p.set_thickness(0.32); p.set_mu(3.96)
    //   fast = (0.9998,0.0175,0) normalised; slow = (0.0175,-0.9998,0) orthogonalised to fast
    //   p.set_px_mm_strategy(SimplePxMmStrategy() | ParallaxCorrectedPxMmStrategy(3.96, 0.32))
    //   p.pixel_to_millimeter((100.25, 400.75)); p.millimeter_to_pixel((20.0, 30.0));
    //   p.get_pixel_lab_coord((100.25, 400.75)); p.get_ray_intersection(s1); p.get_ray_intersection_px(s1)
    func makePanel(_ strategy: Panel.PxMmStrategy) -> Panel {
        var p = Panel(fastAxis: Vec3(0.9998468489216851, 0.017500820020133517, 0),
                      slowAxis: Vec3(0.017500820020133517, -0.9998468489216851, 0),
                      origin: Vec3(-41.9, 42.3, -190), imageSize: (487, 619), pixelSize: (0.172, 0.172),
                      trustedRange: (-1, 1e6))
        p.thickness = 0.32; p.mu = 3.96; p.pxMmStrategy = strategy
        return p
    }
    let s1 = Vec3(0.1, -0.05, -1.0)

    func testSimpleStrategyMatchesDxtbx() throws {
        let p = makePanel(.simple)
        let mm = p.millimetre(fromPixel: (100.25, 400.75))
        XCTAssertEqual(mm.x, 17.243, accuracy: 1e-12); XCTAssertEqual(mm.y, 68.929, accuracy: 1e-12)
        let px = p.pixel(fromMillimetre: (20, 30))
        XCTAssertEqual(px.x, 116.27906976744187, accuracy: 1e-10); XCTAssertEqual(px.y, 174.4186046511628, accuracy: 1e-10)
        XCTAssertLessThan(p.labCoordinate(pixel: (100.25, 400.75)).maxAbsDifference(Vec3(-23.4533267608756, -26.31667680971566, -190)), 1e-10)
        let hit = try XCTUnwrap(p.rayIntersection(s1))
        XCTAssertEqual(hit.x, 59.98413062228771, accuracy: 1e-10); XCTAssertEqual(hit.y, 52.85786671336943, accuracy: 1e-10)
        let hitPx = p.pixel(fromMillimetre: hit)
        XCTAssertEqual(hitPx.x, 348.7449454784169, accuracy: 1e-9); XCTAssertEqual(hitPx.y, 307.3131785661014, accuracy: 1e-9)
        // A ray away from the panel misses.
        XCTAssertNil(p.rayIntersection(Vec3(0, 0, 1)))
        XCTAssertEqual(p.distance, 190, accuracy: 1e-9)
        XCTAssertLessThan(p.normal.maxAbsDifference(Vec3(0, 0, -1)), 1e-12)
    }

    func testParallaxStrategyMatchesDxtbx() throws {
        let p = makePanel(.parallaxCorrected)
        let mm = p.millimetre(fromPixel: (100.25, 400.75))
        XCTAssertEqual(mm.x, 17.254536231284362, accuracy: 1e-9); XCTAssertEqual(mm.y, 68.91650271968868, accuracy: 1e-9)
        let px = p.pixel(fromMillimetre: (20, 30))
        XCTAssertEqual(px.x, 116.21985383159016, accuracy: 1e-8); XCTAssertEqual(px.y, 174.38213778428604, accuracy: 1e-8)
        XCTAssertLessThan(p.labCoordinate(pixel: (100.25, 400.75)).maxAbsDifference(Vec3(-23.442011009030967, -26.3039795498689, -190)), 1e-9)
        let hitPx = p.pixel(fromMillimetre: try XCTUnwrap(p.rayIntersection(s1)))
        XCTAssertEqual(hitPx.x, 348.7976305963438, accuracy: 1e-8); XCTAssertEqual(hitPx.y, 307.3406840199285, accuracy: 1e-8)
    }

    func testPixelToLabEqualsLabCoordinateToTheBit() {
        for strategy in [Panel.PxMmStrategy.simple, .parallaxCorrected] {
            let p = makePanel(strategy)
            let toLab = Panel.PixelToLab(p)
            for q in [(0.0, 0.0), (100.25, 400.75), (486.5, 618.5), (-3.5, 1200.0)] {
                XCTAssertEqual(toLab(q), p.labCoordinate(pixel: q), "\(strategy) \(q)")
            }
        }
    }

    func testRoundTrips() throws {
        for strategy in [Panel.PxMmStrategy.simple, .parallaxCorrected] {
            let p = makePanel(strategy)
            for q in [(0.0, 0.0), (100.25, 400.75), (486.5, 618.5), (243.5, 309.5)] {
                let mm = p.millimetre(fromPixel: q)
                let back = p.pixel(fromMillimetre: mm)
                // dxtbx's parallax inversion is approximate: shift evaluated at different points (≲1e-3 px here).
                let tol = strategy == .simple ? 1e-10 : 2e-3
                XCTAssertEqual(back.x, q.0, accuracy: tol, "\(strategy) \(q)")
                XCTAssertEqual(back.y, q.1, accuracy: tol, "\(strategy) \(q)")
                // px → lab → ray → mm recovers the same panel point.
                let lab = p.labCoordinate(pixel: q)
                let hit = try XCTUnwrap(p.rayIntersection(lab * 3.7))
                XCTAssertEqual(hit.x, mm.x, accuracy: 1e-9); XCTAssertEqual(hit.y, mm.y, accuracy: 1e-9)
            }
        }
    }

    func testDetectorBeamCentreMatchesDxtbx() throws {
        // dxtbx: d.get_ray_intersection(Beam((0,0,1), 0.9795).get_s0()) → (0, (41.153…, 43.026…));
        //        p.get_beam_centre_px(s0) → (239.26336211027302, 250.1558492339005)
        let d = Detector(panels: [makePanel(.simple)])
        let s0 = Beam(direction: Vec3(0, 0, 1), wavelength: 0.9795).s0
        let bc = try XCTUnwrap(d.beamCentre(s0: s0))
        XCTAssertEqual(bc.panel, 0)
        XCTAssertEqual(bc.mm.x, 41.15329828296696, accuracy: 1e-10); XCTAssertEqual(bc.mm.y, 43.02680606823088, accuracy: 1e-10)
        let px = d[0].pixel(fromMillimetre: bc.mm)
        XCTAssertEqual(px.x, 239.26336211027302, accuracy: 1e-9); XCTAssertEqual(px.y, 250.1558492339005, accuracy: 1e-9)
        let inter = try XCTUnwrap(d.intersect(s0))
        XCTAssertEqual(inter.px.x, px.x, accuracy: 1e-9)
        // A ray off every panel intersects nothing; the beam centre falls back to panel 0's plane.
        XCTAssertNil(d.intersect(Vec3(0.9, 0, -0.1)))
        var moved = d
        moved[0].origin = Vec3(200, 200, -190)
        let off = try XCTUnwrap(moved.beamCentre(s0: s0))
        XCTAssertEqual(off.panel, 0)
        XCTAssertFalse(moved[0].contains(pixel: moved[0].pixel(fromMillimetre: off.mm)))
        // Highest resolution is at a corner: smaller than at the beam centre.
        XCTAssertLessThan(d.maxResolution(s0: s0), d[0].resolution(atPixel: (0, 0), s0: s0) + 1e-12)
        XCTAssertGreaterThan(d[0].resolution(atPixel: px, s0: s0), 1e6)   // the direct beam: d → ∞
    }

    func testBeamModel() {
        let b = Beam(direction: Vec3(0, 0, 2), wavelength: 1.2398419843320026)
        XCTAssertEqual(b.s0, Vec3(0, 0, -1 / 1.2398419843320026))
        XCTAssertEqual(b.energyEV, 10000, accuracy: 1e-9)
    }
}
