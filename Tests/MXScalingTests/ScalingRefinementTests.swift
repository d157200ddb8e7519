// Tests of the scaling fit: a known smooth scale and relative B recovered from synthetic equivalents.
import Foundation
import MXScaling
import XCTest

final class ScalingRefinementTests: XCTestCase {
    func testRecoversKnownScaleAndDecay() throws {
        let scale: (Double) -> Double = { 1 + 0.2 * sin($0 / 30) }
        let b: (Double) -> Double = { -0.05 * $0 }     // B falls by 4.5 Å² over 90°
        let data = ScalingSyntheticData(scale: scale, b: b)
        var options = PhysicalScalingModel.Options()
        options.absorption = false
        let model = PhysicalScalingModel(imageRange: 1...90, oscillationRangeDegrees: 0...90, options: options)
        var procedure = ScalingProcedure.Options()
        procedure.errorModel = false
        let result = try ScalingProcedure.run(data.observations, models: [model], options: procedure)
        // g is known up to a constant and a B offset: log(g/g_true) = c + k·s²/2.
        let o = data.observations
        let y = (0..<o.count).map { log(result.inverseScales[$0] / data.trueInverseScale[$0]) }
        let x = o.dStarSquared.map { $0 / 2 }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        let k = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let residual = zip(x, y).map { $0.1 - my - k * ($0.0 - mx) }
        let rms = (residual.reduce(0) { $0 + $1 * $1 } / Double(residual.count)).squareRoot()
        XCTAssertLessThan(rms, 0.01, "inverse scales match the truth within 1% up to the gauge")
        let fitted = result.models[0]
        let decay = try XCTUnwrap(fitted.decay)
        let drop = decay.value(at: decay.coordinate(degrees: 85)) - decay.value(at: decay.coordinate(degrees: 5))
        XCTAssertEqual(drop, b(85) - b(5), accuracy: 0.4, "relative B drop over the sweep")
        XCTAssertEqual(fitted.scale.parameters.reduce(0, +) / Double(fitted.scale.count), 1, accuracy: 1e-9)
        XCTAssertEqual(result.outliers.filter { $0 }.count, 0, accuracy: 3)
    }

    func testTwoSweepsScaledTogetherKeepTheirRelativeScale() throws {
        // Half of the observations come from a second sweep 1.5× as bright, with its own scale curve.
        let data = ScalingSyntheticData(unique: 300, perGroup: 8, scale: { 1 + 0.1 * cos($0 / 20) }, b: { _ in 0 })
        var o = data.observations
        var truth = data.trueInverseScale
        for i in 0..<o.count where i % 2 == 1 {
            o.experiment[i] = 1
            o.summedIntensity[i] *= 1.5; o.summedVariance[i] *= 2.25
            o.profileIntensity[i] = o.summedIntensity[i]; o.profileVariance[i] = o.summedVariance[i]
            truth[i] *= 1.5
        }
        var options = PhysicalScalingModel.Options()
        options.absorption = false
        options.decay = false
        let models = [0, 1].map { _ in
            PhysicalScalingModel(imageRange: 1...90, oscillationRangeDegrees: 0...90, options: options)
        }
        let result = try ScalingProcedure.run(o, models: models)
        let ratio = (0..<o.count).map { result.inverseScales[$0] / truth[$0] }
        let mean = ratio.reduce(0, +) / Double(ratio.count)
        let worst = ratio.map { abs($0 / mean - 1) }.max() ?? 1
        XCTAssertLessThan(worst, 0.03, "both sweeps' scales recovered up to one common factor")
        let s0 = result.models[0].scale.parameters.reduce(0, +), s1 = result.models[1].scale.parameters.reduce(0, +)
        XCTAssertEqual(s1 / s0, 1.5, accuracy: 0.03)
    }

    /// Two sweeps (so two models and gradient sizes) scaled on several
    /// threads give the numbers of one thread, bit for bit.
    func testThreadsDoNotChangeTheResult() throws {
        let data = ScalingSyntheticData(unique: 600, perGroup: 8, scale: { 1 + 0.1 * cos($0 / 20) }, b: { -0.03 * $0 })
        var o = data.observations
        for i in 0..<o.count where i % 3 == 1 { o.experiment[i] = 1 }
        let models = [0, 1].map { k in
            var options = PhysicalScalingModel.Options()
            options.absorption = false
            options.decay = k == 0
            return PhysicalScalingModel(imageRange: 1...90, oscillationRangeDegrees: 0...90, options: options)
        }
        let one = ScalingProcedure.Options()
        var three = one
        three.threads = 3
        let a = try ScalingProcedure.run(o, models: models, options: one)
        let b = try ScalingProcedure.run(o, models: models, options: three)
        XCTAssertEqual(a.models.map(\.parameters), b.models.map(\.parameters))
        XCTAssertEqual(a.inverseScales, b.inverseScales)
        XCTAssertEqual(a.inverseScaleVariances, b.inverseScaleVariances)
        XCTAssertEqual(a.outliers, b.outliers)
    }

    func testIntervalsFollowDIALSCounts() {
        // 90° at 15° → 6 intervals, 8 parameters; 90° at 20° → 5 intervals, 7 (as the DIALS scaled.expt shows).
        let m = PhysicalScalingModel(imageRange: 1...180, oscillationRangeDegrees: 0...90)
        XCTAssertEqual(m.scale.count, 8)
        XCTAssertEqual(m.decay?.count, 7)
        XCTAssertEqual(m.absorption?.count, 24, "lmax 4 for a scan over 60°")
        let short = PhysicalScalingModel(imageRange: 1...30, oscillationRangeDegrees: 0...30)
        XCTAssertNil(short.absorption, "no absorption for a 30° scan")
        XCTAssertEqual(short.scale.count, 6, "30° at the auto 8° interval: 4 intervals of 7.5°")
        let sixty = PhysicalScalingModel(imageRange: 1...120, oscillationRangeDegrees: 0...60)
        XCTAssertEqual(sixty.scale.count, 10, "as DIALS' thaumatin model: 8 intervals of 7.5°")
        XCTAssertEqual(sixty.decay?.count, 8)
    }

    func testSmootherReproducesConstantAndIsNormalised() {
        var f = SmoothRotationFunction(startDegrees: 10, rangeDegrees: 100, intervalDegrees: 15, value: 2.5)
        for x in stride(from: 0.0, through: 100, by: 7) {
            XCTAssertEqual(f.value(at: f.coordinate(degrees: 10 + x)), 2.5, accuracy: 1e-12)
            XCTAssertEqual(f.weights(at: f.coordinate(degrees: 10 + x)).reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-12)
        }
        f.parameters = f.positions.map { $0 }   // a linear ramp is followed closely inside the scan
        XCTAssertEqual(f.value(at: 3.3), 3.3, accuracy: 0.05)
    }

    /// The read-out visits only the positions near x; it must give exactly
    /// what weighing every position by the definition gives, inside the
    /// scan, at its ends, beyond them (nearest end) and for short scans.
    func testWeightsEqualTheDefinitionOverEveryPosition() {
        for (range, interval) in [(100.0, 15.0), (10.0, 15.0), (20.0, 15.0), (360.0, 5.0)] {
            let f = SmoothRotationFunction(startDegrees: -5, rangeDegrees: range, intervalDegrees: interval, value: 1)
            // A fine grid, and exactly the cutoff away from each position (where a position just counts).
            let xs = Array(stride(from: -8.0, through: Double(f.count) + 8, by: 0.137))
                + f.positions.flatMap { [$0 - 2.5, $0 + 2.5, $0] }
            for x in xs {
                var expected: [(Int, Double)] = [], total = 0.0
                for (j, p) in f.positions.enumerated() where abs(x - p) <= 2.5 {
                    let w = exp(-(x - p) * (x - p) / (2 * 0.5 * 0.5))
                    expected.append((j, w)); total += w
                }
                if total == 0 { expected = [(x < f.positions[0] ? 0 : f.count - 1, 1)]; total = 1 }
                let got = f.weights(at: x)
                XCTAssertEqual(got.map(\.index), expected.map(\.0), "range \(range), x \(x)")
                XCTAssertEqual(got.map(\.weight), expected.map { $0.1 / total }, "range \(range), x \(x)")
            }
        }
    }

    func testTooFewReflectionsIsAClearError() {
        let data = ScalingSyntheticData(unique: 5, perGroup: 2, scale: { _ in 1 }, b: { _ in 0 })
        let model = PhysicalScalingModel(imageRange: 1...90, oscillationRangeDegrees: 0...90)
        XCTAssertThrowsError(try ScalingProcedure.run(data.observations, models: [model])) { error in
            guard case ScalingError.tooFewReflections(let n, let p)? = error as? ScalingError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(n, 10); XCTAssertEqual(p, 39)
            XCTAssertTrue(String(describing: error).contains("too few reflections to scale"))
        }
    }
}
