// Tests of the Bravais settings table: lattice found and recommended, CCs, reindexing round trip, bad input.
import XCTest
import MXMath
import MXModel
import MXPrediction
import MXSymmetry
@testable import MXRefinement

final class BravaisSettingsRefinementTests: XCTestCase {
    /// A tetragonal crystal (50, 50, 70 Å) indexed as triclinic in the basis
    /// c,a,b (cell 70, 50, 50), with spots whose summed intensities obey 4/mmm.
    static func triclinicTetragonal() throws -> (ExperimentList, ReflectionTable) {
        var e = Synthetic.experiment(spaceGroupHall: " P 1", cell: [50, 50, 70, 90, 90, 90])
        var spots = Synthetic.spots(e, dMin: 5, noise: 1)
        // Intensities a function of the 4/mmm invariants (h² + k², |l|, |h|·|k|), deterministic.
        let hkl = spots.millerIndices(ReflectionTable.Name.millerIndex)!
        let intensity = hkl.map { m -> Double in
            let h = Double(m.h), k = Double(m.k), l = Double(m.l)
            let x = (h * h + k * k) * 0.37 + abs(l) * 1.3 + abs(h * k) * 0.11
            return 2000 + 1500 * sin(x) * cos(0.7 * x)
        }
        spots.set(ReflectionTable.Name.intensitySumValue, .double(intensity))
        spots.set(ReflectionTable.Name.intensitySumVariance, .double(intensity.map { max($0, 1) }))
        let op = try ChangeOfBasis(parsing: "c,a,b")
        e.crystal = try e.crystal!.changedBasis(op)
        spots = try BravaisSettingsRefinement.reindex(spots, by: op)
        return (ExperimentList([e]), spots)
    }

    func testTetragonalLatticeRecommendedAsHighestSymmetry() throws {
        let (experiments, spots) = try Self.triclinicTetragonal()
        let solutions = try BravaisSettingsRefinement.run(experiments: experiments, reflections: spots)
        let lattices = solutions.map(\.setting.lattice)
        XCTAssertTrue(lattices.contains(.tP))
        XCTAssertFalse(lattices.contains(.cP), "a 50/70 Å cell is nowhere near cubic")
        XCTAssertEqual(solutions.last?.setting.lattice, .aP)
        XCTAssertEqual(solutions.last?.number, 1)
        XCTAssertEqual(solutions.first?.number, solutions.count)
        let best = try XCTUnwrap(solutions.filter(\.recommended).max { $0.setting.lattice.holohedryNumber < $1.setting.lattice.holohedryNumber })
        XCTAssertEqual(best.setting.lattice, .tP)
        let tp = try XCTUnwrap(solutions.first { $0.setting.lattice == .tP })
        XCTAssertEqual(tp.cell.a, 50, accuracy: 0.05)
        XCTAssertEqual(tp.cell.c, 70, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(tp.minCC), 1, accuracy: 1e-9, "intensities are exactly 4/mmm-symmetric")
        let p1 = try XCTUnwrap(solutions.last)
        XCTAssertLessThan(tp.rmsd, 1.5 * p1.rmsd)
        XCTAssertNil(p1.minCC, "P1 has only the identity")
        XCTAssertEqual(tp.experiments[0].crystal?.spaceGroupHall.trimmingCharacters(in: .whitespaces), "P 4")
    }

    /// Settings refined on several threads give the table of one thread, row for row.
    func testThreadsChangeNothing() throws {
        let (experiments, spots) = try Self.triclinicTetragonal()
        let one = try BravaisSettingsRefinement.run(experiments: experiments, reflections: spots)
        let three = try BravaisSettingsRefinement.run(experiments: experiments, reflections: spots, threads: 3)
        XCTAssertGreaterThan(one.count, 2)
        XCTAssertEqual(three.map(\.number), one.map(\.number))
        XCTAssertEqual(three.map(\.setting.changeOfBasis.description), one.map(\.setting.changeOfBasis.description))
        XCTAssertEqual(three.map(\.rmsd), one.map(\.rmsd))
        XCTAssertEqual(three.map(\.minCC), one.map(\.minCC))
        XCTAssertEqual(three.map(\.recommended), one.map(\.recommended))
        XCTAssertEqual(three.map { $0.cell.parameters }, one.map { $0.cell.parameters })
    }

    func testRecommendationRules() throws {
        let (experiments, spots) = try Self.triclinicTetragonal()
        var solutions = try BravaisSettingsRefinement.run(experiments: experiments, reflections: spots)
        let p1 = solutions.last!.rmsd
        let i = solutions.firstIndex { $0.setting.lattice == .tP }!
        solutions[i].rmsd = 2.5 * p1
        solutions[i].minCC = 0.9
        BravaisSettingsRefinement.markRecommended(&solutions)
        XCTAssertTrue(solutions[i].recommended, "good CC: up to 3 × P1 rmsd allowed")
        solutions[i].minCC = 0.6
        BravaisSettingsRefinement.markRecommended(&solutions)
        XCTAssertFalse(solutions[i].recommended, "CC < 0.7 and rmsd > 2 × P1")
        solutions[i].minCC = 0.9
        solutions[i].rmsd = 3.1 * p1
        BravaisSettingsRefinement.markRecommended(&solutions)
        XCTAssertFalse(solutions[i].recommended, "rmsd > 3 × P1")
    }

    func testReindexRoundTripKeepsIndicesAndPredictions() throws {
        let e = Synthetic.experiment()
        let spots = Synthetic.spots(e, dMin: 6)
        let op = try ChangeOfBasis(parsing: "a+b,c,-a")
        let there = try BravaisSettingsRefinement.reindex(spots, by: op)
        XCTAssertNotEqual(there.millerIndices(ReflectionTable.Name.millerIndex), spots.millerIndices(ReflectionTable.Name.millerIndex))
        let back = try BravaisSettingsRefinement.reindex(there, by: op.inverse)
        XCTAssertEqual(back.millerIndices(ReflectionTable.Name.millerIndex), spots.millerIndices(ReflectionTable.Name.millerIndex))
        // Predictions unchanged: A′·h′ = A·h for every spot.
        let crystal = e.crystal!, moved = try crystal.changedBasis(op)
        for (h, h2) in zip(spots.millerIndices(ReflectionTable.Name.millerIndex)!.prefix(200),
                           there.millerIndices(ReflectionTable.Name.millerIndex)!.prefix(200)) {
            let q = crystal.A * Vec3(Double(h.h), Double(h.k), Double(h.l))
            let q2 = moved.A * Vec3(Double(h2.h), Double(h2.k), Double(h2.l))
            XCTAssertEqual((q - q2).length, 0, accuracy: 1e-12)
        }
    }

    func testReindexByCentringLeavesNonIntegralIndicesUnindexed() throws {
        let e = Synthetic.experiment()
        let spots = Synthetic.spots(e, dMin: 8)
        // x,y,z form of a halving basis: h′ = h·P with P = ½(…) is non-integral for odd h + k.
        let op = try ChangeOfBasis(parsing: "1/2*a+1/2*b,-1/2*a+1/2*b,c")
        let out = try BravaisSettingsRefinement.reindex(spots, by: op)
        let hkl = spots.millerIndices(ReflectionTable.Name.millerIndex)!
        let odd = hkl.filter { (Int($0.h) + Int($0.k)) % 2 != 0 }.count
        XCTAssertGreaterThan(odd, 0)
        XCTAssertEqual(out.millerIndices(ReflectionTable.Name.millerIndex)!.filter(\.isZero).count, odd)
        XCTAssertEqual(out.hasFlags(.indexed).filter { !$0 }.count, odd)
    }

    func testBadInput() throws {
        let (experiments, spots) = try Self.triclinicTetragonal()
        var unindexed = spots
        unindexed.set(ReflectionTable.Name.millerIndex, .miller(Array(repeating: MillerIndex(0, 0, 0), count: spots.count)))
        XCTAssertThrowsError(try BravaisSettingsRefinement.run(experiments: experiments, reflections: unindexed)) {
            XCTAssertEqual($0 as? BravaisSettingsError, .noIndexedReflections)
        }
        var noCrystal = experiments
        noCrystal.experiments[0].crystal = nil
        XCTAssertThrowsError(try BravaisSettingsRefinement.run(experiments: noCrystal, reflections: spots)) {
            XCTAssertEqual($0 as? BravaisSettingsError, .noCrystal)
        }
        XCTAssertThrowsError(try ChangeOfBasis(parsing: "a+b,c"))
    }
}
