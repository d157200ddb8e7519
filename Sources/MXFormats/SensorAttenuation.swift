// SensorAttenuation: linear X-ray attenuation coefficients of detector sensor materials (Si, GaAs, Ge, CdTe) vs energy.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Linear attenuation coefficient μ of a sensor material, the `mu` of a
/// dxtbx panel and of its ParallaxCorrectedPxMmStrategy (mm⁻¹).
///
/// Data: NIST X-ray mass attenuation coefficients μ/ρ (Hubbell & Seltzer,
/// NIST Standard Reference Database 126, "Tables of X-Ray Mass Attenuation
/// Coefficients", total attenuation with coherent scattering), 2–200 keV,
/// with the absorption-edge energies listed twice (below / above the edge),
/// and the densities NIST uses. cctbx's `eltbx.attenuation_coefficient`
/// (which dxtbx calls) holds the same tabulation and interpolates linearly in
/// log μ/ρ vs log E between neighbouring grid points; we do the same, so μ
/// agrees with what DIALS writes to rounding.
public enum SensorAttenuation {
    /// hc in eV·Å, the value cctbx uses (`factor_ev_angstrom`).
    public static let hcEVAngstrom = 12398.419843320025

    struct Table {
        /// g/cm³.
        let density: Double
        /// Energies in keV (ascending; edges repeated) and μ/ρ in cm²/g.
        let energyKeV: [Double]
        let muRho: [Double]
    }

    static let tables: [String: Table] = [
        "Si": Table(density: 2.33,
                    energyKeV: [2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200],
                    muRho: [2777, 978.4, 452.9, 245.0, 147.0, 64.68, 33.89, 10.34, 4.464, 1.436, 0.7012,
                            0.4385, 0.3207, 0.2228, 0.1835, 0.1448, 0.1275]),
        "GaAs": Table(density: 5.32,
                      energyKeV: [2, 3, 4, 5, 6, 8, 10, 10.3671, 10.3671, 11.0916, 11.8667, 11.8667,
                                  15, 20, 30, 40, 50, 60, 80, 100, 150, 200],
                      muRho: [2731, 970.2, 453.9, 249.5, 152.4, 69.6, 37.8, 34.25, 126.0, 105.9, 88.99, 168.5,
                              92.2, 42.58, 13.97, 6.262, 3.365, 2.042, 0.9587, 0.5598, 0.2509, 0.1671]),
        "Ge": Table(density: 5.323,
                    energyKeV: [2, 3, 4, 5, 6, 8, 10, 11.1031, 11.1031, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200],
                    muRho: [2711, 961.3, 449.7, 247.2, 150.9, 68.9, 37.42, 28.11, 198.1, 91.52, 42.22, 13.85,
                            6.207, 3.335, 2.023, 0.9501, 0.555, 0.2491, 0.1661]),
        "CdTe": Table(density: 6.2,
                      energyKeV: [2, 3, 3.537, 3.537, 3.631, 3.727, 3.727, 4, 4.018, 4.018, 4.177, 4.341, 4.341,
                                  4.475, 4.612, 4.612, 4.773, 4.939, 4.939, 5, 6, 8, 10, 15, 20, 26.711, 26.711,
                                  30, 31.814, 31.814, 40, 50, 60, 80, 100, 150, 200],
                      muRho: [1664, 614.6, 406.4, 778.7, 730.0, 684.0, 860.1, 723.0, 715.1, 793.4, 722.1, 656.2,
                              932.8, 873.9, 813.5, 943.8, 870.2, 799.9, 865.3, 839.2, 528.6, 249.2, 138.1, 46.57,
                              21.44, 9.834, 29.43, 21.82, 18.73, 34.92, 19.3, 10.67, 6.542, 3.019, 1.671, 0.6071,
                              0.3246]),
    ]

    /// Materials with a table, by dxtbx's material code.
    public static var materials: [String] { tables.keys.sorted() }

    /// μ in mm⁻¹ for `material` ("Si", "GaAs", "Ge", "CdTe"; "Silicon" and
    /// "Germanium" are accepted too) at photon energy `energyEV`; nil for an
    /// unknown material or an energy outside 2–200 keV.
    public static func mu(material: String, energyEV: Double) -> Double? {
        guard let code = symbol(for: material), let t = tables[code] else { return nil }
        let e = energyEV / 1000
        let n = t.energyKeV.count
        guard e >= t.energyKeV[0], e < t.energyKeV[n - 1] else { return nil }
        // Last grid point at or below e: just above an edge, the upper branch is used.
        var i = 0
        while i + 1 < n && t.energyKeV[i + 1] <= e { i += 1 }
        let x0 = log(t.energyKeV[i]), x1 = log(t.energyKeV[i + 1])
        let y0 = log(t.muRho[i]), y1 = log(t.muRho[i + 1])
        let muRho = exp(y0 + (y1 - y0) * (log(e) - x0) / (x1 - x0))
        // μ/ρ (cm²/g) · ρ (g/cm³) = μ in cm⁻¹; /10 for mm⁻¹.
        return muRho * t.density / 10
    }

    /// The material symbol dxtbx stores for a NeXus `sensor_material` or a
    /// CBF header's sensor name ("Silicon" → "Si"), or nil when unknown.
    public static func symbol(for material: String) -> String? {
        switch material.nxTrimmed.lowercased() {
        case "si", "silicon": return "Si"
        case "ge", "germanium": return "Ge"
        case "gaas", "gallium arsenide": return "GaAs"
        case "cdte", "cadmium telluride": return "CdTe"
        default: return nil
        }
    }

    /// μ in mm⁻¹ at wavelength `wavelength` (Å).
    public static func mu(material: String, wavelength: Double) -> Double? {
        mu(material: material, energyEV: hcEVAngstrom / wavelength)
    }
}
