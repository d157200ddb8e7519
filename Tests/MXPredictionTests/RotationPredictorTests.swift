// Tests of rotation-method prediction: a reflection placed by hand, index generation, and DIALS' predictions.
import XCTest
import MXMath
import MXModel
import MXSymmetry
import MXFormats
@testable import MXPrediction

final class RotationPredictorTests: XCTestCase {
    /// (0,1,0) of a 10 Å cubic cell with λ = 1 Å, axis x, beam −z:
    /// r(φ) = (0, 0.1 cos φ, 0.1 sin φ), and 2 s₀·r + |r|² = 0 gives
    /// −0.2 sin φ + 0.01 = 0, so φ = asin(0.05) (or π − that); the ray
    /// s₁ = (0, 0.1 cos φ, −1 + 0.1 sin φ) meets z = −100 mm at
    /// y = 100·0.1 cos φ/(1 − 0.1 sin φ), i.e. slow mm = 50 − y.
    func testReflectionPlacedByHand() throws {
        let e = PredictionFixtures.simpleExperiment()
        let p = try RotationPredictor(experiment: e)
        let phi = asin(0.05)
        guard let r = p.predictNear(Miller(0, 1, 0), phiObserved: 0.1, panel: 0) else { return XCTFail("no prediction") }
        XCTAssertEqual(r.phi, phi, accuracy: 1e-12)
        XCTAssertEqual(r.s1.maxAbsDifference(Vec3(0, 0.1 * cos(phi), -1 + 0.1 * sin(phi))), 0, accuracy: 1e-12)
        let y = 100 * 0.1 * cos(phi) / (1 - 0.1 * sin(phi))
        XCTAssertEqual(r.mm.x, 50, accuracy: 1e-9)
        XCTAssertEqual(r.mm.y, 50 - y, accuracy: 1e-9)
        XCTAssertEqual(r.px.y, (50 - y) / 0.1, accuracy: 1e-7)
        XCTAssertEqual(r.frame, degrees(phi), accuracy: 1e-9)
        // s₀ × m = (0,0,−1) × (1,0,0) = (0,−1,0); s₁·that < 0 → entering.
        XCTAssertTrue(r.entering)
        // The other solution, π − φ, is found near 180°, exiting.
        let r2 = try XCTUnwrap(p.predictNear(Miller(0, 1, 0), phiObserved: 3.0, panel: 0))
        XCTAssertEqual(r2.phi, .pi - phi, accuracy: 1e-12)
        XCTAssertFalse(r2.entering)
        // A point beyond the limiting sphere (|r| > 2/λ) never diffracts.
        XCTAssertNil(p.predictNear(Miller(0, 30, 0), phiObserved: 0, panel: 0))
    }

    /// Every generated index lies in the shell, and the count matches a brute-force box search.
    func testIndexGeneratorMatchesBruteForce() throws {
        let cell = try UnitCell(a: 31, b: 47, c: 53, alpha: 81, beta: 97, gamma: 112)
        let generated = MillerIndexGenerator(cell: cell, dMin: 2.5, dMax: 20).indices()
        var brute = Set<Miller>()
        for h in -25...25 { for k in -25...25 { for l in -25...25 {
            let m = Miller(h, k, l)
            if m.isZero { continue }
            let d = cell.dSpacing(m)
            if d >= 2.5 && d <= 20 { brute.insert(m) }
        } } }
        XCTAssertEqual(generated.count, brute.count)
        XCTAssertEqual(Set(generated), brute)
    }

    /// Every prediction of the hand-made experiment satisfies the Ewald
    /// condition and lies on its frame; Friedel pairs both appear.
    func testPredictionsLieOnEwaldSphere() throws {
        let e = PredictionFixtures.simpleExperiment()
        let p = try RotationPredictor(experiment: e)
        let preds = p.predict(dMin: 1.5)
        XCTAssertGreaterThan(preds.count, 500)
        let s0 = e.beam.s0
        for r in preds {
            XCTAssertEqual(r.s1.length, s0.length, accuracy: 1e-10)
            XCTAssertGreaterThanOrEqual(r.frame, 0)
            XCTAssertLessThanOrEqual(r.frame, 360)
            XCTAssertTrue(e.detector[0].contains(pixel: r.px))
        }
    }

    /// Predictions of the shared insulin sweep's true models, pinned to DIALS 3.12's
    /// `ScanStaticReflectionPredictor` (parallax-corrected px included):
    ///   from dials.array_family import flex
    ///   from dxtbx.model.experiment_list import ExperimentListFactory
    ///   from dials.algorithms.spot_prediction import ScanStaticReflectionPredictor
    ///   e = ExperimentListFactory.from_json_file("truth.expt", check_format=False)[0]
    ///   t = ScanStaticReflectionPredictor(e, dmin=2.0).for_ub(e.crystal.get_A())
    ///   t.sort("miller_index"); print(len(t)); rows 0, 4013, 8026, ... (step len//6)
    func testAgreesWithDialsOnInsulinTruth() throws {
        let path = PredictionFixtures.sharedDataDirectory() + "/insulin_i213/truth.expt"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("shared data absent: \(path)") }
        let list = try ExperimentListCodec.read(path: path)
        let p = try RotationPredictor(experiment: list[0])
        // DIALS leaves out the systematic absences of the crystal's group (I213 here).
        let group: SpaceGroup
        do { group = try list[0].crystal!.spaceGroup() } catch { throw XCTSkip("no space-group table: \(error)") }
        let preds = p.predict(dMin: 2.0, spaceGroup: group)
        // DIALS' bounds test is in mm, so 74 parallax-shifted px lie just outside [0, size).
        XCTAssertEqual(preds.count, 24081)
        XCTAssertEqual(p.predict(dMin: 2.0).filter { !group.isSystematicallyAbsent($0.miller) }, preds)
        // Centring only (what integration asks for): the I lattice's h+k+l odd goes, nothing else.
        let lattice = p.predict(dMin: 2.0, spaceGroup: group, centringOnly: true)
        XCTAssertEqual(p.predict(dMin: 2.0).filter { ($0.miller.h + $0.miller.k + $0.miller.l) % 2 == 0 }, lattice)
        let byIndex = Dictionary(grouping: preds, by: \.miller)
        let expected: [(Miller, Bool, Vec3, Vec3)] = [
            (Miller(-29, 11, -10), true, Vec3(76.99022589287776, 0.6977929242588221, 1.5467605029713634),
             Vec3(1027.1006096832523, 8.767830348123775, 88.62284873779154)),
            (Miller(-4, 12, 10), true, Vec3(39.80623062909638, 12.11137535516927, 0.1635498260625415),
             Vec3(530.7603167936942, 161.11815160733232, 9.370714773482343)),
            (Miller(6, -11, -17), false, Vec3(46.53839101575129, 68.4167047478924, 0.0684182917330456),
             Vec3(620.622890571941, 912.695947546453, 3.9200793577983237)),
            (Miller(32, -4, 14), false, Vec3(0.5499081341294053, 78.73201836292306, 1.276854768552912),
             Vec3(6.758637343108007, 1050.3855908286737, 73.1583892892354)),
        ]
        for (h, entering, mm, px) in expected {
            let r = try XCTUnwrap(byIndex[h]?.first, "\(h) not predicted")
            XCTAssertEqual(r.entering, entering, "\(h)")
            XCTAssertEqual(Vec3(r.mm.x, r.mm.y, r.phi).maxAbsDifference(mm), 0, accuracy: 1e-8, "\(h)")
            XCTAssertEqual(Vec3(r.px.x, r.px.y, r.frame).maxAbsDifference(px), 0, accuracy: 1e-6, "\(h)")
        }
    }

    /// Predict-observed reproduces the full prediction when observations sit
    /// at the predicted angles, and picks the solution nearest the observed φ.
    func testPredictObserved() throws {
        let e = PredictionFixtures.simpleExperiment()
        let preds = try RotationPredictor(experiment: e).predict(dMin: 2)
        var t = ReflectionTable(count: preds.count)
        t.set(ReflectionTable.Name.millerIndex, .miller(preds.map { MillerIndex($0.miller.h, $0.miller.k, $0.miller.l) }))
        t.set(ReflectionTable.Name.id, .int(Array(repeating: 0, count: preds.count)))
        t.set(ReflectionTable.Name.panel, .size(Array(repeating: 0, count: preds.count)))
        // Observed φ off by 0.01 rad: the nearest solution is still the same one.
        t.set(ReflectionTable.Name.xyzobsMmValue, .vec3(preds.map { Vec3($0.mm.x, $0.mm.y, $0.phi + 0.01) }))
        let (out, ok) = try predictObserved(ExperimentList([e]), t)
        XCTAssertTrue(ok.allSatisfy { $0 })
        let cal = try XCTUnwrap(out.vec3s(ReflectionTable.Name.xyzcalMm))
        for (c, p) in zip(cal, preds) {
            XCTAssertEqual(c.maxAbsDifference(Vec3(p.mm.x, p.mm.y, p.phi)), 0, accuracy: 1e-9)
        }
        // An unindexed row keeps the xyzcal it had.
        var partly = t
        var hkl = t.millerIndices(ReflectionTable.Name.millerIndex)!
        hkl[3] = MillerIndex(0, 0, 0)
        partly.set(ReflectionTable.Name.millerIndex, .miller(hkl))
        partly.set(ReflectionTable.Name.xyzcalMm, .vec3(Array(repeating: Vec3(1, 2, 3), count: t.count)))
        let (kept, okKept) = try predictObserved(ExperimentList([e]), partly)
        XCTAssertFalse(okKept[3])
        XCTAssertEqual(kept.vec3s(ReflectionTable.Name.xyzcalMm)![3], Vec3(1, 2, 3))
        XCTAssertEqual(kept.vec3s(ReflectionTable.Name.xyzcalMm)![4], cal[4])
        var bad = t
        bad.removeColumn(ReflectionTable.Name.xyzobsMmValue)
        XCTAssertThrowsError(try predictObserved(ExperimentList([e]), bad)) { error in
            XCTAssertEqual(error as? PredictionError, .missingColumn("xyzobs.mm.value"))
        }
    }

    /// A crystal with constant scan-point matrices predicts as the static one,
    /// up to the chord of each 1° frame that the frame-by-frame (DIALS)
    /// scan-varying predictor follows instead of the arc: the same reflections,
    /// φ within 1e-3 frames typically and 0.05 frames at worst.
    func testScanVaryingWithConstantAMatchesStatic() throws {
        var e = PredictionFixtures.simpleExperiment(cell: 12)
        e.crystal!.aAtScanPoints = Array(repeating: e.crystal!.A, count: 361)
        let sv = try RotationPredictor(experiment: e).predict(dMin: 2.5)
        e.crystal!.aAtScanPoints = []
        let st = try RotationPredictor(experiment: e).predict(dMin: 2.5)
        let key = { (p: PredictedReflection) in "\(p.miller) \(Int(p.frame.rounded()))" }
        let byKey = Dictionary(st.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        var diffs: [Double] = []
        for p in sv { if let q = byKey[key(p)] { diffs.append(abs(p.frame - q.frame)) } }
        XCTAssertGreaterThan(Double(diffs.count), 0.995 * Double(st.count))
        XCTAssertLessThan(abs(sv.count - st.count), st.count / 200 + 1)
        diffs.sort()
        XCTAssertLessThan(diffs[diffs.count / 2], 1e-3)
        XCTAssertLessThan(diffs.last!, 0.05)
    }

    /// With a drifting crystal, each frame-by-frame prediction lies where the
    /// crystal interpolated at its own frame diffracts (`predictNear`).
    func testScanVaryingPredictionsAreSelfConsistent() throws {
        var e = PredictionFixtures.simpleExperiment(cell: 12)
        let a = e.crystal!.A
        e.crystal!.aAtScanPoints = (0...360).map { k in
            Mat3.rotation(axis: Vec3(0.2, 1, 0.4).normalized, angle: 0.01 * sin(Double(k) / 60)) * a * (1 + 1e-3 * Double(k) / 360)
        }
        let predictor = try RotationPredictor(experiment: e)
        let sv = predictor.predict(dMin: 3)
        XCTAssertGreaterThan(sv.count, 300)
        var worst = 0.0
        for p in sv where abs(p.s1.normalized.dot(predictor.frame.labAxis)) < 0.9 {
            guard let q = predictor.predictNear(p.miller, phiObserved: p.phi, frameObserved: p.frame, panel: p.panel) else {
                XCTFail("no prediction near \(p.miller)"); continue
            }
            worst = max(worst, abs(q.frame - p.frame))
        }
        XCTAssertLessThan(worst, 0.05)
    }
}
