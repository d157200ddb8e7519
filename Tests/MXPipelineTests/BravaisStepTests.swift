// Tests of BravaisStep.reindex: experiments and reflections moved into a new basis with a new space group.
import XCTest
import MXLogging
import MXMath
import MXModel
import MXSymmetry
@testable import MXPipeline

final class BravaisStepTests: XCTestCase {
    /// Symmetry analysis can replace an indexed lattice's group (here a wrong I 2 2 2) by one of lower
    /// symmetry in another basis. I 2 2 2 itself has no syminfo setting in that basis; the reindexing
    /// must not need one, since the group is replaced.
    func testNewGroupNeedNotExistInTheOldGroupsNewBasis() throws {
        let crystal = Crystal(realSpaceA: Vec3(60, 0, 0), realSpaceB: Vec3(0, 70, 0), realSpaceC: Vec3(0, 0, 80),
                              spaceGroupHall: " I 2 2")
        let list = ExperimentList([Experiment(identifier: "x", beam: Beam(direction: Vec3(0, 0, 1), wavelength: 1),
                                              detector: Detector(panels: []), crystal: crystal)])
        var table = ReflectionTable(count: 2)
        table.set(ReflectionTable.Name.millerIndex, .miller([MillerIndex(1, 1, 0), MillerIndex(2, 0, 2)]))
        let op = try ChangeOfBasis(parsing: "-a-c,b,a")
        let c2 = try SpaceGroup("C 1 2 1")
        let (moved, reindexed) = try BravaisStep.reindex(list, table, by: op, group: c2, logger: .silent)
        let out = try XCTUnwrap(moved?[0].crystal)
        XCTAssertEqual(out.spaceGroupHall, c2.hall)
        // a′ = −a − c, b′ = b, c′ = a.
        XCTAssertEqual(out.realSpaceA.x, -60, accuracy: 1e-9)
        XCTAssertEqual(out.realSpaceA.z, -80, accuracy: 1e-9)
        XCTAssertEqual(out.realSpaceC.x, 60, accuracy: 1e-9)
        XCTAssertEqual(reindexed.millerIndices(ReflectionTable.Name.millerIndex)?.count, 2)
    }

    /// process keeps a further lattice only when it is lattice 1 rotated: a supercell (one axis doubled)
    /// fitted to overlapping spots is another metric, and its indices could not be merged with lattice 1's.
    func testFurtherLatticeOfAnotherMetricIsFound() throws {
        let real = Mat3(rows: Vec3(45, 0, 0), Vec3(0, 70, 0), Vec3(-10, 0, 51))
        let a1 = real.inverse!
        let rotated = (Mat3.rotation(axis: Vec3(0.3, -0.5, 0.8).normalized, angle: 3 * .pi / 180) * real.transposed)
            .transposed.inverse!
        let doubled = Mat3(rows: real.row0 * 2, real.row1, real.row2).inverse!
        XCTAssertNil(ProcessRun.latticeOfAnotherMetric([a1, rotated]))
        XCTAssertEqual(ProcessRun.latticeOfAnotherMetric([a1, rotated, doubled]), 2)
        XCTAssertNil(ProcessRun.latticeOfAnotherMetric([a1]))
    }
}
