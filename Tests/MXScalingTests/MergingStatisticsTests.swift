// Tests of merging and the merging statistics on hand-made data with answers worked out by hand.
import XCTest
import MXSymmetry
@testable import MXScaling

final class MergingStatisticsTests: XCTestCase {
    let cell = try! UnitCell(parameters: [10, 10, 10, 90, 90, 90])

    /// Three reflections in P1: (1,0,0) seen as 10 and 12, (0,1,0) as 5, 5, 8, (0,0,1) once as 7; all σ = 1.
    func tinySet() throws -> UnmergedIntensities {
        let g = try SpaceGroup("P 1")
        return UnmergedIntensities(
            spaceGroup: g, unitCell: cell,
            originalIndices: [Miller(1, 0, 0), Miller(-1, 0, 0), Miller(0, 1, 0), Miller(0, -1, 0), Miller(0, 1, 0),
                              Miller(0, 0, 1)],
            intensities: [10, 12, 5, 5, 8, 7], sigmas: [1, 1, 1, 1, 1, 1], batches: [1, 2, 1, 2, 3, 1])
    }

    func testMergingIsInverseVarianceWeighted() throws {
        let g = try SpaceGroup("P 1")
        let data = UnmergedIntensities(spaceGroup: g, unitCell: cell, originalIndices: [Miller(1, 2, 3), Miller(-1, -2, -3)],
                                       intensities: [10, 20], sigmas: [1, 2], batches: [1, 2])
        let merged = MergedIntensities(merging: data, anomalous: false)
        XCTAssertEqual(merged.count, 1)
        // w = 1, 1/4: ⟨I⟩ = (10 + 5)/1.25 = 12, σ = 1/√1.25.
        XCTAssertEqual(merged.intensities[0], 12, accuracy: 1e-12)
        XCTAssertEqual(merged.sigmas[0], 1 / 1.25.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(merged.multiplicities, [2])
        // Anomalous: I(+) and I(−) apart.
        let anomalous = MergedIntensities(merging: data, anomalous: true)
        XCTAssertEqual(anomalous.count, 2)
        XCTAssertEqual(anomalous.keys.map(\.isPlus), [true, false])
        XCTAssertEqual(anomalous.intensities, [10, 20])
        let pairs = anomalous.anomalousPairs()
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual(pairs[0].plus - pairs[0].minus, -10)
    }

    func testCentricReflectionsAreNotSplitByFriedelSign() throws {
        let g = try SpaceGroup("P 2 2 2")
        // (1,2,0) is centric in mmm: its Friedel mate is symmetry-equivalent.
        let data = UnmergedIntensities(spaceGroup: g, unitCell: cell, originalIndices: [Miller(1, 2, 0), Miller(-1, -2, 0)],
                                       intensities: [4, 6], sigmas: [1, 1], batches: [1, 1])
        let merged = MergedIntensities(merging: data, anomalous: true)
        XCTAssertEqual(merged.count, 1)
        XCTAssertEqual(merged.intensities[0], 5)
    }

    func testRFactorsByHand() throws {
        let s = MergingStatistics.statistics(try tinySet(), dMax: 10, dMin: 10, anomalous: false,
                                             method: .halfDataset, seed: 1)
        // Σ|I − ⟨I⟩| = 2 + 4 over groups with n ≥ 2; Σ I = 22 + 18.
        XCTAssertEqual(s.rMerge, 6.0 / 40, accuracy: 1e-12)
        XCTAssertEqual(s.rMeas, (2.0.squareRoot() * 2 + 1.5.squareRoot() * 4) / 40, accuracy: 1e-12)
        XCTAssertEqual(s.rPim, (2 + 0.5.squareRoot() * 4) / 40, accuracy: 1e-12)
        XCTAssertEqual(s.observations, 6)
        XCTAssertEqual(s.unique, 3)
        XCTAssertEqual(s.multiplicity, 2)
        // ⟨I/σ⟩ of merged: 11·√2, 6·√3, 7.
        XCTAssertEqual(s.meanIOverSigma, (11 * 2.0.squareRoot() + 6 * 3.0.squareRoot() + 7) / 3, accuracy: 1e-12)
        // P1 to d = 10 Å in a 10 Å cube: (1,0,0), (0,1,0), (0,0,1) → complete.
        XCTAssertEqual(s.possible, 3)
        XCTAssertEqual(s.completeness, 1)
    }

    func testCCHalfOfIdenticalHalvesIsOne() throws {
        let g = try SpaceGroup("P 1")
        var idx: [Miller] = [], inten: [Double] = []
        for h in 1...6 {
            for k in 0...3 {
                let v = Double(h * 37 % 11 + k * 3)
                idx += [Miller(h, k, 1), Miller(h, k, 1)]
                inten += [v, v]
            }
        }
        let data = UnmergedIntensities(spaceGroup: g, unitCell: cell, originalIndices: idx, intensities: inten,
                                       sigmas: inten.map { _ in 1 }, batches: inten.map { _ in 1 })
        for method in CCHalfMethod.allCases {
            let s = MergingStatistics.statistics(data, dMax: 100, dMin: 1, anomalous: false, method: method, seed: 7)
            if method == .halfDataset {
                XCTAssertEqual(s.ccHalf, 1, accuracy: 1e-12)
            } else {
                // σ-τ: no spread within groups, so σ²_ε = 1/n (the 1/n floor), CC½ = (σ²_y − ½)/(σ²_y + ½).
                let means = stride(from: 0, to: inten.count, by: 2).map { inten[$0] }
                let m = means.reduce(0, +) / Double(means.count)
                let vy = means.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(means.count - 1)
                XCTAssertEqual(s.ccHalf, (vy - 0.5) / (vy + 0.5), accuracy: 1e-12)
            }
        }
    }

    func testCCHalfOfNoiseIsNearZeroAndRepeatable() throws {
        let g = try SpaceGroup("P 1")
        var rng = SplitMix64(seed: 42)
        var idx: [Miller] = [], inten: [Double] = []
        for h in 1...20 { for k in 0...19 { for _ in 0..<4 { idx.append(Miller(h, k, 1)); inten.append(rng.nextDouble()) } } }
        let data = UnmergedIntensities(spaceGroup: g, unitCell: cell, originalIndices: idx, intensities: inten,
                                       sigmas: inten.map { _ in 1 }, batches: inten.map { _ in 1 })
        let a = MergingStatistics.statistics(data, dMax: 100, dMin: 0.4, anomalous: false, method: .halfDataset, seed: 3)
        let b = MergingStatistics.statistics(data, dMax: 100, dMin: 0.4, anomalous: false, method: .halfDataset, seed: 3)
        XCTAssertEqual(a.ccHalf, b.ccHalf)
        XCTAssertLessThan(abs(a.ccHalf), 0.15)   // 400 pairs: σ(CC) ≈ 0.05
    }

    func testAnomalousStatistics() throws {
        let g = try SpaceGroup("P 1")
        // Two acentric reflections, each I(+) twice and I(−) twice, with a real anomalous difference.
        let idx = [Miller(1, 0, 0), Miller(1, 0, 0), Miller(-1, 0, 0), Miller(-1, 0, 0),
                   Miller(0, 1, 0), Miller(0, 1, 0), Miller(0, -1, 0), Miller(0, -1, 0),
                   Miller(0, 0, 1), Miller(0, 0, 1), Miller(0, 0, -1), Miller(0, 0, -1)]
        let inten: [Double] = [20, 20, 10, 10, 5, 5, 15, 15, 8, 8, 8, 8]
        let data = UnmergedIntensities(spaceGroup: g, unitCell: cell, originalIndices: idx, intensities: inten,
                                       sigmas: inten.map { _ in 1 }, batches: inten.map { _ in 1 })
        let s = MergingStatistics.statistics(data, dMax: 10, dMin: 10, anomalous: false, method: .halfDataset, seed: 0)
        XCTAssertEqual(s.anomalousPairs, 3)
        XCTAssertEqual(s.anomalousCompleteness, 1)
        XCTAssertEqual(s.anomalousMultiplicity, 2)   // 12 observations over 6 I(±) groups
        // Halves are identical, so ΔI agrees exactly: +10, −10, 0.
        XCTAssertEqual(s.ccAnomalous, 1, accuracy: 1e-12)
    }

    func testShellsCoverAllObservationsAndOverallMatchesTotals() throws {
        let g = try SpaceGroup("P 21 21 21")
        let c = try UnitCell(parameters: [30, 40, 50, 90, 90, 90])
        let set = CompleteSet.indices(spaceGroup: g, unitCell: c, dMin: 3)
        var idx: [Miller] = [], inten: [Double] = []
        var rng = SplitMix64(seed: 9)
        for m in set { for _ in 0..<3 { idx.append(m); inten.append(100 * c.dSpacing(m) + rng.nextDouble()) } }
        let data = UnmergedIntensities(spaceGroup: g, unitCell: c, originalIndices: idx, intensities: inten,
                                       sigmas: inten.map { _ in 1 }, batches: inten.map { _ in 1 })
        let stats = MergingStatistics(data, bins: 5)
        XCTAssertEqual(stats.shells.count, 5)
        XCTAssertEqual(stats.shells.reduce(0) { $0 + $1.observations }, idx.count)
        XCTAssertEqual(stats.overall.observations, idx.count)
        XCTAssertEqual(stats.overall.unique, set.count)
        XCTAssertEqual(stats.overall.completeness, 1, accuracy: 1e-12)
        XCTAssertEqual(stats.overall.multiplicity, 3, accuracy: 1e-12)
        for shell in stats.shells { XCTAssertEqual(shell.completeness, 1, accuracy: 0.02) }
        XCTAssertGreaterThan(stats.innerShell.meanIntensity, stats.outerShell.meanIntensity)
        XCTAssertGreaterThan(stats.overall.ccHalf, 0.99)
    }
}
