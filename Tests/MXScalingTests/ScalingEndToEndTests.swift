// End-to-end scaling of a small committed DIALS-integrated fixture (sim_p43212_se, symmetrized by dials.symmetry).
import Foundation
import MXFormats
import MXModel
import MXScaling
import XCTest

final class ScalingEndToEndTests: XCTestCase {
    /// Tests/Fixtures/scaling beside this file's test folder.
    func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scaling/\(name)").path
    }

    func load() throws -> (ExperimentList, ReflectionTable) {
        let list = try ExperimentListCodec.read(path: fixture("sim_p43212_se_symmetrized.expt"))
        let table = try ReflectionTableCodec.read(path: fixture("sim_p43212_se_symmetrized.refl"))
        return (list, table)
    }

    func testScalesFixtureAndImprovesAgreement() throws {
        let (list, table) = try load()
        // Se data with a strong anomalous signal: keep I(+) and I(−) apart, as the equivalents differ.
        var filter = ScalingFilter()
        filter.anomalous = true
        let (obs, _) = try ScalingInput.observations(table: table, experiments: list, filter: filter, lmax: 0)
        XCTAssertGreaterThan(obs.usable.filter { $0 }.count, 2000)
        let scan = try XCTUnwrap(list[0].scan)
        let r = scan.oscillationRange
        let model = PhysicalScalingModel(imageRange: scan.imageRange,
                                         oscillationRangeDegrees: (r.lowerBound * 180 / .pi)...(r.upperBound * 180 / .pi))
        let result = try ScalingProcedure.run(obs, models: [model])
        let use = (0..<obs.count).map { obs.usable[$0] && !result.outliers[$0] }
        let ones = [Double](repeating: 1, count: obs.count)
        let before = ScalingProcedure.rMeas(result.intensities, g: ones, group: obs.group, groupCount: obs.groupCount, use: use)
        let after = ScalingProcedure.rMeas(result.intensities, g: result.inverseScales, group: obs.group,
                                           groupCount: obs.groupCount, use: use)
        // The fit is σ-weighted and Rmeas is not, and this simulation has no scale
        // variation to correct: allow 5%.
        XCTAssertLessThanOrEqual(after, before * 1.05, "scaling does not worsen Rmeas")
        XCTAssertLessThan(after, 0.1)
        XCTAssertTrue(result.inverseScales.allSatisfy { $0 > 0.5 && $0 < 2 })
        let e = try XCTUnwrap(result.errorModel)
        XCTAssertGreaterThan(e.a, 0.8); XCTAssertLessThan(e.a, 2)
        XCTAssertLessThan(result.outliers.filter { $0 }.count, obs.count / 50)
    }

    /// A sum over a foreground with invalid pixels misses part of the spot:
    /// where the profile fit exists it stands in for the sum.
    func testSumOverBadForegroundPixelsGivesWayToTheProfileFit() throws {
        let (list, original) = try load()
        var table = original
        let flags = table.flags
        let i = try XCTUnwrap(flags.indices.first { flags[$0].contains(.integratedPrf) && flags[$0].contains(.integratedSum)
            && !flags[$0].contains(.foregroundIncludesBadPixels) })
        let j = try XCTUnwrap(flags.indices.last { flags[$0].contains(.integratedPrf) && flags[$0].contains(.integratedSum)
            && !flags[$0].contains(.foregroundIncludesBadPixels) })
        var mask = [Bool](repeating: false, count: table.count)
        mask[i] = true
        table.setFlags(.foregroundIncludesBadPixels, where: mask)
        let filter = ScalingFilter()
        let (before, _) = try ScalingInput.observations(table: original, experiments: list, filter: filter, lmax: 0)
        let (after, _) = try ScalingInput.observations(table: table, experiments: list, filter: filter, lmax: 0)
        let fitted = try XCTUnwrap(after.profileIntensity[i]), variance = try XCTUnwrap(after.profileVariance[i])
        XCTAssertNotEqual(before.summedIntensity[i], fitted)
        XCTAssertEqual(after.summedIntensity[i], fitted)
        XCTAssertEqual(after.summedVariance[i], variance)
        // Other rows keep their sums.
        XCTAssertEqual(after.summedIntensity[j], before.summedIntensity[j])
    }

    /// In P1 from one sweep I(+) and I(−) have no equivalents of their own hand: asked
    /// to keep them apart, scaling merges Friedel mates instead of failing, and says so.
    func testAnomalousInP1ScalesWithFriedelMatesTogether() throws {
        let (original, table) = try load()
        var list = original
        list.experiments[0].crystal?.spaceGroupHall = " P 1"
        var filter = ScalingFilter()
        filter.anomalous = true
        let (obs, _) = try ScalingInput.observations(table: table, experiments: list, filter: filter, lmax: 0)
        let scan = try XCTUnwrap(list[0].scan)
        let r = scan.oscillationRange
        let model = PhysicalScalingModel(imageRange: scan.imageRange,
                                         oscillationRangeDegrees: (r.lowerBound * 180 / .pi)...(r.upperBound * 180 / .pi))
        XCTAssertThrowsError(try ScalingProcedure.run(obs, models: [model])) {
            guard case ScalingError.tooFewReflections? = $0 as? ScalingError else { return XCTFail("\($0)") }
        }
        let prepared = try ScalingProcedure.prepareAndRun(table: table, experiments: list, filter: filter, lmax: 0,
                                                          models: [model])
        XCTAssertFalse(prepared.anomalousGroups)
        XCTAssertTrue(prepared.anomalousNote?.contains("anomalous statistics are unavailable") ?? false)
        XCTAssertTrue(prepared.result.inverseScales.allSatisfy { $0 > 0.5 && $0 < 2 })
        // Merged Friedel mates do have equivalents: fewer groups than observations.
        XCTAssertLessThan(prepared.observations.groupCount, prepared.observations.count * 9 / 10)
        // And with them kept apart by a symmetric group, nothing changes.
        let normal = try ScalingProcedure.prepareAndRun(table: table, experiments: original, filter: filter, lmax: 0,
                                                        models: [model])
        XCTAssertTrue(normal.anomalousGroups)
        XCTAssertNil(normal.anomalousNote)
    }

    func testDMinBeyondTheDataIsAClearError() throws {
        let (list, table) = try load()
        var filter = ScalingFilter()
        filter.dMin = 0.5
        XCTAssertThrowsError(try ScalingInput.observations(table: table, experiments: list, filter: filter, lmax: 0)) {
            guard case ScalingError.resolutionBeyondData? = $0 as? ScalingError else { return XCTFail("\($0)") }
            XCTAssertTrue(String(describing: $0).contains("is beyond the data"))
        }
    }
}
