// Tests of basis reduction, lattice comparison, maximum-cell estimation, index assignment and symmetrisation.
import XCTest
import MXMath
import MXModel
@testable import MXIndexing

final class LatticeToolsTests: XCTestCase {
    func testGreedyReductionFindsShortestBasis() {
        let a = Vec3(10, 0, 0), b = Vec3(1, 12, 0), c = Vec3(2, 3, 15)
        // A skewed basis of the same lattice: b + 3a, c − 2a + 5b, a.
        let r = BasisReduction.reduce(b + a * 3, c - a * 2 + b * 5, a)
        let lengths = [r.basis.0.length, r.basis.1.length, r.basis.2.length]
        XCTAssertEqual(lengths[0], 10, accuracy: 1e-9)
        XCTAssertEqual(lengths[1], b.length, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(lengths[2], c.length + 1e-9)
        // Right-handed, same volume.
        XCTAssertEqual(r.basis.0.dot(r.basis.1.cross(r.basis.2)), a.dot(b.cross(c)), accuracy: 1e-6)
    }

    func testNiggliOfPrimitiveBodyCentredCubic() {
        // I-centred cubic 78 Å: primitive Niggli cell 67.55 Å ×3, 109.47° (insulin).
        let s = syntheticSetting([78, 78, 78, 90, 90, 90], axis: Vec3(0, 0, 1), angle: 0)
        let real = s.inverse!
        let p1 = (real.row0 + real.row1 + real.row2) * 0.5
        let primitive = Mat3(rows: p1, real.row1, real.row2).inverse!
        let cell = Indexer.cellParameters(BasisReduction.niggli(primitive))
        for l in cell[0..<3] { XCTAssertEqual(l, 78 * 3.0.squareRoot() / 2, accuracy: 1e-6) }
        for angle in cell[3...] { XCTAssertEqual(angle, 109.4712, accuracy: 1e-3) }
    }

    func testRotationBetweenLatticesUsesEquivalentSettings() throws {
        let s = syntheticSetting([50, 60, 70, 90, 90, 90], axis: Vec3(1, 2, 3), angle: 40)
        // A 180° turn about c* maps an orthorhombic lattice onto itself: no misorientation.
        let flipped = s * Mat3(-1, 0, 0, 0, -1, 0, 0, 0, 1)
        XCTAssertEqual(try XCTUnwrap(LatticeComparison.rotation(from: s, to: flipped)).angleDegrees, 0, accuracy: 1e-6)
        let turned = Mat3.rotation(axis: Vec3(0, 0, 1), angle: 0.1 * .pi / 180) * s
        XCTAssertEqual(try XCTUnwrap(LatticeComparison.rotation(from: s, to: turned)).angleDegrees, 0.1, accuracy: 1e-6)
        let other = syntheticSetting([40, 60, 70, 90, 90, 90], axis: Vec3(1, 2, 3), angle: 40)
        XCTAssertNil(LatticeComparison.rotation(from: s, to: other))
    }

    func testMaximumCellBracketsTheLongestEdge() throws {
        let setting = syntheticSetting([40, 50, 90, 90, 90, 90], axis: Vec3(1, 0, 1), angle: 30)
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [setting], experiment: experiment, dMin: 3, noise: 0)
        let g = SpotGeometry(pixels: spots.table.vec3s("xyzobs.px.value")!, variances: [], panels: [],
                             experiment: experiment)
        let estimate = try XCTUnwrap(MaximumCell.estimate(rlp: g.rlp, phi: g.xyzMm.map(\.z), entering: g.entering))
        XCTAssertGreaterThan(estimate, 90)
        XCTAssertLessThan(estimate, 200)
    }

    func testSpotGeometryInvertsPrediction() throws {
        let setting = syntheticSetting([40, 50, 60, 90, 90, 90], axis: Vec3(1, 0, 1), angle: 30)
        let experiment = syntheticExperiment(images: 30)
        let spots = syntheticSpots(settings: [setting], experiment: experiment, dMin: 5, noise: 0)
        let g = SpotGeometry(pixels: spots.table.vec3s("xyzobs.px.value")!, variances: [], panels: [],
                             experiment: experiment)
        // Every noiseless spot's rlp is A·h exactly for integer h.
        let assignment = IndexAssignment.assign(rlp: g.rlp, settings: [setting], tolerance: 0.01)
        XCTAssertEqual(assignment.lattice.filter { $0 == 0 }.count, g.count)
    }

    /// A slightly distorted tetragonal setting symmetrised for P 4₃2₁2 through
    /// the metric constraints: a = b, right angles, the orientation kept.
    func testSymmetrisedSettingObeysTheGroup() throws {
        let u = Mat3.rotation(axis: Vec3(1, 2, 3), angle: 0.7)
        let a = Crystal(realSpaceA: u * Vec3(79.2, 0, 0), realSpaceB: u * Vec3(0.05, 79.0, 0),
                        realSpaceC: u * Vec3(0, 0.04, 37.9)).A
        let s = try XCTUnwrap(LatticeRefinement.symmetrised(a, hall: " P 4nw 2abw"))
        let p = Indexer.cellParameters(s)
        XCTAssertEqual(p[0], p[1], accuracy: 1e-9)
        XCTAssertEqual(p[0], 79.1, accuracy: 0.01)
        XCTAssertEqual(p[2], 37.9, accuracy: 0.01)
        for k in 3..<6 { XCTAssertEqual(p[k], 90, accuracy: 1e-9) }
        XCTAssertLessThan(LatticeComparison.misorientationDegrees(s, a), 0.05)
        XCTAssertNil(LatticeRefinement.symmetrised(a, hall: "not a group"))
    }
}
