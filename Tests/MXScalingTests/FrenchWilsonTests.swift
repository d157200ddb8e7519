// Tests of French–Wilson posterior moments against closed forms and cctbx's tables.
import XCTest
import Foundation
import MXSymmetry
@testable import MXScaling

final class FrenchWilsonTests: XCTestCase {
    /// h = 0, acentric: the posterior is a half-normal, ⟨u⟩ = √(2/π), sd = √(1 − 2/π),
    /// ⟨√u⟩ = Γ(3/4)·2^(1/4)/√π.
    func testAcentricClosedFormAtZero() {
        let p = FrenchWilson.posteriorMoments(h: 0, centric: false)
        XCTAssertEqual(p.j, (2 / Double.pi).squareRoot(), accuracy: 1e-7)
        XCTAssertEqual(p.sdJ, (1 - 2 / Double.pi).squareRoot(), accuracy: 1e-7)
        XCTAssertEqual(p.f, tgamma(0.75) * pow(2, 0.25) / Double.pi.squareRoot(), accuracy: 1e-7)
    }

    /// Independent numerical integration with scipy (⟨u⟩, sd(u), ⟨√u⟩, sd(√u)), printed by:
    ///   w = lambda u, a: u**(a + k) * np.exp(-(u - h)**2 / 2)   # k = 0 acentric, −½ centric
    ///   m = [quad(w, 0, max(h, 0) + 40, args=(a,), points=[0.0])[0] for a in (0, .5, 1, 2)]
    ///   eu = m[2]/m[0]; print(eu, sqrt(m[3]/m[0] - eu**2), m[1]/m[0], sqrt(eu - (m[1]/m[0])**2))
    static let scipy: [(h: Double, centric: Bool, moments: [Double])] = [
        (-4, false, [0.2256, 0.2160, 0.4233, 0.2154]), (-4, true, [0.1154, 0.1578, 0.2727, 0.2027]),
        (-2, false, [0.3732, 0.3381, 0.5486, 0.2689]), (-2, true, [0.1974, 0.2573, 0.3599, 0.2606]),
        (0, false, [0.7979, 0.6028, 0.8222, 0.3492]), (0, true, [0.4780, 0.5211, 0.5814, 0.3742]),
        (1, false, [1.2876, 0.7935, 1.0704, 0.3765]), (1, true, [0.8935, 0.7715, 0.8347, 0.4436]),
        (2.5, false, [2.5176, 0.9775, 1.5515, 0.3323]), (2.5, true, [2.2335, 1.0465, 1.4396, 0.4015])]

    func testAgainstScipyIntegration() {
        for (h, centric, want) in Self.scipy {
            let p = FrenchWilson.posteriorMoments(h: h, centric: centric)
            for (got, w) in zip([p.j, p.sdJ, p.f, p.sdF], want) {
                XCTAssertEqual(got, w, accuracy: 6e-5, "h = \(h), centric = \(centric)")
            }
        }
    }

    /// cctbx's tables (cctbx.french_wilson ac_zj, ac_zj_sd, ac_zf, ac_zf_sd and c_* at index
    /// (h + 4)·10), which DIALS interpolates, are 3-decimal and differ from exact integrals by
    /// up to 0.004 (centric); ours agree within 0.005.
    ///   from cctbx.french_wilson import ac_zj, ...; i = int(round((h + 4) * 10)); print(ac_zj[i], ...)
    func testAgainstCctbxTables() {
        let acentric: [(Double, [Double])] = [
            (-4, [0.226, 0.217, 0.423, 0.216]), (-2, [0.373, 0.339, 0.549, 0.269]), (0, [0.798, 0.604, 0.822, 0.349]),
            (1, [1.287, 0.795, 1.07, 0.376]), (2.5, [2.518, 0.98, 1.551, 0.332])]
        let centric: [(Double, [Double])] = [
            (-4, [0.114, 0.158, 0.269, 0.203]), (-2, [0.195, 0.257, 0.356, 0.261]), (0, [0.475, 0.521, 0.578, 0.375]),
            (1, [0.89, 0.773, 0.832, 0.445]), (2.5, [2.233, 1.049, 1.439, 0.402])]
        for (isCentric, table) in [(false, acentric), (true, centric)] {
            for (h, want) in table {
                let p = FrenchWilson.posteriorMoments(h: h, centric: isCentric)
                for (got, w) in zip([p.j, p.sdJ, p.f, p.sdF], want) {
                    XCTAssertEqual(got, w, accuracy: 0.005, "h = \(h), centric = \(isCentric)")
                }
            }
        }
    }

    /// Strong reflections: J → I and F → √I.
    func testStrongLimit() {
        let p = FrenchWilson.posteriorMoments(h: 400, centric: false)
        XCTAssertEqual(p.j, 400, accuracy: 1e-6)
        XCTAssertEqual(p.sdJ, 1, accuracy: 1e-4)
        XCTAssertEqual(p.f, 20, accuracy: 1e-3)
        XCTAssertEqual(p.sdF, 0.025, accuracy: 1e-4)
    }

    func testConvertRejectsVeryNegativeAndScalesBySigma() throws {
        let g = try SpaceGroup("P 1")
        let c = try UnitCell(parameters: [50, 50, 50, 90, 90, 90])
        var idx: [Miller] = [], inten: [Double] = [], sig: [Double] = []
        var rng = SplitMix64(seed: 11)
        for h in 1...8 { for k in 0...7 { for l in 0...3 {
            idx.append(Miller(h, k, l)); inten.append(-100 * log(1 - rng.nextDouble())); sig.append(10)
        } } }
        inten[0] = -50   // I/σ = −5 < −3.7: rejected
        let r = FrenchWilson.convert(intensities: inten, sigmas: sig, indices: idx, spaceGroup: g, unitCell: c)
        XCTAssertFalse(r.valid[0])
        XCTAssertEqual(r.valid.filter { $0 }.count, idx.count - 1)
        for i in 1..<idx.count {
            XCTAssertGreaterThan(r.amplitudes[i], 0)
            XCTAssertGreaterThanOrEqual(r.intensities[i], 0)
        }
        // A single reflection's values follow from its h and Σ: check one by hand.
        let e = FrenchWilson.expectedIntensities(dStarCubed: idx.map { pow(c.oneOverDSquared($0), 1.5) }, intensities: inten)
        let h = inten[5] / 10 - 10 / e[5]
        let p = FrenchWilson.posteriorMoments(h: h, centric: false)
        XCTAssertEqual(r.amplitudes[5], p.f * 10.0.squareRoot(), accuracy: 1e-12)
    }
}
