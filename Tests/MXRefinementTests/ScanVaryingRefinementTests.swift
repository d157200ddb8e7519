// Tests of scan-varying refinement: the smoother against DIALS' values, analytical derivatives, recovery of a drifting crystal.
import XCTest
import MXMath
import MXModel
import MXPrediction
import MXSymmetry
@testable import MXRefinement

final class GaussianSmootherTests: XCTestCase {
    /// Sample layout and smoothed values match dials_refinement_helpers_ext.GaussianSmoother
    /// (DIALS 3.12) for values vᵢ = 1 + ½i² − 0.3i.
    func testMatchesDialsValues() {
        func values(_ n: Int) -> [Double] {
            (0..<n).map { (i: Int) -> Double in
                let x = Double(i)
                return 1.0 + 0.5 * x * x - 0.3 * x
            }
        }
        let cases: [(ClosedRange<Double>, Int, [Double], [(Double, Double)])] = [
            (0...90, 2, [0, 1, 2], [(0, 1.0233438757394888), (10, 1.050477367449471), (45, 1.3031258495822557),
                                   (77.5, 2.0528068162088147), (90, 2.2617014775734945)]),
            (0...360, 10, [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5],
             [(0, 1.1), (13.3, 1.236397849507037), (180, 14.6736498894539), (359, 52.67262651069303)]),
            (5...9, 1, [0, 1], [(5, 1.0171469281188688), (6.5, 1.0712482453174474), (9, 1.1828530718811312)]),
        ]
        for (range, n, positions, expected) in cases {
            let s = GaussianSmoother(range: range, intervals: n)
            XCTAssertEqual(s.positions, positions)
            XCTAssertEqual(s.sigma, positions.count == 2 ? 0.65 : 0.7, accuracy: 1e-12)
            for (x, v) in expected {
                XCTAssertEqual(s.value(at: x, values(s.valueCount)), v, accuracy: 1e-12, "range \(range), x = \(x)")
            }
        }
    }

    /// DIALS' interval rule: whole intervals of the width, at least one.
    func testIntervalCount() {
        XCTAssertEqual(GaussianSmoother.intervals(scanWidthDegrees: 90, intervalWidthDegrees: 36), 2)
        XCTAssertEqual(GaussianSmoother.intervals(scanWidthDegrees: 360, intervalWidthDegrees: 36), 10)
        XCTAssertEqual(GaussianSmoother.intervals(scanWidthDegrees: 20, intervalWidthDegrees: 36), 1)
        XCTAssertEqual(GaussianSmoother.intervals(scanWidthDegrees: 71.9, intervalWidthDegrees: 36), 1)
    }

    /// Weights are the derivatives of the value: they sum to 1 and match
    /// finite differences of the value in each sample's value.
    func testWeightsAreValueDerivatives() {
        let s = GaussianSmoother(range: 0...120, intervals: 5)
        let v = (0..<s.valueCount).map { sin(Double($0)) }
        for x in stride(from: 0.0, through: 120, by: 7.3) {
            let w = s.weights(at: x)
            XCTAssertEqual(w.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-12)
            for i in 0..<s.valueCount {
                var p = v, m = v
                p[i] += 1e-6; m[i] -= 1e-6
                let fd = (s.value(at: x, p) - s.value(at: x, m)) / 2e-6
                XCTAssertEqual(fd, w.first { $0.index == i }?.weight ?? 0, accuracy: 1e-8)
            }
        }
    }
}

final class ScanVaryingRefinementTests: XCTestCase {
    /// The synthetic experiment whose crystal turns smoothly about a general
    /// axis by 4·(z/90)² mrad (z the image coordinate) and whose b axis grows
    /// by 0.1 % over the scan: A at each frame boundary, and the static A of
    /// the middle of the scan.
    static func drifting() -> (truth: Experiment, start: Experiment) {
        var e = Synthetic.experiment()
        let axis = Vec3(0.3, 1, -0.5).normalized
        let scan = e.scan!
        e.crystal!.aAtScanPoints = (0...scan.numberOfImages).map { k in
            let t = Double(k) / Double(scan.numberOfImages)
            var c = e.crystal!
            c.realSpaceB = c.realSpaceB * (1 + 0.001 * t)
            return Mat3.rotation(axis: axis, angle: 0.004 * t * t) * c.A
        }
        var start = e
        start.crystal = Crystal(A: e.crystal!.aAtScanPoints[scan.numberOfImages / 2], spaceGroupHall: " P 1")
        return (e, start)
    }

    /// Analytical derivatives of (x, y, φ) with respect to every sample-point
    /// parameter (and the static beam and detector) match central differences.
    func testDerivativesMatchFiniteDifferences() throws {
        let e = Synthetic.experiment()
        let table = Synthetic.spots(e, dMin: 3)
        var p = RefinementParameters()
        p.intervalWidthDegrees = 20
        var model = try ScanVaryingModel(ExperimentList([e]), parameters: p, logger: { _ in })
        let nFree = model.slots.count
        // 4 intervals → 6 sample points of 3 angles and 6 metric parameters, beam 1, detector 6.
        XCTAssertEqual(nFree, 1 + 6 * (3 + 6) + 6)
        var v = model.values
        for j in 0..<nFree { v[j] += 0.2 * Double(j % 5 + 1) * (j % 2 == 0 ? 1 : -1) }
        model.values = v
        let hkl = table.millerIndices("miller_index")!, obs = table.vec3s("xyzobs.mm.value")!
        var checked = 0
        for i in stride(from: 0, to: table.count, by: max(1, table.count / 30)) {
            let o = RefinementObservation(row: i, experiment: 0, h: Vec3(Double(hkl[i].h), Double(hkl[i].k), Double(hkl[i].l)),
                                          panel: 0, observed: obs[i], weight: Vec3(1, 1, 1))
            let z = e.scan!.frame(atAngle: obs[i].z)
            func predict(_ m: ScanVaryingModel, _ g: UnsafeMutableBufferPointer<Double>?) -> Vec3? {
                guard let fixed = m.fixedStates(), let st = m.state(experiment: 0, at: z, fixed: fixed[0]) else { return nil }
                return predictWithGradients(o, st, nFree: nFree, gradients: g)
            }
            var g = [Double](repeating: 0, count: 3 * nFree)
            guard g.withUnsafeMutableBufferPointer({ predict(model, $0) }) != nil else { continue }
            checked += 1
            for j in 0..<nFree {
                let h = 1e-4
                var plus = model, minus = model
                var vp = v, vm = v
                vp[j] += h; vm[j] -= h
                plus.values = vp; minus.values = vm
                guard let a = predict(plus, nil), let b = predict(minus, nil) else { continue }
                let fd = (a - b) / (2 * h)
                let an = Vec3(g[j], g[nFree + j], g[2 * nFree + j])
                // Relative 1e-5, or 1e-9 absolute where both vanish (samples outside the smoother's reach).
                let scale = max(abs(fd.x), abs(fd.y), abs(fd.z))
                XCTAssertLessThan(an.maxAbsDifference(fd), 1e-5 * scale + 1e-9,
                                  "\(model.slots[j].name) at z \(z): analytic \(an) vs numeric \(fd)")
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// With no drift the scan-varying model at its starting values predicts
    /// exactly as the static one, and A at every scan point is the static A.
    func testUnchangedModelMatchesStatic() throws {
        let e = Synthetic.experiment()
        var p = RefinementParameters()
        p.intervalWidthDegrees = 20
        let model = try ScanVaryingModel(ExperimentList([e]), parameters: p, logger: { _ in })
        let refined = try model.refinedExperiments()
        let points = refined[0].crystal!.aAtScanPoints
        XCTAssertEqual(points.count, 91)
        for a in points { XCTAssertLessThan(a.maxAbsDifference(e.crystal!.A), 1e-12) }
    }

    /// A crystal drifting smoothly (rotation growing to 4 mrad, b stretching
    /// 0.1 %) over a 90° scan, beam and detector known: static refinement cannot follow it, scan-varying
    /// refinement fits the noise-free centroids to a small fraction of the
    /// static RMSDs and recovers A at every frame boundary.
    func testRecoversSmoothDrift() throws {
        let (truth, start) = Self.drifting()
        let table = Synthetic.spots(truth, dMin: 3)
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        p.intervalWidthDegrees = 18
        // Beam and detector held at the truth, so that A alone answers for the drift.
        p.beamFix = [.all]
        p.detectorFix = .all
        let run = try refineStaticThenScanVarying(experiments: ExperimentList([start]), reflections: table, parameters: p)
        let st = run.staticResult.rmsds[0]
        let sv = try XCTUnwrap(run.scanVaryingResult).rmsds[0]
        print("static RMSDs \(st.xPixel) \(st.yPixel) \(st.phiFrames); scan-varying \(sv.xPixel) \(sv.yPixel) \(sv.phiFrames)")
        XCTAssertGreaterThan(max(st.xPixel, st.yPixel), 0.1)
        XCTAssertLessThan(max(sv.xPixel, sv.yPixel), 0.02)
        XCTAssertLessThan(sv.phiFrames, 0.002)
        XCTAssertLessThan(max(sv.xPixel, sv.yPixel), max(st.xPixel, st.yPixel) / 10)
        let crystal = run.final.experiments[0].crystal!
        XCTAssertEqual(crystal.aAtScanPoints.count, 91)
        let worstStatic = truth.crystal!.aAtScanPoints.map { $0.maxAbsDifference(run.staticResult.experiments[0].crystal!.A) }.max()!
        let worst = zip(crystal.aAtScanPoints, truth.crystal!.aAtScanPoints).map { $0.maxAbsDifference($1) }.max()!
        XCTAssertLessThan(worst, worstStatic / 5, "A error: scan-varying \(worst), static \(worstStatic)")
        // Predictions written for the reflections use the scan points.
        let cal = run.final.reflections.vec3s("xyzcal.mm")!, obs = table.vec3s("xyzobs.mm.value")!
        let used = run.final.reflections.hasFlags(.usedInRefinement)
        let rms = (zip(zip(cal, obs), used).filter { $0.1 }.map { pow($0.0.0.x - $0.0.1.x, 2) }.reduce(0, +)
                   / Double(used.filter { $0 }.count)).squareRoot()
        XCTAssertEqual(rms / 0.1, sv.xPixel, accuracy: 0.01)
    }

    /// Auto leaves narrow scans static; False turns scan-varying refinement off.
    func testAutoAndOff() throws {
        var e = Synthetic.experiment()
        e.scan = Scan(imageRange: 1...4, oscillationStartDegrees: 0, oscillationWidthDegrees: 1)
        let table = Synthetic.spots(e, dMin: 2)
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        let narrow = try refineStaticThenScanVarying(experiments: ExperimentList([e]), reflections: table, parameters: p)
        XCTAssertNil(narrow.scanVaryingResult)
        XCTAssertTrue(narrow.scanVaryingNote.contains("minimum"), narrow.scanVaryingNote)
        XCTAssertTrue(narrow.final.experiments[0].crystal!.aAtScanPoints.isEmpty)
        p.scanVarying = .on
        let forced = try refineStaticThenScanVarying(experiments: ExperimentList([e]), reflections: table, parameters: p)
        XCTAssertEqual(forced.final.experiments[0].crystal!.aAtScanPoints.count, 5)
        let wide = Synthetic.experiment()
        p.scanVarying = .off
        let off = try refineStaticThenScanVarying(experiments: ExperimentList([wide]), reflections: Synthetic.spots(wide, dMin: 3),
                                                  parameters: p)
        XCTAssertNil(off.scanVaryingResult)
    }
}
