// Tests of Indexer: synthetic sweeps from known crystals, one and two lattices, user cells and failures.
import XCTest
import MXMath
import MXModel
@testable import MXIndexing

final class IndexerTests: XCTestCase {
    /// Tetragonal 57.8, 57.8, 90 Å (thaumatin-like), arbitrary orientation.
    let trueSetting = syntheticSetting([57.8, 57.8, 90, 90, 90, 90], axis: Vec3(0.3, -0.5, 0.8), angle: 37)

    func fastParameters() -> IndexingParameters {
        var p = IndexingParameters()
        p.methods = [.fft3d]
        p.fftGridSize = 128
        p.macroCycles = 2
        p.refineBeamCentre = false
        p.maxRefinementObservations = 400
        return p
    }

    func testIndexesSyntheticTetragonalSweep() throws {
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [trueSetting], experiment: experiment, dMin: 3.0)
        XCTAssertGreaterThan(spots.table.count, 1000)
        let result = try Indexer(parameters: fastParameters()).index(experiment: experiment, reflections: spots.table)
        XCTAssertEqual(result.lattices.count, 1)
        let found = result.experiments[0].crystal!.A
        // Same lattice, same orientation up to an equivalent setting.
        let rotation = try XCTUnwrap(LatticeComparison.rotation(from: trueSetting, to: found))
        XCTAssertLessThan(rotation.angleDegrees, 0.02)
        let p = Indexer.cellParameters(found)
        XCTAssertEqual(p[0], 57.8, accuracy: 0.05)
        XCTAssertEqual(p[1], 57.8, accuracy: 0.05)
        XCTAssertEqual(p[2], 90.0, accuracy: 0.08)
        for angle in p[3...] { XCTAssertEqual(angle, 90, accuracy: 0.05) }
        let ids = try XCTUnwrap(result.reflections.ints("id"))
        XCTAssertGreaterThan(Double(ids.filter { $0 == 0 }.count) / Double(ids.count), 0.95)
        // Indexed rows carry the indexed flag, hkl and a prediction close to the observation.
        let flags = result.reflections.flags, hkl = result.reflections.millerIndices("miller_index")!
        let obs = result.reflections.vec3s("xyzobs.px.value")!, cal = result.reflections.vec3s("xyzcal.px")!
        for i in ids.indices where ids[i] == 0 {
            XCTAssertTrue(flags[i].contains(.indexed))
            XCTAssertFalse(hkl[i].isZero)
            XCTAssertLessThan(abs(obs[i].x - cal[i].x), 1.0)
        }
        XCTAssertLessThan(result.lattices[0].rmsd.x, 0.3)
        XCTAssertEqual(result.reflections.experimentIdentifiers[0], result.experiments[0].identifier)
        XCTAssertEqual(result.experiments[0].identifier.count, 36)
    }

    /// The header puts the detector 1.0 mm (fast) and −0.6 mm (slow) away from
    /// where the spots were recorded: indexing finds the shift and the true cell.
    func testWrongBeamCentreIsFoundAndCorrected() throws {
        let truth = syntheticExperiment(images: 15)
        let spots = syntheticSpots(settings: [trueSetting], experiment: truth, dMin: 3.0)
        var header = truth
        header.detector.panels[0].origin = truth.detector.panels[0].origin - Vec3(1.0, 0, 0) - Vec3(0, 0.6, 0)
        var p = fastParameters()
        p.refineBeamCentre = true
        let result = try Indexer(parameters: p).index(experiment: header, reflections: spots.table)
        XCTAssertEqual(result.beamCentreShift.fast, 1.0, accuracy: 0.02)
        XCTAssertEqual(result.beamCentreShift.slow, -0.6, accuracy: 0.02)
        let rotation = try XCTUnwrap(LatticeComparison.rotation(from: trueSetting, to: result.experiments[0].crystal!.A))
        XCTAssertLessThan(rotation.angleDegrees, 0.02)
        XCTAssertEqual(result.experiments[0].detector.panels[0].origin.x, truth.detector.panels[0].origin.x, accuracy: 0.02)
    }

    func testFFT1DAloneFindsTheLattice() throws {
        let setting = syntheticSetting([40, 50, 60, 90, 100, 90], axis: Vec3(1, 1, 0), angle: 20)
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [setting], experiment: experiment, dMin: 5.0)
        var p = fastParameters()
        p.methods = [.fft1d]
        let result = try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table)
        let rotation = try XCTUnwrap(LatticeComparison.rotation(from: setting, to: result.experiments[0].crystal!.A))
        XCTAssertLessThan(rotation.angleDegrees, 0.05)
        XCTAssertEqual(result.lattices[0].method, .fft1d)
    }

    func testTwoLatticesAndTheRotationBetweenThem() throws {
        let second = Mat3.rotation(axis: Vec3(0.2, 0.9, -0.3).normalized, angle: 12 * .pi / 180) * trueSetting
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [trueSetting, second], experiment: experiment, dMin: 3.5)
        var p = fastParameters()
        p.maxLattices = 2
        let result = try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table)
        XCTAssertEqual(result.lattices.count, 2)
        let r = try XCTUnwrap(LatticeComparison.rotation(from: result.experiments[0].crystal!.A,
                                                         to: result.experiments[1].crystal!.A))
        XCTAssertEqual(r.angleDegrees, 12, accuracy: 0.05)
        let ids = result.reflections.ints("id")!
        XCTAssertGreaterThan(Double(ids.filter { $0 >= 0 }.count) / Double(ids.count), 0.9)
    }

    /// A crystal split into two domains 6° apart (monoclinic 45, 52, 70 Å, β 101°): cells of two and three
    /// times the volume fit both domains' spots with a small rmsd, their extra nodes empty. The indexer must
    /// take the true cell as lattice 1 and the other domain, rotated by 6°, as lattice 2.
    func testSplitCrystalGivesTheTrueCellNotASupercell() throws {
        let first = syntheticSetting([45, 52, 70, 90, 101, 90], axis: Vec3(0.6, 0.3, -0.7), angle: 52)
        let second = Mat3.rotation(axis: Vec3(-0.3, 0.8, 0.5).normalized, angle: 6 * .pi / 180) * first
        let experiment = syntheticExperiment(images: 60)
        let spots = syntheticSpots(settings: [first, second], experiment: experiment, dMin: 2.5)
        var p = IndexingParameters()
        p.macroCycles = 2
        p.maxRefinementObservations = 600
        p.maxLattices = 2
        let result = try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table)
        XCTAssertEqual(result.lattices.count, 2)
        let trueVolume = abs(first.inverse!.determinant)
        for e in result.experiments.experiments {
            XCTAssertEqual(abs(e.crystal!.A.inverse!.determinant) / trueVolume, 1, accuracy: 0.02)
        }
        let r = try XCTUnwrap(LatticeComparison.rotation(from: result.experiments[0].crystal!.A,
                                                         to: result.experiments[1].crystal!.A))
        XCTAssertEqual(r.angleDegrees, 6, accuracy: 0.1)
    }

    func testContinuingFromOneLatticeFindsTheSecond() throws {
        let second = Mat3.rotation(axis: Vec3(0.2, 0.9, -0.3).normalized, angle: 12 * .pi / 180) * trueSetting
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [trueSetting, second], experiment: experiment, dMin: 3.5)
        var p = fastParameters()
        let first = try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table)
        XCTAssertEqual(first.lattices.count, 1)
        p.maxLattices = 2
        let result = try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table, continuing: first)
        XCTAssertEqual(result.lattices.count, 2)
        // The first lattice is kept (refined again with the second beside it), not searched for again.
        let kept = try XCTUnwrap(LatticeComparison.rotation(from: first.experiments[0].crystal!.A,
                                                            to: result.experiments[0].crystal!.A))
        XCTAssertLessThan(kept.angleDegrees, 0.3)
        let r = try XCTUnwrap(LatticeComparison.rotation(from: result.experiments[0].crystal!.A,
                                                         to: result.experiments[1].crystal!.A))
        XCTAssertEqual(r.angleDegrees, 12, accuracy: 0.05)
        let ids = result.reflections.ints("id")!
        XCTAssertGreaterThan(Double(ids.filter { $0 >= 0 }.count) / Double(ids.count), 0.9)
    }

    func testUserCellAndSpaceGroupAreEnforced() throws {
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [trueSetting], experiment: experiment, dMin: 3.5)
        var p = fastParameters()
        p.unitCell = [57.8, 57.8, 90, 90, 90, 90]
        p.spaceGroupHall = " P 4nw 2abw"
        let result = try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table)
        let cell = Indexer.cellParameters(result.experiments[0].crystal!.A)
        XCTAssertEqual(cell[0], cell[1], accuracy: 1e-9)  // a = b imposed
        XCTAssertEqual(cell[2], 90, accuracy: 0.1)
        XCTAssertEqual(cell[5], 90, accuracy: 1e-9)
        XCTAssertEqual(result.experiments[0].crystal!.spaceGroupHall, " P 4nw 2abw")
    }

    func testCellThatDoesNotFitIsRefused() {
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [trueSetting], experiment: experiment, dMin: 4)
        var p = fastParameters()
        p.unitCell = [70, 80, 100, 90, 90, 90]
        XCTAssertThrowsError(try Indexer(parameters: p).index(experiment: experiment, reflections: spots.table)) { e in
            guard case IndexingError.cellDoesNotFit = e else { return XCTFail("unexpected \(e)") }
            XCTAssertTrue("\(e)".contains("unit_cell="))
        }
    }

    func testTooFewSpots() {
        let experiment = syntheticExperiment(images: 2)
        var table = ReflectionTable(count: 5)
        table.set("xyzobs.px.value", .vec3((0..<5).map { Vec3(Double(100 * $0), 300, 0.5) }))
        XCTAssertThrowsError(try Indexer().index(experiment: experiment, reflections: table)) { e in
            XCTAssertEqual(e as? IndexingError, .tooFewSpots(found: 5, needed: 10))
        }
    }

    /// A further lattice is refused when its cell is tinier than min_cell or its fit far worse than the
    /// first lattice's (the 1.8 × 3.7 × 48 Å cell that indexed the leftovers of a sweep whose header beam
    /// centre was 3 mm off, at rmsd 7.5e-2 Å⁻¹ against 2.7e-3).
    func testFurtherLatticeOfNoCrystalIsRefused() {
        let tiny = syntheticSetting([1.809, 3.744, 48.06, 89.4, 89.9, 76.0], axis: Vec3(0, 0, 1), angle: 10)
        XCTAssertTrue(Indexer.furtherLatticeFault(setting: tiny, rmsd: 2.7e-3, firstRMSD: 2.7e-3, minCell: 3)?
            .contains("shorter than min_cell") == true)
        XCTAssertTrue(Indexer.furtherLatticeFault(setting: trueSetting, rmsd: 7.5e-2, firstRMSD: 2.7e-3, minCell: 3)?
            .contains("more than 3×") == true)
        XCTAssertNil(Indexer.furtherLatticeFault(setting: trueSetting, rmsd: 3.0e-3, firstRMSD: 2.7e-3, minCell: 3))
        XCTAssertNil(Indexer.furtherLatticeFault(setting: trueSetting, rmsd: 1.0, firstRMSD: nil, minCell: 3))
    }

    func testRandomSpotsFindNoLattice() {
        let experiment = syntheticExperiment(images: 10)
        var rng: UInt64 = 99
        func random() -> Double {
            rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
            return Double((rng &* 2685821657736338717) >> 11) / Double(1 << 53)
        }
        let n = 300
        var table = ReflectionTable(count: n)
        table.set("xyzobs.px.value", .vec3((0..<n).map { _ in Vec3(1000 * random(), 1000 * random(), 10 * random()) }))
        XCTAssertThrowsError(try Indexer(parameters: fastParameters()).index(experiment: experiment, reflections: table)) { e in
            guard case IndexingError.noLatticeFound = e else { return XCTFail("unexpected \(e)") }
            XCTAssertTrue("\(e)".contains("max_cell="))
        }
    }
}
