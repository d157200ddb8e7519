// Tests of BeamCentreSearch: a header beam centre 1.5 mm or 3.4 mm off is moved back to where the spots were recorded.
import XCTest
import MXMath
import MXModel
@testable import MXIndexing

final class BeamCentreSearchTests: XCTestCase {
    /// The indexer's defaults made quick for small synthetic sweeps.
    static func fastParameters() -> IndexingParameters {
        var p = IndexingParameters()
        p.methods = [.fft3d]
        p.fftGridSize = 128
        p.macroCycles = 2
        p.maxRefinementObservations = 400
        return p
    }

    /// A tetragonal crystal's spots and a header whose beam centre is 1.5 mm off the truth's.
    static func offsetByOneAndAHalfMillimetres() -> (truth: Experiment, header: Experiment, spots: ReflectionTable) {
        let setting = syntheticSetting([57.8, 57.8, 90, 90, 90, 90], axis: Vec3(0.3, -0.5, 0.8), angle: 37)
        let truth = syntheticExperiment(images: 15)
        let spots = syntheticSpots(settings: [setting], experiment: truth, dMin: 3.0)
        var header = truth
        header.detector.panels[0].origin = truth.detector.panels[0].origin + Vec3(1.2, 0, 0) + Vec3(0, 0.9, 0)
        return (truth, header, spots.table)
    }

    func testSyntheticOffsetIsRecovered() throws {
        let (truth, header, table) = Self.offsetByOneAndAHalfMillimetres()
        let p = Self.fastParameters()
        let r = try BeamCentreSearch.search(experiment: header, reflections: table, parameters: p)
        let s0 = truth.beam.s0
        let trueCentre = try XCTUnwrap(truth.detector.panels[0].rayIntersection(s0))
        XCTAssertEqual(r.newCentreMm.x, trueCentre.x, accuracy: 0.1)
        XCTAssertEqual(r.newCentreMm.y, trueCentre.y, accuracy: 0.1)
        XCTAssertEqual(hypot(r.shiftMm.x, r.shiftMm.y), 1.5, accuracy: 0.1)
        XCTAssertEqual(r.shiftPx.x, r.shiftMm.x / 0.1, accuracy: 1e-9)
        XCTAssertNil(r.experiment.crystal)
        XCTAssertEqual(r.experiment.detector.panels[0].origin.x, truth.detector.panels[0].origin.x, accuracy: 0.1)
        XCTAssertGreaterThan(r.indexedFraction, 0.9)
    }

    /// The header centre's indexing handed in (as `process` has it from its first attempt) gives the
    /// search's own result; a result that differs from it shows it was taken, not recomputed.
    func testIndexingFromTheHeaderCentreIsReused() throws {
        let (_, header, table) = Self.offsetByOneAndAHalfMillimetres()
        let p = Self.fastParameters()
        let own = try BeamCentreSearch.search(experiment: header, reflections: table, parameters: p)
        let first = try Indexer(parameters: p).index(experiment: header, reflections: table)
        let reused = try BeamCentreSearch.search(experiment: header, reflections: table, parameters: p,
                                                 atHeaderCentre: first)
        XCTAssertEqual(reused.newCentreMm.x, own.newCentreMm.x, accuracy: 1e-9)
        XCTAssertEqual(reused.newCentreMm.y, own.newCentreMm.y, accuracy: 1e-9)
        XCTAssertEqual(reused.indexedFraction, own.indexedFraction)
        // A made-up detector shift at the header's centre comes back as the beam centre's move
        // (the centre moves against the detector), so the result was used.
        var made = first
        made.beamCentreShift = (fast: 0.25, slow: -0.5)
        let taken = try BeamCentreSearch.search(experiment: header, reflections: table, parameters: p,
                                                atHeaderCentre: made)
        XCTAssertEqual(taken.shiftMm.x, -0.25, accuracy: 1e-9)
        XCTAssertEqual(taken.shiftMm.y, 0.5, accuracy: 1e-9)
    }

    /// 3.4 mm off: beyond the indexer's own ±2 mm grid, found from a start centre 3 mm away.
    func testOffsetBeyondTheIndexersGridIsRecovered() throws {
        let setting = syntheticSetting([64, 64, 110, 90, 90, 120], axis: Vec3(-0.4, 0.2, 0.9), angle: 71)
        let truth = syntheticExperiment(images: 15)
        let spots = syntheticSpots(settings: [setting], experiment: truth, dMin: 3.0)
        var header = truth
        header.detector.panels[0].origin = truth.detector.panels[0].origin + Vec3(-2.6, 2.2, 0)
        let p = Self.fastParameters()
        let r = try BeamCentreSearch.search(experiment: header, reflections: spots.table, parameters: p)
        let trueCentre = try XCTUnwrap(truth.detector.panels[0].rayIntersection(truth.beam.s0))
        XCTAssertEqual(r.newCentreMm.x, trueCentre.x, accuracy: 0.1)
        XCTAssertEqual(r.newCentreMm.y, trueCentre.y, accuracy: 0.1)
        XCTAssertGreaterThan(r.indexedFraction, 0.9)
    }
}
