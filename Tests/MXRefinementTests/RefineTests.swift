// Tests of static refinement: analytical derivatives, recovery of a perturbed geometry, outliers and bad input.
import XCTest
import MXMath
import MXModel
import MXSymmetry
@testable import MXRefinement

final class RefineTests: XCTestCase {
    /// Every analytical derivative of (x, y, φ) matches central finite
    /// differences, for every parameter of every model (beam both tilts,
    /// detector six, orientation three, triclinic cell six), away from zero values.
    func testAnalyticalDerivativesMatchFiniteDifferences() throws {
        let e = Synthetic.experiment()
        let table = Synthetic.spots(e, dMin: 3)
        var params = RefinementParameters()
        params.beamFix = []
        var model = try ParameterisedModel(ExperimentList([e]), parameters: params, logger: { _ in })
        let nFree = model.slots.count
        XCTAssertEqual(nFree, 2 + 3 + 6 + 6)
        var v = model.values
        for j in 0..<nFree { v[j] += 0.3 * Double(j % 3 + 1) * (j % 2 == 0 ? 1 : -1) }
        model.values = v
        let hkl = table.millerIndices("miller_index")!, obs = table.vec3s("xyzobs.mm.value")!
        for i in stride(from: 0, to: table.count, by: max(1, table.count / 40)) {
            let o = RefinementObservation(row: i, experiment: 0, h: Vec3(Double(hkl[i].h), Double(hkl[i].k), Double(hkl[i].l)),
                                          panel: 0, observed: obs[i], weight: Vec3(1, 1, 1))
            var g = [Double](repeating: 0, count: 3 * nFree)
            guard g.withUnsafeMutableBufferPointer({ predictWithGradients(o, model.states()![0], nFree: nFree, gradients: $0) }) != nil
            else { continue }
            for j in 0..<nFree {
                let h = 1e-4
                var plus = model, minus = model
                var vp = v, vm = v
                vp[j] += h; vm[j] -= h
                plus.values = vp; minus.values = vm
                guard let a = predictWithGradients(o, plus.states()![0], nFree: nFree, gradients: nil),
                      let b = predictWithGradients(o, minus.states()![0], nFree: nFree, gradients: nil) else { continue }
                let fd = (a - b) / (2 * h)
                let an = Vec3(g[j], g[nFree + j], g[2 * nFree + j])
                let scale = max(1e-6, max(abs(fd.x), abs(fd.y), abs(fd.z)))
                XCTAssertLessThan(an.maxAbsDifference(fd) / scale, 1e-5,
                                  "\(model.slots[j].name) reflection \(hkl[i]): analytic \(an) vs numeric \(fd)")
            }
        }
    }

    /// Without noise, refinement from the perturbed models returns the true
    /// geometry: RMSDs vanish and the cell comes back.
    func testRecoversPerturbedGeometryExactly() throws {
        let truth = Synthetic.experiment()
        let table = Synthetic.spots(truth, dMin: 3)
        let start = Synthetic.perturbed(truth)
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        let result = try refine(experiments: ExperimentList([start]), reflections: table, parameters: p)
        XCTAssertTrue(result.converged, result.stopReason)
        XCTAssertGreaterThan(result.history.first!.rmsdXPixel, 1)
        XCTAssertLessThan(result.rmsds[0].xPixel, 1e-4)
        XCTAssertLessThan(result.rmsds[0].yPixel, 1e-4)
        XCTAssertLessThan(result.rmsds[0].phiFrames, 1e-4)
        let cell = try UnitCell(crystal: result.experiments[0].crystal!)
        let d = cell.maxParameterDifference(try UnitCell(parameters: [41, 52, 63, 85, 95, 100]))
        XCTAssertLessThan(d.length, 1e-4)
        XCTAssertLessThan(d.angleDegrees, 1e-4)
        XCTAssertEqual(result.reflections.hasFlags(.usedInRefinement).filter { $0 }.count, result.rmsds[0].count)
        // Every row gets a prediction at its observation.
        let cal = result.reflections.vec3s("xyzcal.mm")!, obs = table.vec3s("xyzobs.mm.value")!
        XCTAssertLessThan(zip(cal, obs).map { $0.maxAbsDifference($1) }.max()!, 1e-5)
    }

    /// With centroid noise of the stated σ, RMSDs come out near σ (0.3 px,
    /// 0.017 frames) and the cell within a few e.s.d.s of the truth.
    func testRecoversGeometryWithNoise() throws {
        let truth = Synthetic.experiment()
        let table = Synthetic.spots(truth, noise: 1)
        var p = RefinementParameters()
        p.outlierAlgorithm = .tukey
        let result = try refine(experiments: ExperimentList([Synthetic.perturbed(truth)]), reflections: table, parameters: p)
        XCTAssertTrue(result.converged, result.stopReason)
        XCTAssertEqual(result.rmsds[0].xPixel, 0.3, accuracy: 0.05)
        XCTAssertEqual(result.rmsds[0].yPixel, 0.3, accuracy: 0.05)
        XCTAssertEqual(result.rmsds[0].phiFrames, degrees(3e-4), accuracy: 0.004)
        let cell = result.cells[0]
        for (k, t) in [41.0, 52, 63, 85, 95, 100].enumerated() {
            XCTAssertGreaterThan(cell.esds[k], 0)
            XCTAssertLessThan(abs(cell.parameters[k] - t), 5 * cell.esds[k] + 1e-9, "cell parameter \(k)")
        }
        // Each free parameter reported with a shift and an e.s.d.
        XCTAssertEqual(result.parameters.count, 1 + 3 + 6 + 6)
        XCTAssertTrue(result.parameters.allSatisfy { $0.esd > 0 })
    }

    /// Gross outliers (100 σ) are flagged as centroid outliers and left out, by MCD and by Tukey.
    func testOutliersRejected() throws {
        let truth = Synthetic.experiment()
        var table = Synthetic.spots(truth, dMin: 3.5, noise: 1)
        var obs = table.vec3s("xyzobs.mm.value")!
        let bad = Array(stride(from: 5, to: obs.count, by: obs.count / 25))
        for i in bad { obs[i].x += 3; obs[i].z -= 0.03 }
        table.set("xyzobs.mm.value", .vec3(obs))
        for algorithm in [RefinementParameters.OutlierAlgorithm.mcd, .tukey] {
            var p = RefinementParameters()
            p.outlierAlgorithm = algorithm
            p.mcdTrials = 100
            let result = try refine(experiments: ExperimentList([truth]), reflections: table, parameters: p)
            let outlier = result.reflections.hasFlags(.centroidOutlier)
            let used = result.reflections.hasFlags(.usedInRefinement)
            // A bad row close to the spindle is left out before outlier rejection sees it.
            XCTAssertGreaterThanOrEqual(bad.filter { outlier[$0] }.count, bad.count - 2, "\(algorithm)")
            for i in bad { XCTAssertFalse(used[i], "\(algorithm): row \(i) used") }
            XCTAssertLessThan(result.rmsds[0].xPixel, 0.35, "\(algorithm)")
            XCTAssertLessThan(result.outliersRejected, table.count / 5, "\(algorithm)")
        }
    }

    /// Cell parameter names follow the free G* components of the group.
    func testCellParameterNamesFollowConstraints() throws {
        let c4 = try MetricConstraints(rotations: [[0, -1, 0, 1, 0, 0, 0, 0, 1], [-1, 0, 0, 0, -1, 0, 0, 0, 1],
                                                   [0, 1, 0, -1, 0, 0, 0, 0, 1]])
        let b = try UnitCell(parameters: [50, 50, 70, 90, 90, 90]).bMatrix
        let p = UnitCellParameterisation(B: b, constraints: c4)
        XCTAssertEqual(Set(p.names), ["g*22", "g*33"])
        XCTAssertEqual(p.cell()!.parameters[0], 50, accuracy: 1e-9)
        XCTAssertEqual(p.cell()!.parameters[2], 70, accuracy: 1e-9)
    }

    /// Refinement in P 4 3 2 (cubic) from a perturbed start keeps the cell cubic.
    func testCubicRefinementStaysCubic() throws {
        do { _ = try SpaceGroupTable.shared() } catch { throw XCTSkip("no space-group table: \(error)") }
        let truth = Synthetic.experiment(spaceGroupHall: " P 4 2 3", cell: [55, 55, 55, 90, 90, 90])
        let table = Synthetic.spots(truth, dMin: 4)
        var start = truth
        start.crystal!.realSpaceA = truth.crystal!.realSpaceA * 1.003
        start.crystal!.realSpaceB = truth.crystal!.realSpaceB * 1.003
        start.crystal!.realSpaceC = truth.crystal!.realSpaceC * 1.003
        var settings = RefinementParameters()
        settings.outlierAlgorithm = .none
        let result = try refine(experiments: ExperimentList([start]), reflections: table, parameters: settings)
        XCTAssertEqual(result.parameters.filter { $0.name.hasPrefix("Crystal1g*") }.count, 1)
        let p = result.cells[0].parameters
        XCTAssertEqual(p[0], 55, accuracy: 1e-5)
        XCTAssertEqual(p[1], p[0], accuracy: 1e-9)
        XCTAssertEqual(p[4], 90, accuracy: 1e-9)
    }

    /// reflections_per_degree = 5 over 90° keeps max(5·90, minimum sample) reflections, deterministically.
    func testSubsamplingPerDegree() throws {
        let truth = Synthetic.experiment()
        let table = Synthetic.spots(truth, dMin: 3)
        var p = RefinementParameters()
        p.reflectionsPerDegree = 5
        p.minimumSampleSize = 100
        p.outlierAlgorithm = .none
        let a = try refine(experiments: ExperimentList([truth]), reflections: table, parameters: p)
        XCTAssertEqual(a.rmsds[0].count, 450)
        XCTAssertEqual(a.reflections.hasFlags(.usedInRefinement).filter { $0 }.count, 450)
        let b = try refine(experiments: ExperimentList([truth]), reflections: table, parameters: p)
        XCTAssertEqual(a.reflections.hasFlags(.usedInRefinement), b.reflections.hasFlags(.usedInRefinement))
        p.minimumSampleSize = 1000
        XCTAssertEqual(try refine(experiments: ExperimentList([truth]), reflections: table, parameters: p).rmsds[0].count, 1000)
    }

    func testBadInputErrors() throws {
        let truth = Synthetic.experiment()
        var table = Synthetic.spots(truth)
        var noVariance = table
        noVariance.removeColumn("xyzobs.mm.variance")
        XCTAssertThrowsError(try refine(experiments: ExperimentList([truth]), reflections: noVariance)) {
            XCTAssertEqual($0 as? RefinementError, .missingColumn("xyzobs.mm.variance"))
        }
        let few = table.select(indices: Array(0..<30))
        XCTAssertThrowsError(try refine(experiments: ExperimentList([truth]), reflections: few)) {
            guard case .tooFewReflections(let used, 16, 5)? = $0 as? RefinementError else { return XCTFail("\($0)") }
            XCTAssertLessThanOrEqual(used, 30)
        }
        // One reflection observed 200 times determines at most three parameters.
        table = table.select(indices: Array(repeating: 10, count: 200))
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        XCTAssertThrowsError(try refine(experiments: ExperimentList([truth]), reflections: table, parameters: p)) {
            guard case .singularNormalMatrix(let name)? = $0 as? RefinementError else { return XCTFail("\($0)") }
            XCTAssertTrue(name.hasPrefix("Crystal1") || name.hasPrefix("Detector1") || name.hasPrefix("Beam1"), name)
            XCTAssertTrue("\($0)".contains("singular at parameter"))
        }
        var noCrystal = truth
        noCrystal.crystal = nil
        XCTAssertThrowsError(try refine(experiments: ExperimentList([noCrystal]), reflections: table)) {
            XCTAssertEqual($0 as? RefinementError, .noCrystal(experiment: 0))
        }
    }
}

final class OutlierAlgorithmTests: XCTestCase {
    /// A correlated Gaussian cloud with 5 % gross outliers: MCD finds every
    /// outlier and flags about 2.5 % of the inliers (the χ²₃ 0.975 cutoff).
    func testMinimumCovarianceDeterminantFindsGrossOutliers() {
        var rng = SplitMix64(seed: 3)
        func gauss() -> Double {
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        var points: [Vec3] = []
        for _ in 0..<1900 {
            let a = gauss(), b = gauss(), c = gauss()
            points.append(Vec3(0.01 * a, 0.01 * (0.6 * a + 0.8 * b), 0.003 * c))
        }
        for k in 0..<100 { points.append(Vec3(0.1 * Double(k % 7 + 1), -0.05, 0.02 * Double(k % 3 - 1))) }
        let out = MinimumCovarianceDeterminant.outliers(points, trials: 100)
        XCTAssertTrue((1900..<2000).allSatisfy { out.contains($0) })
        let falsePositives = out.filter { $0 < 1900 }.count
        XCTAssertLessThan(falsePositives, 100)
        XCTAssertGreaterThan(falsePositives, 10)
        XCTAssertEqual(MinimumCovarianceDeterminant.kthSmallest([5, 1, 4, 2, 3], 1), 2)
        // The trials on several threads find the same outliers.
        XCTAssertEqual(MinimumCovarianceDeterminant.outliers(points, trials: 100, threads: 3), out)
    }
}

final class RefinementThreadsTests: XCTestCase {
    /// Refinement on several threads gives the same numbers, bit for bit, as
    /// on one: the per-reflection work is spread, the sums are not.
    func testThreadsDoNotChangeTheResult() throws {
        let truth = Synthetic.experiment()
        let table = Synthetic.spots(truth, dMin: 2.5)
        XCTAssertGreaterThan(table.count, NormalEquations.block, "the spots fill more than one block")
        let start = Synthetic.perturbed(truth)
        var p = RefinementParameters()
        let one = try refine(experiments: ExperimentList([start]), reflections: table, parameters: p)
        p.threads = 3
        let three = try refine(experiments: ExperimentList([start]), reflections: table, parameters: p)
        XCTAssertEqual(one.parameters.map(\.final), three.parameters.map(\.final))
        XCTAssertEqual(one.parameters.map(\.esd), three.parameters.map(\.esd))
        XCTAssertEqual(one.history.map(\.objective), three.history.map(\.objective))
        XCTAssertEqual(one.outliersRejected, three.outliersRejected)
    }
}

final class MultiExperimentRefineTests: XCTestCase {
    /// Two lattices in one sweep share the beam and detector: one beam and one
    /// detector parameterisation, two crystals, and both recovered exactly.
    func testTwoLatticesShareBeamAndDetector() throws {
        let first = Synthetic.experiment()
        var second = Synthetic.experiment(cell: [45, 45, 70, 90, 90, 120])
        second.crystal = Crystal(cell: try UnitCell(parameters: [45, 45, 70, 90, 90, 120]),
                                 U: Mat3.rotation(axis: Vec3(-1, 0.5, 2), angle: 1.9))
        second.identifier = "second"
        var t0 = Synthetic.spots(first, dMin: 4), t1 = Synthetic.spots(second, dMin: 4)
        t1.set("id", .int(Array(repeating: 1, count: t1.count)))
        t0 = t0.appending(t1)!
        var s0 = Synthetic.perturbed(first), s1 = second
        s1.beam = s0.beam; s1.detector = s0.detector
        s1.crystal!.realSpaceC = second.crystal!.realSpaceC * 1.002
        s0.identifier = "first"
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        let model = try ParameterisedModel(ExperimentList([s0, s1]), parameters: p, logger: { _ in })
        XCTAssertEqual(model.beams.count, 1)
        XCTAssertEqual(model.detectors.count, 1)
        XCTAssertEqual(model.cells.count, 2)
        let r = try refine(experiments: ExperimentList([s0, s1]), reflections: t0, parameters: p)
        XCTAssertEqual(r.rmsds.count, 2)
        for e in r.rmsds { XCTAssertLessThan(max(e.xPixel, e.yPixel, e.phiFrames), 1e-4) }
        XCTAssertEqual(r.cells[1].parameters[2], 70, accuracy: 1e-5)
        XCTAssertEqual(r.experiments[0].detector, r.experiments[1].detector)
    }
    /// `detector.fix=distance+orientation` (indexing's beam-centre refinement)
    /// frees only the in-plane shifts, which recover a detector moved in its plane.
    func testInPlaneShiftOnly() throws {
        let truth = Synthetic.experiment()
        let table = Synthetic.spots(truth, dMin: 3)
        var start = truth
        let f = truth.detector.panels[0].fastAxis.normalized, n = truth.detector.panels[0].normal
        let sAxis = n.cross(f).normalized
        for k in start.detector.panels.indices { start.detector.panels[k].origin += f * 0.3 - sAxis * 0.2 }
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        p.beamFix = [.all]
        p.detectorFix = .distanceAndOrientation
        let model = try ParameterisedModel(ExperimentList([start]), parameters: p, logger: { _ in })
        XCTAssertEqual(model.slots.filter { if case .detector = $0.owner { return true }; return false }.map(\.name),
                       ["Detector1Shift1", "Detector1Shift2"])
        XCTAssertFalse(model.slots.contains { if case .beam = $0.owner { return true }; return false })
        let r = try refine(experiments: ExperimentList([start]), reflections: table, parameters: p)
        let shift1 = r.parameters.first { $0.name == "Detector1Shift1" }!.shift
        let shift2 = r.parameters.first { $0.name == "Detector1Shift2" }!.shift
        XCTAssertEqual(shift1, -0.3, accuracy: 1e-6)
        XCTAssertEqual(shift2, 0.2, accuracy: 1e-6)
        XCTAssertLessThan(max(r.rmsds[0].xPixel, r.rmsds[0].yPixel, r.rmsds[0].phiFrames), 1e-4)
    }
}
