// End-to-end integration of the small simulated sweep testdata/sim_p43212_se_nxmx from a DIALS-refined fixture.
import XCTest
import Foundation
import MXFormats
import MXLogging
import MXModel
@testable import MXIntegration

final class IntegrateTests: XCTestCase {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let packageRoot = here.deletingLastPathComponent().deletingLastPathComponent().path

    /// The fixture's experiments with the image template pointed at this checkout's testdata.
    static func experiments() throws -> ExperimentList {
        var list = try ExperimentListCodec.read(path: here.path + "/Fixtures/se_refined.expt")
        list[0].imageSet?.template = packageRoot + "/testdata/sim_p43212_se_nxmx/sim_p43212_se_nxmx_master.h5"
        return list
    }

    /// σ_b from the modelling spots matches the simulation's divergence ⊕ PSF,
    /// √(0.02² + (0.5 px · 0.075 mm / 70 mm)²) = 0.0366° (within 15%; DIALS
    /// reports 0.0554° with its √2-larger definition). Nearly every
    /// reflection to 4 Å integrates, with profiles that fit.
    func testIntegratesSimulatedSweep() throws {
        let list = try Self.experiments()
        guard FileManager.default.fileExists(atPath: list[0].imageSet!.template) else {
            throw XCTSkip("testdata sweep absent")
        }
        let refl = try ReflectionTableCodec.read(path: Self.here.path + "/Fixtures/se_refined.refl")
        var p = IntegrationParameters(); p.dMin = 4.0; p.maxModellingSpots = 600; p.nproc = 2
        let r = try integrate(experiments: list, reflections: refl, parameters: p, logger: Logger { _, _ in })
        let sigmaB = r.experiments[0].profile!.sigmaBDegrees
        XCTAssertEqual(sigmaB, 0.0366, accuracy: 0.15 * 0.0366)
        // σ_m within 15% of the simulated mosaicity (0.08°), from the spots refinement used: with every
        // strong indexed spot, spots merged with a neighbour spread over extra frames and gave over 0.3°.
        XCTAssertEqual(r.experiments[0].profile!.sigmaMDegrees, 0.08, accuracy: 0.15 * 0.08)
        let flags = r.reflections.flags
        let prf = flags.filter { $0.contains(.integratedPrf) }.count
        XCTAssertGreaterThan(Double(prf), 0.97 * Double(r.reflections.count))
        let cc = r.reflections.doubles("profile.correlation")!
        let mean = zip(flags, cc).filter { $0.0.contains(.integratedPrf) }.map(\.1).reduce(0, +) / Double(prf)
        XCTAssertGreaterThan(mean, 0.85)
        for column in ["intensity.sum.value", "intensity.prf.variance", "background.mean", "partiality", "lp", "qe", "d",
                       "xyzobs.px.value", "bbox", "partial_id", "num_pixels.foreground", "entering", "s1"] {
            XCTAssertTrue(r.reflections.contains(column), column)
        }
        // Memory is the block of frames plus the open shoeboxes, far below the sweep (20 × 1 MiB).
        XCTAssertLessThan(r.peakBufferBytes, 40 << 20)
        // References are learnt from the modelling spots (indexed, used in refinement), before integration:
        // every reflection used in modelling is one of them, and enough of them were used to learn profiles.
        let modelling = r.reflections.select(flags.map { $0.contains(.usedInModelling) })
        XCTAssertGreaterThan(modelling.count, 50)
        var strong = Set<MillerIndex>()
        for (h, f) in zip(refl.millerIndices("miller_index")!, refl.flags) where f.contains(.indexed)
            && f.contains(.usedInRefinement) { strong.insert(h) }
        XCTAssertTrue(modelling.millerIndices("miller_index")!.allSatisfy { strong.contains($0) })
    }

    func testDMinBeyondDetectorIsRejected() throws {
        let list = try Self.experiments()
        guard FileManager.default.fileExists(atPath: list[0].imageSet!.template) else { throw XCTSkip("testdata sweep absent") }
        let refl = try ReflectionTableCodec.read(path: Self.here.path + "/Fixtures/se_refined.refl")
        var p = IntegrationParameters(); p.dMin = 1000
        XCTAssertThrowsError(try integrate(experiments: list, reflections: refl, parameters: p, logger: Logger { _, _ in })) {
            XCTAssertTrue(String(describing: $0).contains("d_min"), String(describing: $0))
        }
    }

    func testMissingFramesAreNamed() throws {
        var list = try Self.experiments()
        guard FileManager.default.fileExists(atPath: list[0].imageSet!.template) else { throw XCTSkip("testdata sweep absent") }
        list[0].scan!.imageRange = 1...40
        let refl = try ReflectionTableCodec.read(path: Self.here.path + "/Fixtures/se_refined.refl")
        XCTAssertThrowsError(try integrate(experiments: list, reflections: refl, parameters: IntegrationParameters(),
                                           logger: Logger { _, _ in })) {
            XCTAssertEqual($0 as? IntegrationError, .framesMissing(path: list[0].imageSet!.template, needed: 40, available: 20))
        }
    }
}
