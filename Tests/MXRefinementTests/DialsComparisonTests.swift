// End-to-end check against dials.refine on a committed subset of DIALS-indexed insulin spots.
import XCTest
import Foundation
import MXMath
import MXModel
import MXFormats
import MXPrediction
@testable import MXRefinement

final class DialsComparisonTests: XCTestCase {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name).path
    }

    /// Fixtures: `dials.index` (3.12) output on the shared insulin_i213 sweep
    /// (found with dials.find_spots), every 33rd indexed reflection (602 rows,
    /// columns trimmed). Expected values from
    ///   dials.refine insulin_indexed.expt insulin_indexed.refl scan_varying=False outlier.algorithm=null
    /// (598 reflections; RMSDs 0.12586 px, 0.13012 px, 0.22221 images; cell
    /// 67.56907(2564), 67.56517(2474), 67.56482(2408), 109.47009(257), 109.46960(372), 109.47289(384)).
    func testMatchesDialsRefineWithoutOutlierRejection() throws {
        let experiments = try ExperimentListCodec.read(path: Self.fixture("insulin_indexed.expt"))
        let reflections = try ReflectionTableCodec.read(path: Self.fixture("insulin_indexed.refl"))
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        let r = try refine(experiments: experiments, reflections: reflections, parameters: p)
        XCTAssertEqual(r.rmsds[0].count, 598)
        XCTAssertEqual(r.rmsds[0].xPixel, 0.12586, accuracy: 2e-5)
        XCTAssertEqual(r.rmsds[0].yPixel, 0.13012, accuracy: 2e-5)
        XCTAssertEqual(r.rmsds[0].phiFrames, 0.22221, accuracy: 2e-5)
        let expected = [67.56907338751924, 67.56516815903076, 67.56481800644292,
                        109.470094511866, 109.46959880054067, 109.47288723643832]
        let esd = [0.02563701659362359, 0.024736632557235433, 0.02407634390627469,
                   0.002567992706862129, 0.0037172677695101993, 0.003837855209999106]
        for k in 0..<6 {
            XCTAssertEqual(r.cells[0].parameters[k], expected[k], accuracy: 0.1 * esd[k], "cell parameter \(k)")
            XCTAssertEqual(r.cells[0].esds[k], esd[k], accuracy: 0.05 * esd[k], "e.s.d. \(k)")
        }
        // dials.refine's detector origin and s0 after refinement.
        XCTAssertLessThan(r.experiments[0].detector[0].origin
            .maxAbsDifference(Vec3(-39.083923215172405, 36.697605601863216, -120.02345642941577)), 2e-3)
        XCTAssertLessThan(r.experiments[0].beam.s0.maxAbsDifference(Vec3(0.00010347317809825113, 0, -1.0242753199809416)), 2e-6)
    }

    /// The fixture's mm centroids are DIALS' conversion of its px centroids;
    /// refinement from px columns alone gives the same result.
    func testPixelCentroidsAreConvertedAsDialsDoes() throws {
        let experiments = try ExperimentListCodec.read(path: Self.fixture("insulin_indexed.expt"))
        let reflections = try ReflectionTableCodec.read(path: Self.fixture("insulin_indexed.refl"))
        let converted = try centroidsInMillimetres(experiments, reflections)
        let a = converted.vec3s("xyzobs.mm.value")!, b = reflections.vec3s("xyzobs.mm.value")!
        let va = converted.vec3s("xyzobs.mm.variance")!, vb = reflections.vec3s("xyzobs.mm.variance")!
        for i in 0..<a.count {
            // DIALS converted with the imported geometry; the parallax correction here uses the
            // indexed (refined) detector, which moves positions by ~2e-6 mm (3e-5 px).
            XCTAssertLessThan(a[i].maxAbsDifference(b[i]), 1e-5)
            XCTAssertLessThan(va[i].maxAbsDifference(vb[i]), 1e-12)
        }
        var pxOnly = reflections
        pxOnly.removeColumn("xyzobs.mm.value"); pxOnly.removeColumn("xyzobs.mm.variance")
        var p = RefinementParameters()
        p.outlierAlgorithm = .none
        let r = try refine(experiments: experiments, reflections: pxOnly, parameters: p)
        XCTAssertEqual(r.rmsds[0].xPixel, 0.12586, accuracy: 2e-5)
    }
}
