// IntensityObservation: one corrected integrated intensity, and their selection from an integrated reflection table.
import MXModel
import MXSymmetry

/// One observation of a reflection: Miller index in the indexing basis,
/// intensity and variance after the Lorentz–polarisation (and detector
/// quantum efficiency) correction.
public struct IntensityObservation: Sendable, Equatable {
    public var miller: Miller
    public var intensity: Double
    public var variance: Double
    public init(miller: Miller, intensity: Double, variance: Double) {
        self.miller = miller
        self.intensity = intensity
        self.variance = variance
    }
}

/// Which integrated intensities the observations were taken from.
public enum IntensitySource: String, Sendable {
    case profileFitted = "profile-fitted"
    case summation = "summation"
}

extension IntensityObservation {
    /// The usable observations of `table` (rows of experiment `experimentID`
    /// when the table has an `id` column), as dials.symmetry filters them:
    /// profile-fitted intensities where the row is flagged integrated_prf and
    /// the column exists, else summation intensities flagged integrated_sum;
    /// partiality ≥ `partialityThreshold` when a partiality column exists;
    /// positive variance; non-zero Miller index; not user_excluded_in_scaling
    /// (left out of the data on purpose). Intensities are multiplied
    /// by `lp` and divided by `qe` (dials `calculate_lp_qe_correction`).
    /// - Returns: the observations and the counts per source.
    /// - Throws: `SymmetryAnalysisError.noIntensities` when the table has no intensities.
    public static func select(from table: ReflectionTable, experimentID: Int? = nil,
                              partialityThreshold: Double = 0.4)
        throws -> (observations: [IntensityObservation], profileFitted: Int, summation: Int) {
        let name = ReflectionTable.Name.self
        let sumI = table.doubles(name.intensitySumValue), sumV = table.doubles(name.intensitySumVariance)
        let prfI = table.doubles(name.intensityPrfValue), prfV = table.doubles(name.intensityPrfVariance)
        guard (sumI != nil && sumV != nil) || (prfI != nil && prfV != nil),
              let hkl = table.millerIndices(name.millerIndex) else { throw SymmetryAnalysisError.noIntensities }
        let flags = table.flags
        let partiality = table.doubles("partiality")
        let lp = table.doubles("lp")
        let qe = table.doubles("qe") ?? table.doubles("dqe")
        let ids = table.ints(name.id)
        var out: [IntensityObservation] = []
        out.reserveCapacity(table.count)
        var nPrf = 0, nSum = 0
        for i in 0..<table.count {
            if let experimentID, let ids, Int(ids[i]) != experimentID { continue }
            let m = hkl[i]
            if m.isZero || flags[i].contains(.userExcludedInScaling) { continue }
            if let partiality, partiality[i] < partialityThreshold { continue }
            var value: Double, variance: Double
            if let prfI, let prfV, flags[i].contains(.integratedPrf) {
                value = prfI[i]; variance = prfV[i]; nPrf += 1
            } else if let sumI, let sumV, flags[i].contains(.integratedSum) {
                value = sumI[i]; variance = sumV[i]; nSum += 1
            } else { continue }
            var factor = 1.0
            if let lp { factor *= lp[i] }
            if let qe {
                guard qe[i] > 0 else { continue }
                factor /= qe[i]
            }
            value *= factor
            variance *= factor * factor
            guard variance > 0, value.isFinite, variance.isFinite else { continue }
            out.append(IntensityObservation(miller: Miller(Int(m.h), Int(m.k), Int(m.l)),
                                            intensity: value, variance: variance))
        }
        return (out, nPrf, nSum)
    }
}

extension IntensityObservation {
    /// The observations with indices in the basis `op` (h′ = h·P); those
    /// without an integral image (absent by the new centring) are left out.
    public static func reindexed(_ observations: [IntensityObservation], by op: ChangeOfBasis) -> [IntensityObservation] {
        var out: [IntensityObservation] = []
        out.reserveCapacity(observations.count)
        for var o in observations {
            guard let m = op.apply(to: o.miller) else { continue }
            o.miller = m
            out.append(o)
        }
        return out
    }
}
