// Tests of the selection and correction of integrated intensities from a reflection table.
import XCTest
import MXModel
@testable import MXSymmetryAnalysis

final class IntensityObservationTests: XCTestCase {
    func testProfileFittedPreferredCorrectedByLpAndQeAndCutByPartiality() throws {
        var t = ReflectionTable(count: 4)
        t.set(ReflectionTable.Name.millerIndex, .miller([MillerIndex(1, 2, 3), MillerIndex(0, 0, 0),
                                                        MillerIndex(2, 0, 0), MillerIndex(1, 1, 1)]))
        t.set(ReflectionTable.Name.intensitySumValue, .double([10, 10, 20, 30]))
        t.set(ReflectionTable.Name.intensitySumVariance, .double([4, 4, 4, 9]))
        t.set(ReflectionTable.Name.intensityPrfValue, .double([12, 12, 22, 32]))
        t.set(ReflectionTable.Name.intensityPrfVariance, .double([5, 5, 5, 5]))
        t.set("lp", .double([0.5, 0.5, 2, 1]))
        t.set("qe", .double([0.8, 0.8, 1, 1]))
        t.set("partiality", .double([0.99, 0.99, 0.99, 0.2]))
        let sum = ReflectionFlags.integratedSum.rawValue, both = ReflectionFlags.integrated.rawValue
        t.set(ReflectionTable.Name.flags, .size([both, both, sum, both]))
        let s = try IntensityObservation.select(from: t)
        // Row 1 has hkl 0 0 0, row 3 partiality 0.2 < 0.4.
        XCTAssertEqual(s.observations.count, 2)
        XCTAssertEqual(s.profileFitted, 1); XCTAssertEqual(s.summation, 1)
        XCTAssertEqual(s.observations[0].intensity, 12 * 0.5 / 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.observations[0].variance, 5 * 0.625 * 0.625, accuracy: 1e-12)
        XCTAssertEqual(s.observations[1].intensity, 40, accuracy: 1e-12)
        XCTAssertEqual(s.observations[1].variance, 16, accuracy: 1e-12)
    }

    func testTableWithoutIntensitiesIsRefused() {
        var t = ReflectionTable(count: 1)
        t.set(ReflectionTable.Name.millerIndex, .miller([MillerIndex(1, 0, 0)]))
        XCTAssertThrowsError(try IntensityObservation.select(from: t)) {
            XCTAssertEqual($0 as? SymmetryAnalysisError, .noIntensities)
        }
    }
}
