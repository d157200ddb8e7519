// ScaledReflections: selects the observations of a DIALS scaled reflection table that merging uses.
import MXModel
import MXSymmetry

/// Why a scaled table cannot be merged, in a user sentence.
public enum ScaledReflectionsError: Error, Equatable, CustomStringConvertible {
    case missingColumn(String)
    case noCrystal
    case noObservations

    public var description: String {
        switch self {
        case .missingColumn(let c):
            return "the reflection table has no '\(c)' column: merge reads scaled data (run scaling first)"
        case .noCrystal: return "the experiment list has no crystal model, so there is no cell or space group"
        case .noObservations: return "no scaled observations are left after removing excluded and outlier reflections"
        }
    }
}

extension UnmergedIntensities {
    /// The scaled observations of `table` (as dials.merge selects them):
    /// `intensity.scale.value`/`.variance` divided by the inverse scale
    /// factor g (I/g, σ/g), rows flagged excluded_for_scaling,
    /// user_excluded_in_scaling or outlier_in_scaling dropped, variance and
    /// inverse scale > 0, partiality ≥ `partialityThreshold` where a
    /// partiality column exists. Batch = image number (⌊z⌋ + 1 of
    /// `xyzobs.px.value`, plus the scan's batch offset).
    /// Symmetry and cell come from the first experiment's crystal.
    public init(scaled table: ReflectionTable, experiments: ExperimentList,
                partialityThreshold: Double = 0.4) throws {
        guard let miller = table.millerIndices(ReflectionTable.Name.millerIndex) else {
            throw ScaledReflectionsError.missingColumn(ReflectionTable.Name.millerIndex)
        }
        guard let value = table.doubles("intensity.scale.value") else {
            throw ScaledReflectionsError.missingColumn("intensity.scale.value")
        }
        guard let variance = table.doubles("intensity.scale.variance") else {
            throw ScaledReflectionsError.missingColumn("intensity.scale.variance")
        }
        guard let crystal = experiments.experiments.first?.crystal else { throw ScaledReflectionsError.noCrystal }
        let group = try crystal.spaceGroup()
        let cell = try UnitCell(crystal: crystal)
        let flags = table.contains(ReflectionTable.Name.flags) ? table.flags : []
        let inverseScale = table.doubles("inverse_scale_factor")
        let partiality = table.doubles(ReflectionTable.Name.partiality)
        let z = table.vec3s(ReflectionTable.Name.xyzobsPxValue) ?? table.vec3s(ReflectionTable.Name.xyzcalPx)
        let ids = table.ints(ReflectionTable.Name.id)
        let bad: ReflectionFlags = [.excludedForScaling, .userExcludedInScaling, .outlierInScaling]
        var original: [Miller] = [], intensities: [Double] = [], sigmas: [Double] = [], batches: [Int] = []
        for i in 0..<table.count {
            if !flags.isEmpty, !flags[i].isDisjoint(with: bad) { continue }
            guard variance[i] > 0, value[i].isFinite else { continue }
            if let s = inverseScale, !(s[i] > 0) { continue }
            if let p = partiality, p[i] < partialityThreshold { continue }
            let m = miller[i]
            if m.isZero { continue }
            original.append(Miller(Int(m.h), Int(m.k), Int(m.l)))
            // intensity.scale.* is the unscaled intensity chosen for scaling; the
            // scaled value is I/g, σ/g with g the inverse scale factor (dials.util
            // filter_reflections / export: scaled_data_as_miller_array).
            let g = inverseScale?[i] ?? 1
            intensities.append(value[i] / g)
            sigmas.append(variance[i].squareRoot() / g)
            let experiment = ids.map { Int($0[i]) } ?? 0
            let scan = experiment < experiments.count ? experiments[experiment].scan : nil
            let frame = z.map { Int($0[i].z.rounded(.down)) } ?? 0
            batches.append(frame + 1 + (scan?.batchOffset ?? 0))   // z is 0-based over the image array
        }
        guard !original.isEmpty else { throw ScaledReflectionsError.noObservations }
        self.init(spaceGroup: group, unitCell: cell, originalIndices: original, intensities: intensities,
                  sigmas: sigmas, batches: batches)
    }
}
