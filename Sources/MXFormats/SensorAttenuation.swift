// SensorAttenuation: X-ray linear attenuation coefficients of detector sensor materials (Si, Ge, GaAs, CdTe).
#if canImport(Glibc)
import Glibc
#endif

/// Linear attenuation coefficients μ of sensor materials, for the parallax
/// correction of thick sensors (dxtbx ParallaxCorrectedPxMmStrategy).
///
/// Data: total mass attenuation coefficients μ/ρ (cm²/g, with coherent
/// scattering) of NIST's X-ray tables (Hubbell & Seltzer 1995, NISTIR 5632),
/// 4–200 keV, with absorption edges listed twice (below, above). μ/ρ is
/// interpolated linearly in log μ/ρ against log E, as cctbx's eltbx does,
/// so that μ agrees with what `dials.import` writes.
public enum SensorAttenuation {
    /// Energies (keV) and μ/ρ (cm²/g) of one material, with its density (g/cm³).
    struct Table {
        let density: Double
        let energies: [Double]
        let muRho: [Double]
    }

    static let tables: [String: Table] = [
        "Si": Table(density: 2.33,
                    energies: [4, 5, 6, 8, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200],
                    muRho: [452.9, 245.0, 147.0, 64.68, 33.89, 10.34, 4.464, 1.436, 0.7012, 0.4385, 0.3207,
                            0.2228, 0.1835, 0.1448, 0.1275]),
        "Ge": Table(density: 5.323,
                    energies: [4, 5, 6, 8, 10, 11.1031, 11.1031, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200],
                    muRho: [449.7, 247.2, 150.9, 68.9, 37.42, 28.11, 198.1, 91.52, 42.22, 13.85, 6.207, 3.335,
                            2.023, 0.9501, 0.555, 0.2491, 0.1661]),
        "GaAs": Table(density: 5.32,
                      energies: [4, 5, 6, 8, 10, 10.3671, 10.3671, 11.0916, 11.8667, 11.8667, 15, 20, 30, 40, 50,
                                 60, 80, 100, 150, 200],
                      muRho: [453.9, 249.5, 152.4, 69.6, 37.8, 34.25, 126.0, 105.9, 88.99, 168.5, 92.2, 42.58,
                              13.97, 6.262, 3.365, 2.042, 0.9587, 0.5598, 0.2509, 0.1671]),
        "CdTe": Table(density: 6.2,
                      energies: [4, 4.018, 4.018, 4.177, 4.341, 4.341, 4.475, 4.612, 4.612, 4.773, 4.939, 4.939, 5,
                                 6, 8, 10, 15, 20, 26.711, 26.711, 30, 31.814, 31.814, 40, 50, 60, 80, 100, 150,
                                 200],
                      muRho: [723.0, 715.1, 793.4, 722.1, 656.2, 932.8, 873.9, 813.5, 943.8, 870.2, 799.9, 865.3,
                              839.2, 528.6, 249.2, 138.1, 46.57, 21.44, 9.834, 29.43, 21.82, 18.73, 34.92, 19.3,
                              10.67, 6.542, 3.019, 1.671, 0.6071, 0.3246]),
    ]

    /// The material symbol dxtbx stores for a NeXus `sensor_material`
    /// ("Silicon" → "Si"), or nil when unknown.
    public static func symbol(for material: String) -> String? {
        switch material.nxTrimmed.lowercased() {
        case "si", "silicon": return "Si"
        case "ge", "germanium": return "Ge"
        case "gaas", "gallium arsenide": return "GaAs"
        case "cdte", "cadmium telluride": return "CdTe"
        default: return nil
        }
    }

    /// Linear attenuation coefficient μ (mm⁻¹) of `material` (a symbol or
    /// name) at `wavelength` Å; nil for an unknown material or an energy
    /// outside 4–200 keV.
    public static func mu(material: String, wavelength: Double) -> Double? {
        guard let sym = symbol(for: material), let t = tables[sym], wavelength > 0 else { return nil }
        let e = 12.398419843320026 / wavelength  // keV; hc in keV·Å
        guard e >= t.energies.first!, e <= t.energies.last! else { return nil }
        // Upper end of the bracketing interval; at an edge energy take the higher side.
        var i = 1
        while i < t.energies.count - 1, t.energies[i] <= e { i += 1 }
        let (e0, e1) = (t.energies[i - 1], t.energies[i])
        let (m0, m1) = (t.muRho[i - 1], t.muRho[i])
        let f = (log(e) - log(e0)) / (log(e1) - log(e0))
        let muRho = exp(log(m0) + f * (log(m1) - log(m0)))
        return muRho * t.density / 10  // cm⁻¹ → mm⁻¹
    }
}
