// ScalingInput: integrated reflection table + experiments → ScalingObservations (corrections, filters, equivalence groups).
import Foundation
import MXMath
import MXModel
import MXSymmetry

/// Filters applied before scaling (DIALS 3.12's defaults).
public struct ScalingFilter: Sendable {
    public var dMin: Double? = nil
    public var dMax: Double? = nil
    /// Observations with a smaller partiality are excluded.
    public var partialityCutoff = 0.4
    /// Observations with I/σ below this are excluded.
    public var minIOverSigma = -5.0
    /// Keep I(+) and I(−) apart in the equivalence groups.
    public var anomalous = false
    public init() {}
}

/// Building scaling observations from a table.
public enum ScalingInput {
    /// Prepares every row of an integrated table (`symmetrized.refl`):
    /// profile-fitted intensities (rows flagged integrated_prf) and summed
    /// ones corrected by lp/qe (the summed ones also divided by partiality,
    /// as DIALS' scaling does); rotation angle from the observed z; 1/d²
    /// from the crystal's cell; the absorption terms from s0 and s1 rotated
    /// back into the crystal frame at φ; equivalence groups from the first
    /// crystal's space group. Rows failing the filters are kept but marked
    /// not usable; `resolutionExcluded` marks those cut by d_min/d_max.
    /// - Throws: `ScalingError` for missing columns or a d_min beyond the data.
    public static func observations(table: ReflectionTable, experiments: ExperimentList, filter: ScalingFilter,
                                    lmax: Int) throws -> (observations: ScalingObservations, resolutionExcluded: [Bool]) {
        guard let miller = table.millerIndices(ReflectionTable.Name.millerIndex) else {
            throw ScalingError.missingColumn(ReflectionTable.Name.millerIndex)
        }
        guard let sum = table.doubles(ReflectionTable.Name.intensitySumValue),
              let sumVar = table.doubles(ReflectionTable.Name.intensitySumVariance) else {
            throw ScalingError.missingColumn(ReflectionTable.Name.intensitySumValue)
        }
        guard let xyz = table.vec3s(ReflectionTable.Name.xyzobsPxValue) ?? table.vec3s(ReflectionTable.Name.xyzcalPx) else {
            throw ScalingError.missingColumn(ReflectionTable.Name.xyzobsPxValue)
        }
        guard let crystal = experiments.experiments.first?.crystal else {
            throw ScalingError.noUsableObservations("the experiment list has no crystal model")
        }
        let group = try crystal.spaceGroup()
        let prf = table.doubles(ReflectionTable.Name.intensityPrfValue)
        let prfVar = table.doubles(ReflectionTable.Name.intensityPrfVariance)
        let lp = table.doubles(ReflectionTable.Name.lp), qe = table.doubles(ReflectionTable.Name.qe)
        let partiality = table.doubles(ReflectionTable.Name.partiality)
        let s1 = table.vec3s(ReflectionTable.Name.s1)
        let ids = table.ints(ReflectionTable.Name.id)
        let flags = table.contains(ReflectionTable.Name.flags) ? table.flags : []
        let cells = try experiments.experiments.map { e -> UnitCell? in try e.crystal.map { try UnitCell(crystal: $0) } }
        let nh = SphericalHarmonics.count(lmax: lmax)
        let n = table.count

        var experiment = [Int](repeating: 0, count: n), rotation = [Double](repeating: 0, count: n)
        var dss = [Double](repeating: 0, count: n), harmonics = [Double](repeating: 0, count: n * nh)
        var pI = [Double?](repeating: nil, count: n), pV = [Double?](repeating: nil, count: n)
        var sI = [Double](repeating: 0, count: n), sV = [Double](repeating: 0, count: n)
        var usable = [Bool](repeating: false, count: n), cut = [Bool](repeating: false, count: n)
        var groupOf = [Int](repeating: 0, count: n)
        var keys: [MergeKey: Int] = [:], anomalousKeys: [MergeKey: Int] = [:]
        var anomalousGroupOf = [Int](repeating: 0, count: n)
        var centric: [Miller: Bool] = [:]
        var highest = Double.infinity
        var buffer: [Double] = []
        buffer.reserveCapacity(nh)
        for i in 0..<n {
            let e = ids.map { Int($0[i]) } ?? 0
            guard e >= 0, e < experiments.count, let cell = cells[e] else { continue }
            experiment[i] = e
            let m = miller[i]
            let hkl = Miller(Int(m.h), Int(m.k), Int(m.l))
            guard !hkl.isZero else { continue }
            let ex = experiments[e]
            let ds = 1 / pow(cell.dSpacing(hkl), 2)
            dss[i] = ds
            let phi = ex.scan.map { $0.angle(atFrame: xyz[i].z) } ?? 0
            rotation[i] = phi * 180 / Double.pi
            if nh > 0, let s1v = s1?[i], let gonio = ex.goniometer {
                let rT = gonio.rotation(at: phi).transposed
                let a = SphericalHarmonics.values(rT * (-ex.beam.s0), lmax: lmax)
                buffer.removeAll(keepingCapacity: true)
                SphericalHarmonics.evaluate(rT * s1v, lmax: lmax, into: &buffer)
                for k in 0..<nh { harmonics[i * nh + k] = 0.5 * (a[k] + buffer[k]) }
            }
            let conversion = (lp?[i] ?? 1) / max(qe?[i] ?? 1, 1e-12)
            let p = partiality?[i] ?? 1
            let f = flags.isEmpty ? ReflectionFlags.integrated : flags[i]
            if let prf, let prfVar, f.contains(.integratedPrf), prfVar[i] > 0 {
                pI[i] = prf[i] * conversion
                pV[i] = prfVar[i] * conversion * conversion
            }
            let sc = p > 0 ? conversion / p : 0
            sI[i] = sum[i] * sc
            sV[i] = sumVar[i] * sc * sc
            // A sum over a foreground with invalid pixels (a gap, the beamstop's
            // mask) misses part of the spot; the profile fit, which scales the
            // whole profile to the pixels recorded, stands in for it.
            if f.contains(.foregroundIncludesBadPixels), let fitted = pI[i], let variance = pV[i] {
                sI[i] = fitted; sV[i] = variance
            }
            // group
            let mapped = group.asymmetricUnitIndex(hkl)
            var plus = true
            if filter.anomalous {
                let c: Bool
                if let known = centric[mapped.index] { c = known } else {
                    c = group.isCentric(mapped.index); centric[mapped.index] = c
                }
                plus = c || mapped.isym % 2 == 1
            }
            let key = MergeKey(index: mapped.index, isPlus: plus)
            if let g = keys[key] { groupOf[i] = g } else { groupOf[i] = keys.count; keys[key] = keys.count }
            let c: Bool
            if let known = centric[mapped.index] { c = known } else {
                c = group.isCentric(mapped.index); centric[mapped.index] = c
            }
            let anomalousKey = MergeKey(index: mapped.index, isPlus: c || mapped.isym % 2 == 1)
            if let g = anomalousKeys[anomalousKey] { anomalousGroupOf[i] = g } else {
                anomalousGroupOf[i] = anomalousKeys.count; anomalousKeys[anomalousKey] = anomalousKeys.count
            }
            // filters
            let d = 1 / ds.squareRoot()
            guard f.contains(.integratedSum) || f.contains(.integratedPrf) else { continue }
            if !flags.isEmpty, f.contains(.userExcludedInScaling) { continue }
            guard p >= filter.partialityCutoff, sV[i] > 0, sI[i].isFinite else { continue }
            highest = min(highest, d)
            if let lo = filter.dMin, d < lo { cut[i] = true; continue }
            if let hi = filter.dMax, d > hi { cut[i] = true; continue }
            let iv = pI[i] ?? sI[i], vv = pV[i] ?? sV[i]
            guard iv / vv.squareRoot() >= filter.minIOverSigma else { continue }
            usable[i] = true
        }
        if let dMin = filter.dMin, highest.isFinite, dMin < highest - 1e-3 {
            throw ScalingError.resolutionBeyondData(dMin: dMin, highest: highest)
        }
        guard usable.contains(true) else {
            throw ScalingError.noUsableObservations("every reflection is unintegrated, partial below "
                + "\(filter.partialityCutoff), or outside the resolution limits")
        }
        let obs = ScalingObservations(experiment: experiment, group: groupOf, groupCount: max(keys.count, 1),
                                      rotation: rotation, dStarSquared: dss, harmonics: harmonics, harmonicCount: nh,
                                      profileIntensity: pI, profileVariance: pV, summedIntensity: sI,
                                      summedVariance: sV, usable: usable, errorModelGroup: anomalousGroupOf,
                                      errorModelGroupCount: max(anomalousKeys.count, 1))
        return (obs, cut)
    }
}
