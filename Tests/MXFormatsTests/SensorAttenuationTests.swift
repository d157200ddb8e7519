// SensorAttenuationTests: μ of sensor materials against cctbx (what DIALS writes as panel mu).
import XCTest
@testable import MXFormats

final class SensorAttenuationTests: XCTestCase {
    /// Expected values from cctbx, which dxtbx uses for panel `mu`:
    /// python3 -c 'from cctbx.eltbx import attenuation_coefficient as a;
    ///   t = a.get_table("Si"); print(t.mu_at_angstrom(0.9763) / 10)'
    /// dials.import of cbf_p4212 and of the NXmx sweeps insulin_i213 (0.9763 Å)
    /// and lysozyme_p43212 (1.2 Å) writes mu 3.922624691862258 and 7.176242358809583.
    func testMatchesCctbxAndDials() throws {
        let cases: [(String, Double, Double)] = [
            ("Si", 0.9763, 3.922624691862258), ("Si", 1.2, 7.176242358809583),
            ("Si", 0.5, 0.5700486566882856), ("Si", 1.5, 13.710049349371342),
            ("GaAs", 0.9763, 75.28665272973487), ("GaAs", 1.2, 18.390751028391463),
            ("Ge", 0.9763, 74.6941038353236), ("Ge", 0.5, 12.445548222446975),
            ("CdTe", 0.9763, 45.11810049285783), ("CdTe", 1.2, 78.44336225490098),
            ("CdTe", 1.5, 141.71510752388366),
        ]
        for (m, w, expected) in cases {
            let mu = try XCTUnwrap(SensorAttenuation.mu(material: m, wavelength: w))
            XCTAssertEqual(mu, expected, accuracy: 1e-12 * expected, "\(m) at \(w) Å")
        }
        // Just above the As K edge (11.8667 keV) the upper branch applies.
        XCTAssertEqual(SensorAttenuation.mu(material: "GaAs", energyEV: 11867)!, 89.63616844135538, accuracy: 1e-10)
        XCTAssertEqual(SensorAttenuation.mu(material: "Ge", energyEV: 12000)!, 86.38507152980242, accuracy: 1e-10)
        XCTAssertEqual(SensorAttenuation.mu(material: "Silicon", energyEV: 12000)!, 4.630252403259356, accuracy: 1e-12)
    }

    func testUnknownMaterialOrEnergy() {
        XCTAssertNil(SensorAttenuation.mu(material: "Unobtainium", wavelength: 1))
        XCTAssertNil(SensorAttenuation.mu(material: "Si", energyEV: 500_000))
        XCTAssertNil(SensorAttenuation.mu(material: "Si", energyEV: 1000))
    }
}
