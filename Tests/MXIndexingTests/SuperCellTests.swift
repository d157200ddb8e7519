// Tests of the supercell rule: the sublattice that holds a cell's indexed points, for index 2 and 3.
import XCTest
import MXMath
import MXModel
@testable import MXIndexing

final class SuperCellTests: XCTestCase {
    /// Deterministic Miller indices in −12…12.
    private func indices(_ n: Int, seed: UInt64, where keep: (MillerIndex) -> Bool) -> [MillerIndex] {
        var rng = SplitMix64(seed: seed), out: [MillerIndex] = []
        while out.count < n {
            let m = MillerIndex(rng.next(below: 25) - 12, rng.next(below: 25) - 12, rng.next(below: 25) - 12)
            if !m.isZero && keep(m) { out.append(m) }
        }
        return out
    }

    /// Points of a doubled cell (h + l even) and of a tripled one (h + k + 2l ≡ 0 mod 3), with 5 % strays
    /// (the other domain's spots at empty nodes): the rule is found, and its basis M (determinant p) maps
    /// every obeying index to whole indices of the smaller cell (h' = M⁻¹h).
    func testFindsTheSublatticeOfIndexTwoAndThree() throws {
        let rules: [(p: Int32, v: [Int32])] = [(2, [1, 0, 1]), (3, [1, 1, 2])]
        for (p, v) in rules {
            let obey = { (m: MillerIndex) in (v[0] * m.h + v[1] * m.k + v[2] * m.l) % p == 0 }
            let hkl = indices(380, seed: UInt64(p), where: obey) + indices(20, seed: 99, where: { !obey($0) })
            let rule = try XCTUnwrap(SuperCell.sublattice(of: hkl), "rule \(v) mod \(p)")
            XCTAssertEqual(rule.p, p)
            for h in hkl { XCTAssertEqual(rule.obeys(h), obey(h)) }
            let m = rule.basis
            XCTAssertEqual(abs(m.determinant), Double(p), accuracy: 1e-9)
            let inverse = try XCTUnwrap(m.inverse)
            for h in hkl where obey(h) {
                let reduced = inverse * Vec3(Double(h.h), Double(h.k), Double(h.l))
                for x in [reduced.x, reduced.y, reduced.z] { XCTAssertEqual(x, x.rounded(), accuracy: 1e-9) }
            }
        }
    }

    /// The indices of a primitive cell obey no rule; too few points are not judged.
    func testNoRuleForAPrimitiveCellOrTooFewPoints() {
        XCTAssertNil(SuperCell.sublattice(of: indices(500, seed: 5, where: { _ in true })))
        XCTAssertNil(SuperCell.sublattice(of: indices(30, seed: 6, where: { $0.h % 2 == 0 })))
    }

    /// Reciprocal-lattice points A·h (|r| < 1/2.5 Å⁻¹), lowest resolution first, jittered by ~1 % of a node spacing.
    private func points(_ settings: [Mat3], seed: UInt64, keep: (MillerIndex) -> Bool = { _ in true }) -> [Vec3] {
        var rng = SplitMix64(seed: seed), out: [Vec3] = []
        for a in settings {
            for h in -25...25 { for k in -25...25 { for l in -25...25 {
                let m = MillerIndex(h, k, l)
                let r = a * Vec3(Double(h), Double(k), Double(l))
                guard !m.isZero, keep(m), r.length < 0.4 else { continue }
                out.append(r + Vec3(rng.nextNormal(), rng.nextNormal(), rng.nextNormal()) * 1.5e-4)
            } } }
        }
        return out.sorted { $0.lengthSquared < $1.lengthSquared }
    }

    /// Two domains 6° apart; the candidate is a cell of twice the volume holding the first domain's nodes
    /// and as many empty ones. Its stray nodes catch more of the second domain's spots than the true cell
    /// does, so it indexes more points, but those off the rule lie anywhere within the tolerance: the
    /// reduction returns the true cell.
    func testDoubledCellOfASplitCrystalIsReduced() throws {
        let truth = syntheticSetting([45, 52, 70, 90, 101, 90], axis: Vec3(0.6, 0.3, -0.7), angle: 52)
        let other = Mat3.rotation(axis: Vec3(-0.3, 0.8, 0.5).normalized, angle: 6 * .pi / 180) * truth
        let sample = points([truth, other], seed: 3)
        // Half-integer steps along (1, 0, 1)/2 in the true hkl: nodes between the true ones.
        let doubled = truth * Mat3(columns: Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0.5, 0, 0.5))
        let before = Indexer.fitCandidate(doubled, sample: sample, tolerance: 0.3)
        let after = Indexer.withoutEmptyNodes(before, sample: sample, tolerance: 0.3, minEdge: 5)
        XCTAssertEqual(abs(before.setting.inverse!.determinant) / abs(truth.inverse!.determinant), 2, accuracy: 0.01)
        XCTAssertEqual(abs(after.setting.inverse!.determinant) / abs(truth.inverse!.determinant), 1, accuracy: 0.01)
    }

    /// A real superstructure: one crystal whose nodes off the rule are weak but present (8 % of the points).
    /// The smaller cell cannot index those, so the cell is kept.
    func testSuperstructureWithSpotsOnEveryNodeIsKept() throws {
        let cell = syntheticSetting([90, 52, 70, 90, 101, 90], axis: Vec3(0.2, -0.4, 0.9), angle: 17)
        var rng = SplitMix64(seed: 11)
        let sample = points([cell], seed: 4) { m in m.h % 2 == 0 || rng.nextDouble() < 0.09 }
        let fit = Indexer.fitCandidate(cell, sample: sample, tolerance: 0.3)
        let hkl = fit.indexed.map { fit.assignment.hkl[$0] }
        XCTAssertNotNil(SuperCell.sublattice(of: hkl), "the rule h even holds for over 90 % of the points")
        let after = Indexer.withoutEmptyNodes(fit, sample: sample, tolerance: 0.3, minEdge: 5)
        XCTAssertEqual(abs(after.setting.inverse!.determinant) / abs(cell.inverse!.determinant), 1, accuracy: 0.001)
    }
}
