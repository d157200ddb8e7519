// Tests of the merged MTZ layout (dials.merge's columns) built from synthetic scaled observations.
import XCTest
import Foundation
import MXFormats
import MXMath
import MXScaling
import MXSymmetry
@testable import MXPipeline

final class MergedMTZTests: XCTestCase {
    func synthetic() throws -> UnmergedIntensities {
        let g = try SpaceGroup("P 21 21 21")
        let c = try UnitCell(parameters: [30, 40, 50, 90, 90, 90])
        var idx: [Miller] = [], inten: [Double] = [], sig: [Double] = []
        var rng = SplitMix64(seed: 3)
        for m in CompleteSet.indices(spaceGroup: g, unitCell: c, dMin: 4) {
            let base = 1000 * rng.nextDouble()
            // Two observations of h and one of −h; acentric ones get a 5% anomalous difference.
            for (obs, factor) in [(m, 1.0), (m, 1.0), (-m, g.isCentric(m) ? 1.0 : 0.95)] {
                idx.append(obs); inten.append(base * factor + rng.nextDouble()); sig.append(1 + 0.01 * base)
            }
        }
        return UnmergedIntensities(spaceGroup: g, unitCell: c, originalIndices: idx, intensities: inten, sigmas: sig,
                                   batches: idx.map { _ in 1 })
    }

    func testColumnsFollowDialsMerge() throws {
        let data = try synthetic()
        let mtz = MergedMTZ.make(data, wavelength: 0.98)
        XCTAssertEqual(mtz.columns.map(\.label), ["H", "K", "L", "IMEAN", "SIGIMEAN", "I(+)", "SIGI(+)", "I(-)", "SIGI(-)",
                                                  "N(+)", "N(-)", "F", "SIGF", "F(+)", "SIGF(+)", "F(-)", "SIGF(-)",
                                                  "DANO", "SIGDANO"])
        XCTAssertEqual(String(mtz.columns.map(\.type)), "HHHJQKMKMIIFQGLGLDQ")
        XCTAssertEqual(mtz.datasets.last?.wavelength, 0.98)
        XCTAssertEqual(mtz.symmetry.number, 19)
        let merged = MergedIntensities(merging: data, anomalous: false)
        XCTAssertEqual(mtz.reflectionCount, merged.count)
        XCTAssertEqual(mtz.millerIndices, merged.indices)
        let imean = mtz.column("IMEAN")!.values, np = mtz.column("N(+)")!.values, nm = mtz.column("N(-)")!.values
        let iminus = mtz.column("I(-)")!.values, dano = mtz.column("DANO")!.values
        let fp = mtz.column("F(+)")!.values, fm = mtz.column("F(-)")!.values
        for (r, m) in merged.indices.enumerated() {
            XCTAssertEqual(Double(imean[r]), merged.intensities[r], accuracy: 1e-3 * max(1, abs(merged.intensities[r])))
            if data.spaceGroup.isCentric(m) {
                XCTAssertTrue(iminus[r].isNaN)
                XCTAssertEqual(np[r], 3)
            } else {
                XCTAssertEqual(np[r], 2); XCTAssertEqual(nm[r], 1)
                if !dano[r].isNaN { XCTAssertEqual(dano[r], fp[r] - fm[r], accuracy: 1e-4) }
            }
        }
        // Strong acentric reflections: DANO > 0 since I(−) was made 5% weaker.
        let strong = (0..<mtz.reflectionCount).filter { !dano[$0].isNaN && imean[$0] > 300 }
        XCTAssertFalse(strong.isEmpty)
        XCTAssertTrue(strong.allSatisfy { dano[$0] > 0 })
        // And the file round-trips.
        let back = try MTZReader.decode(try MTZWriter.encode(mtz))
        XCTAssertEqual(back.columns.map(\.label), mtz.columns.map(\.label))
        XCTAssertEqual(back.reflectionCount, mtz.reflectionCount)
    }

    func testStatisticsTableHasOneRowPerShellPlusOverall() throws {
        let stats = MergingStatistics(try synthetic(), bins: 4)
        let table = MergingStatisticsTable.shellTable(stats)
        XCTAssertEqual(table.count, 1 + 4 + 1)
        XCTAssertTrue(MergingStatisticsTable.summary(stats).contains { $0.hasPrefix("CC half") })
    }
}

final class UnmergedMTZTests: XCTestCase {
    /// The Cambridge frame puts the rotation axis on +Z and the beam on +X;
    /// MOSFLM's B makes U orthonormal for a crystal with A = U·B (dxtbx B).
    func testCambridgeFrameAndMosflmU() throws {
        let R = UnmergedMTZ.cambridgeFrame(axis: Vec3(1, 0, 0), unitS0: Vec3(0, 0, -1))
        let z = R * Vec3(1, 0, 0), x = R * Vec3(0, 0, -1)
        XCTAssertEqual(z.z, 1, accuracy: 1e-12)
        XCTAssertEqual(x.x, 1, accuracy: 1e-12)
        let cell = try UnitCell(parameters: [40, 50, 60, 90, 100, 90])
        let U0 = Mat3.rotation(axis: Vec3(1, 2, 3).normalized, angle: 0.7)
        let U = UnmergedMTZ.mosflmU(UB: U0 * cell.bMatrix, cell: cell)
        let UUt = U * U.transposed
        for r in 0..<3 { for c in 0..<3 { XCTAssertEqual(UUt[r, c], r == c ? 1 : 0, accuracy: 1e-9) } }
    }
}
