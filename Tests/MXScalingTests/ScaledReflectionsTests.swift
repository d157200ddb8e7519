// Tests of selecting scaled observations from a reflection table and of the Wilson-outlier filter.
import XCTest
import MXMath
import MXModel
import MXSymmetry
@testable import MXScaling

final class ScaledReflectionsTests: XCTestCase {
    func experiments() -> ExperimentList {
        let crystal = Crystal(realSpaceA: Vec3(40, 0, 0), realSpaceB: Vec3(0, 50, 0), realSpaceC: Vec3(0, 0, 60),
                              spaceGroupHall: " P 2ac 2ab")
        let e = Experiment(beam: Beam(wavelength: 1), detector: Detector(panels: []),
                           scan: Scan(imageRange: 1...10, oscillationStartDegrees: 0, oscillationWidthDegrees: 1),
                           crystal: crystal)
        return ExperimentList([e])
    }

    func testSelectsScaledRowsAndAppliesInverseScale() throws {
        var t = ReflectionTable(count: 4)
        t.set("miller_index", .miller([MillerIndex(1, 2, 3), MillerIndex(-1, 2, 3), MillerIndex(2, 2, 2), MillerIndex(1, 1, 1)]))
        t.set("intensity.scale.value", .double([10, 20, 30, 40]))
        t.set("intensity.scale.variance", .double([4, 4, 4, 4]))
        t.set("inverse_scale_factor", .double([2, 0.5, 1, 1]))
        t.set("partiality", .double([1, 1, 1, 0.1]))
        t.set("xyzobs.px.value", .vec3([Vec3(1, 1, 0.5), Vec3(1, 1, 3.2), Vec3(1, 1, 5), Vec3(1, 1, 6)]))
        t.set("flags", .size([0, 0, ReflectionFlags.outlierInScaling.rawValue, 0]))
        let data = try UnmergedIntensities(scaled: t, experiments: experiments())
        // Row 2 is an outlier, row 3 too partial.
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data.intensities, [5, 40])
        XCTAssertEqual(data.sigmas, [1, 4])
        XCTAssertEqual(data.batches, [1, 4])
        XCTAssertEqual(data.indices, [Miller(1, 2, 3), Miller(1, 2, 3)])
        XCTAssertEqual(data.isPlus, [true, false])
        XCTAssertEqual(data.spaceGroup.number, 19)
    }

    func testMissingScaleColumnIsAUserError() {
        var t = ReflectionTable(count: 1)
        t.set("miller_index", .miller([MillerIndex(1, 2, 3)]))
        XCTAssertThrowsError(try UnmergedIntensities(scaled: t, experiments: experiments())) {
            XCTAssertTrue("\($0)".contains("intensity.scale.value"))
        }
    }

    func testWilsonOutlierRemoved() throws {
        let g = try SpaceGroup("P 1")
        let c = try UnitCell(parameters: [20, 20, 20, 90, 90, 90])
        let idx = CompleteSet.indices(spaceGroup: g, unitCell: c, dMin: 4)
        var inten = idx.map { _ in 100.0 }
        // One very strong reflection in the outermost (most populous, > 16 members) shell: E² ≥ 16.
        let outer = idx.indices.max { c.oneOverDSquared(idx[$0]) < c.oneOverDSquared(idx[$1]) }!
        inten[outer] = 4000
        let data = UnmergedIntensities(spaceGroup: g, unitCell: c, originalIndices: idx, intensities: inten,
                                       sigmas: inten.map { _ in 1 }, batches: inten.map { _ in 1 })
        let r = data.removingWilsonOutliers()
        XCTAssertEqual(r.removed, 1)
        XCTAssertFalse(r.data.intensities.contains(4000))
    }
}
