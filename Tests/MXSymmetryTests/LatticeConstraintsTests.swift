// Tests of metric-tensor constraints against cctbx's tensor_rank_2_constraints and average_unit_cell.
import XCTest
import MXMath
@testable import MXSymmetry

final class LatticeConstraintsTests: XCTestCase {
    // /usr/bin/python3 -c "from cctbx import sgtbx
    // for g in ['P 1','P 1 2 1',...]: c=sgtbx.tensor_rank_2_constraints(
    //   space_group=sgtbx.space_group_info(g).group(), reciprocal_space=True)
    //   print(g, c.n_independent_params(), list(c.independent_indices))"
    func testFreeParametersMatchCctbx() throws {
        let expected: [(String, [Int])] = [
            ("P 1", [0, 1, 2, 3, 4, 5]), ("P 1 2 1", [0, 1, 2, 4]), ("C 1 2 1", [0, 1, 2, 4]), ("P 2 2 2", [0, 1, 2]),
            ("P 4", [1, 2]), ("I 4", [1, 2]), ("P 3", [2, 3]), ("P 6", [2, 3]), ("R 3 :H", [2, 3]),
            ("R 3 :R", [2, 5]), ("P 2 3", [2]), ("I 2 3", [2]), ("P 43 21 2", [1, 2]), ("I 21 3", [2]),
        ]
        for (symbol, indices) in expected {
            let c = try MetricConstraints(spaceGroup: try sg(symbol))
            XCTAssertEqual(c.independentIndices, indices, symbol)
            XCTAssertEqual(c.freeParameterCount, indices.count, symbol)
        }
    }

    func testCountsFromLatticeRotationsWithoutTable() throws {
        // The lattice point groups of Bravais settings (no syminfo.lib needed).
        var rng = SplitMix(seed: 11)
        let counts: [BravaisLattice: Int] = [.aP: 6, .mP: 4, .mC: 4, .mI: 4, .oP: 3, .oC: 3, .oF: 3, .oI: 3,
                                             .tP: 2, .tI: 2, .hP: 2, .hR: 2, .cP: 1, .cF: 1, .cI: 1]
        for (p, c) in [([60.0, 60, 90, 90, 90, 90], Character("I")), ([60, 60, 90, 90, 90, 120], "P"),
                       ([60, 60, 150, 90, 90, 120], "R"), ([70, 70, 70, 90, 90, 90], "P")] {
            for s in try LatticeSymmetry.bravaisSettings(of: try primitiveCell(p, c, &rng)) {
                XCTAssertEqual(try MetricConstraints(rotations: s.rotations).freeParameterCount, counts[s.lattice],
                               "\(s.lattice)")
            }
        }
    }

    func testRoundTripAndJacobian() throws {
        let cell = try UnitCell(parameters: [57.8, 57.8, 150.2, 90, 90, 90])
        let c = try MetricConstraints(spaceGroup: try sg("P 41 21 2"))
        let p = c.parameters(from: cell)
        XCTAssertEqual(p.count, 2)
        XCTAssertEqual(p[0], 1 / (57.8 * 57.8), accuracy: 1e-15)
        XCTAssertEqual(p[1], 1 / (150.2 * 150.2), accuracy: 1e-15)
        XCTAssertLessThan(try c.unitCell(from: p).maxParameterDifference(cell).length, 1e-9)
        XCTAssertEqual(c.reciprocalMetric(from: p).maxAbsDifference(cell.reciprocalMetricTensor), 0, accuracy: 1e-15)
        // Hexagonal: G*11 = G*22 = 2·G*12, free G*33 and G*12.
        let hex = try MetricConstraints(spaceGroup: try sg("P 6"))
        XCTAssertEqual(hex.jacobian[1], [2, 2, 0, 1, 0, 0])
        let hcell = try UnitCell(parameters: [60, 60, 90, 90, 90, 120])
        XCTAssertLessThan(try hex.unitCell(from: hex.parameters(from: hcell)).maxParameterDifference(hcell).length, 1e-9)
        // Triclinic round trip.
        let tri = try MetricConstraints(rotations: [LatticeSymmetry.identity])
        let tcell = try UnitCell(parameters: [28.5, 35.2, 41.7, 82.1, 76.5, 68.9])
        XCTAssertLessThan(try tri.unitCell(from: tri.parameters(from: tcell)).maxParameterDifference(tcell).angleDegrees, 1e-9)
    }

    // sgtbx.space_group_info(G).group().average_unit_cell(uctbx.unit_cell(P)):
    //   P 2 3,  (78.1,77.9,78.0,90.1,89.9,90.05)     → a = 78.000043, 90°
    //   P 4,    (57.7,57.9,150.2,90.2,89.7,90.1)     → (57.80009, 57.80009, 150.2, 90, 90, 90)
    //   R 3 :H, (60.1,59.9,150.2,90.2,89.7,119.8)    → (60.06063, 60.06063, 150.2, 90, 90, 120)
    func testSymmetrizedMatchesCctbxAverageUnitCell() throws {
        let cases: [(String, [Double], [Double])] = [
            ("P 2 3", [78.1, 77.9, 78.0, 90.1, 89.9, 90.05], [78.000043, 78.000043, 78.000043, 90, 90, 90]),
            ("P 4", [57.7, 57.9, 150.2, 90.2, 89.7, 90.1], [57.80009, 57.80009, 150.2, 90, 90, 90]),
            ("R 3 :H", [60.1, 59.9, 150.2, 90.2, 89.7, 119.8], [60.06063, 60.06063, 150.2, 90, 90, 120]),
        ]
        for (symbol, input, expected) in cases {
            let s = try UnitCell(parameters: input).symmetrized(by: try sg(symbol))
            for i in 0..<6 { XCTAssertEqual(s.parameters[i], expected[i], accuracy: 1e-5, "\(symbol) \(s)") }
        }
    }
}
