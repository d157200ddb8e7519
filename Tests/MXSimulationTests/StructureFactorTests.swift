// Tests of form factors and of the atom model's structure factors (Wilson
// statistics, absences, anomalous differences).
import XCTest
import MXMath
@testable import MXSimulation

final class StructureFactorTests: XCTestCase {
    func testFormFactorsAtZeroAngleEqualAtomicNumber() {
        for (el, z) in [("C", 6.0), ("N", 7.0), ("O", 8.0), ("S", 16.0), ("Se", 34.0), ("Zn", 30.0)] {
            XCTAssertEqual(FormFactor.table[el]!.value(s2: 0), z, accuracy: 0.02, el)
        }
        // Scattering falls with angle.
        let c = FormFactor.table["C"]!
        XCTAssertGreaterThan(c.value(s2: 0.01), c.value(s2: 0.1))
        XCTAssertGreaterThan(c.value(s2: 0.1), c.value(s2: 0.25))
    }

    /// Random atoms in P1: in a thin shell ⟨|F|²⟩ = Σ f² exp(−2Bs²) (Wilson
    /// 1949) and acentric intensities are exponential, ⟨I²⟩/⟨I⟩² = 2.
    func testWilsonStatisticsOfRandomAtomsInP1() throws {
        let group = try SimulationSpaceGroup.lookup("P1")
        var rng = RandomSource(seed: 11)
        let model = AtomModel.random(count: 400, anomalousElement: nil, anomalousCount: 0, fPrime: 0,
                                     fDoublePrime: 0, bFactor: 15, rng: &rng)
        let cell = [40.0, 45.0, 50.0, 90.0, 90.0, 90.0]
        let b = CellGeometry.bMatrix(cell)
        var hkl: [(Int, Int, Int)] = [], s2: [Double] = []
        for h in 0...20 { for k in -20...20 { for l in -20...20 {
            let q = (b * Vec3(Double(h), Double(k), Double(l))).length
            if q > 1 / 3.2 && q < 1 / 3.0 { hkl.append((h, k, l)); s2.append(q * q / 4) }
        } } }
        XCTAssertGreaterThan(hkl.count, 1000)
        let (ip, im) = model.structureFactors(hkl, group: group, s2: s2, threads: 2)
        let meanS2 = s2.reduce(0, +) / Double(s2.count)
        let expected = model.sumFSquared(s2: meanS2, nOps: 1) * exp(-2 * 15 * meanS2)
        let mean = ip.reduce(0, +) / Double(ip.count)
        let second = ip.map { $0 * $0 }.reduce(0, +) / Double(ip.count)
        XCTAssertEqual(mean / expected, 1, accuracy: 0.08)
        XCTAssertEqual(second / (mean * mean), 2, accuracy: 0.25)
        // Without anomalous scatterers Friedel's law holds.
        for i in 0..<50 { XCTAssertEqual(ip[i], im[i], accuracy: 1e-9 * max(ip[i], 1)) }
    }

    func testAbsencesVanishAndAnomalousScatterersBreakFriedelsLaw() throws {
        let group = try SimulationSpaceGroup.lookup("P212121")
        var rng = RandomSource(seed: 5)
        let model = AtomModel.random(count: 60, anomalousElement: "Se", anomalousCount: 3, fPrime: -8,
                                     fDoublePrime: 4.5, bFactor: 10, rng: &rng)
        let hkl = [(3, 0, 0), (0, 5, 0), (0, 0, 7), (4, 0, 0), (1, 2, 3), (2, 3, 5)]
        let s2 = hkl.map { _ in 0.01 }
        let (ip, im) = model.structureFactors(hkl, group: group, s2: s2, threads: 1)
        for i in 0..<3 {
            XCTAssertEqual(ip[i], 0, accuracy: 1e-6, "\(hkl[i]) is absent in P212121")
            XCTAssertTrue(group.isAbsent(hkl[i]))
        }
        XCTAssertFalse(group.isAbsent((4, 0, 0)))
        XCTAssertGreaterThan(ip[3], 1)
        // h00 is centric in 222: I(+) = I(−) even with f″.
        XCTAssertEqual(ip[3], im[3], accuracy: 1e-6 * ip[3])
        XCTAssertTrue(group.isCentric((4, 0, 0)))
        XCTAssertFalse(group.isCentric((1, 2, 3)))
        XCTAssertGreaterThan(abs(ip[4] - im[4]) + abs(ip[5] - im[5]), 1e-3 * (ip[4] + ip[5]))
    }

    func testSpaceGroupLookupAndCCP4AsymmetricUnit() throws {
        let a = try SimulationSpaceGroup.lookup("P43212"), b = try SimulationSpaceGroup.lookup("96")
        XCTAssertEqual(a.number, 96); XCTAssertEqual(b.hermannMauguin, "P 43 21 2")
        XCTAssertEqual(a.operations.count, 8)
        XCTAssertEqual(try SimulationSpaceGroup.lookup("C2").operations.count, 4)
        XCTAssertEqual(try SimulationSpaceGroup.lookup("I213").operations.count, 24)
        XCTAssertThrowsError(try SimulationSpaceGroup.lookup("P7"))
        // (1,2,3), (−2,−1,−3), (2,−1,3) are one class in 4/mmm; CCP4's ASU for
        // 422 is h ≥ k ≥ 0, l ≥ 0, so all map to (2,1,3), the first by a Friedel
        // inversion (I(−)) the others not.
        let r = a.laueRepresentative(of: (1, 2, 3))
        XCTAssertTrue(r.hkl == (2, 1, 3))
        XCTAssertTrue(a.laueRepresentative(of: (-2, -1, -3)).hkl == (2, 1, 3))
        XCTAssertTrue(a.laueRepresentative(of: (2, -1, 3)).hkl == (2, 1, 3))
        XCTAssertTrue(a.laueRepresentative(of: (2, 1, 3)).plus)
        XCTAssertFalse(a.laueRepresentative(of: (-2, -1, -3)).plus)
    }
}
