// UnmergedMTZ: scaled (or integrated) reflections as the unmerged MTZ dials.export writes, with one batch header per image.
import Foundation
import MXFormats
import MXMath
import MXModel
import MXScaling
import MXSymmetry

/// Which intensities an unmerged MTZ carries (dials.export's `intensity=`).
public enum ExportIntensity: String, CaseIterable, Sendable {
    /// `intensity.scale.*`/g, the scaled intensities (needs a scaled table).
    case scale
    /// Summed intensities ·lp/qe/partiality, with IPR/SIGIPR = profile-fitted where they exist.
    case sum
    /// Profile-fitted intensities ·lp/qe (rows flagged integrated_prf).
    case profile
}

/// Builds the unmerged MTZ of dials.export (`dials/util/export_mtz.py`) for
/// the first experiment of a list: H K L in the reciprocal ASU with M/ISYM,
/// BATCH, I/SIGI = scaled intensities `intensity.scale.*`/g with SCALEUSED/
/// SIGSCALEUSED = g (the inverse scale factor), or the summed intensity
/// (corrected by lp/qe/partiality, with IPR/SIGIPR the profile-fitted one)
/// or the profile-fitted one alone, BG/SIGBG, FRACTIONCALC (partiality),
/// XDET/YDET (calculated pixel position), ROT (calculated φ, degrees), LP and QE.
/// Rows are those merging would use (excluded/outlier flags, partiality,
/// d ≥ `dMin`); unscaled exports keep rows integrated by the chosen method.
/// Batch headers as DIALS' `add_dials_batches` fills them, using the static
/// crystal model: U in the Cambridge frame (X along the beam, Z along the
/// rotation axis) and MOSFLM's B convention.
public enum UnmergedMTZ {
    /// - Parameter intensity: nil chooses `scale` for a scaled table, else `sum`
    ///   (with IPR) when summed intensities exist, else `profile`.
    public static func make(_ table: ReflectionTable, experiments: ExperimentList, partialityThreshold: Double = 0.4,
                            intensity: ExportIntensity? = nil, dMin: Double? = nil,
                            names: MergedMTZ.Names = .init(), history: [String] = []) throws -> MTZFile {
        guard let experiment = experiments.experiments.first, let crystal = experiment.crystal else {
            throw ScaledReflectionsError.noCrystal
        }
        guard let millers = table.millerIndices(ReflectionTable.Name.millerIndex) else {
            throw ScaledReflectionsError.missingColumn(ReflectionTable.Name.millerIndex)
        }
        let g = try crystal.spaceGroup()
        let uc = try UnitCell(crystal: crystal)
        let cell = uc.parameters
        var f = MTZFile(title: "From mxflow export", cell: cell, symmetry: MTZSymmetry(spaceGroup: g), history: history)
        let ds = f.addDataset(project: names.project, crystal: names.crystal, dataset: names.dataset, cell: cell,
                              wavelength: experiment.beam.wavelength)
        let choice = intensity ?? (table.contains("intensity.scale.value") ? .scale
            : table.contains(ReflectionTable.Name.intensitySumValue) ? .sum : .profile)
        let scaled = choice == .scale
        let (iName, vName): (String, String)
        switch choice {
        case .scale: (iName, vName) = ("intensity.scale.value", "intensity.scale.variance")
        case .sum: (iName, vName) = (ReflectionTable.Name.intensitySumValue, ReflectionTable.Name.intensitySumVariance)
        case .profile: (iName, vName) = (ReflectionTable.Name.intensityPrfValue, ReflectionTable.Name.intensityPrfVariance)
        }
        guard let iv = table.doubles(iName), let vv = table.doubles(vName) else {
            throw ScaledReflectionsError.missingColumn(iName)
        }
        let flags = table.contains(ReflectionTable.Name.flags) ? table.flags : []
        let bad: ReflectionFlags = [.excludedForScaling, .userExcludedInScaling, .outlierInScaling]
        let partiality = table.doubles(ReflectionTable.Name.partiality)
        let inverse = table.doubles("inverse_scale_factor"), inverseVar = table.doubles("inverse_scale_factor_variance")
        let xyz = table.vec3s(ReflectionTable.Name.xyzcalPx) ?? table.vec3s(ReflectionTable.Name.xyzobsPxValue)
        let bg = table.doubles("background.sum.value"), bgVar = table.doubles("background.sum.variance")
        let lp = table.doubles(ReflectionTable.Name.lp), qe = table.doubles(ReflectionTable.Name.qe)
        let scan = experiment.scan
        let offset = scan?.batchOffset ?? 0
        // Unscaled intensities get the corrections dials.export applies: lp/qe, and
        // for summed ones the partiality (profile fitting already models the full spot).
        let conversion = (0..<table.count).map { (lp?[$0] ?? 1) / max(qe?[$0] ?? 1, 1e-12) }
        func factor(_ i: Int) -> Double {
            switch choice {
            case .scale: return 1 / (inverse?[i] ?? 1)
            case .profile: return conversion[i]
            case .sum: return conversion[i] / (partiality?[i] ?? 1)
            }
        }
        let prf = table.doubles(ReflectionTable.Name.intensityPrfValue)
        let prfVar = table.doubles(ReflectionTable.Name.intensityPrfVariance)
        let required: ReflectionFlags? = choice == .sum ? .integratedSum : choice == .profile ? .integratedPrf : nil
        var rows: [Int] = []
        for i in 0..<table.count {
            if !flags.isEmpty, !flags[i].isDisjoint(with: bad) { continue }
            if let r = required, !flags.isEmpty, !flags[i].contains(r) { continue }
            guard vv[i] > 0, iv[i].isFinite, !millers[i].isZero else { continue }
            if scaled, let s = inverse, !(s[i] > 0) { continue }
            if let p = partiality, p[i] < partialityThreshold || !(p[i] > 0) { continue }
            if let d = dMin {
                let m = millers[i]
                if uc.dSpacing(Miller(Int(m.h), Int(m.k), Int(m.l))) < d { continue }
            }
            rows.append(i)
        }
        guard !rows.isEmpty else { throw ScaledReflectionsError.noObservations }
        let mapped = rows.map { g.asymmetricUnitIndex(Miller(Int(millers[$0].h), Int(millers[$0].k), Int(millers[$0].l))) }
        func col(_ label: String, _ type: Character, _ v: [Double], _ d: Int = ds) -> MTZColumn {
            MTZColumn(label: label, type: type, datasetID: d, values: v.map(Float.init))
        }
        let z = rows.map { xyz?[$0].z ?? 0 }
        // Batch = image of the observed centroid (⌊z⌋ + 1), kept inside the scan so every batch has a header.
        let observed = table.vec3s(ReflectionTable.Name.xyzobsPxValue) ?? xyz
        let lastFrame = (scan?.numberOfImages ?? Int.max) - 1
        let batchFrames = rows.map { min(lastFrame, max(0, Int((observed?[$0].z ?? 0).rounded(.down)))) }
        var columns = [
            col("H", "H", mapped.map { Double($0.index.h) }, 0), col("K", "H", mapped.map { Double($0.index.k) }, 0),
            col("L", "H", mapped.map { Double($0.index.l) }, 0), col("M/ISYM", "Y", mapped.map { Double($0.isym) }),
            col("BATCH", "B", batchFrames.map { Double($0 + 1 + offset) }),
            // Scaled data: I/g and σ/g (g = inverse scale factor, also written as SCALEUSED), as dials.export writes them.
            col("I", "J", rows.map { iv[$0] * factor($0) }), col("SIGI", "Q", rows.map { vv[$0].squareRoot() * factor($0) }),
        ]
        if choice == .sum, let p = prf, let pv = prfVar {
            // Profile-fitted beside summed, missing (NaN) where profile fitting failed.
            let ok = rows.map { flags.isEmpty || flags[$0].contains(.integratedPrf) ? pv[$0] > 0 : false }
            columns.append(col("IPR", "J", zip(rows, ok).map { $1 ? p[$0] * conversion[$0] : .nan }))
            columns.append(col("SIGIPR", "Q", zip(rows, ok).map { $1 ? pv[$0].squareRoot() * conversion[$0] : .nan }))
        }
        if scaled, let s = inverse {
            columns.append(col("SCALEUSED", "R", rows.map { s[$0] }))
            columns.append(col("SIGSCALEUSED", "R", rows.map { max(0, inverseVar?[$0] ?? 0).squareRoot() }))
        }
        if let b = bg, let bv = bgVar {
            columns.append(col("BG", "R", rows.map { b[$0] }))
            columns.append(col("SIGBG", "R", rows.map { max(0, bv[$0]).squareRoot() }))
        }
        columns.append(col("FRACTIONCALC", "R", rows.map { partiality?[$0] ?? 1 }))
        columns.append(col("XDET", "R", rows.map { xyz?[$0].x ?? 0 }))
        columns.append(col("YDET", "R", rows.map { xyz?[$0].y ?? 0 }))
        columns.append(col("ROT", "R", z.map { frame in
            scan.map { $0.oscillationStartDegrees + frame * $0.oscillationWidthDegrees } ?? frame }))
        if let l = lp { columns.append(col("LP", "R", rows.map { l[$0] })) }
        columns.append(col("QE", "R", rows.map { qe?[$0] ?? 1 }))
        f.columns = columns
        if let scan = scan { f.batches = batches(experiment: experiment, crystal: crystal, cell: uc, scan: scan, datasetID: ds) }
        return f
    }

    /// One header per image of the scan.
    static func batches(experiment e: Experiment, crystal: Crystal, cell: UnitCell, scan: Scan, datasetID: Int) -> [MTZBatch] {
        let gonio = e.goniometer
        let axisDatum = gonio?.rotationAxisDatum ?? Vec3(1, 0, 0)
        let S = gonio?.settingRotation ?? .identity, F = gonio?.fixedRotation ?? .identity
        let R = cambridgeFrame(axis: axisDatum, unitS0: e.beam.s0.normalized)
        let U = mosflmU(UB: R * S * F * crystal.A, cell: cell)
        let panel = e.detector.panels.first
        let size = panel.map { ($0.imageSize.fast, $0.imageSize.slow) } ?? (0, 0)
        let distance = panel.map { $0.fastAxis.cross($0.slowAxis).normalized.dot($0.origin) } ?? 0
        return scan.imageRange.map { image in
            let start = scan.startAngleDegrees(ofImage: image)
            return MTZBatch(number: image + scan.batchOffset, datasetID: datasetID, cell: cell.parameters, U: U,
                            phiStart: start, phiEnd: start + scan.oscillationWidthDegrees,
                            rotationAxis: R * (gonio?.rotationAxis ?? axisDatum), sourceVector: R * e.beam.direction.normalized,
                            wavelength: e.beam.wavelength, distance: distance, detectorSize: size,
                            mosaicity: crystal.mosaicityDegrees ?? 0)
        }
    }

    /// The rotation taking the rotation axis to +Z and the beam (unit s0) to
    /// +X (the "Cambridge" frame of MTZ orientation blocks; rstbx
    /// `align_reference_frame`, the second vector orthogonalised to the first).
    static func cambridgeFrame(axis: Vec3, unitS0: Vec3) -> Mat3 {
        let z = axis.normalized
        let x = (unitS0 - z * unitS0.dot(z)).normalized
        let y = z.cross(x)
        return Mat3(rows: x, y, z)
    }

    /// MOSFLM's U: UB = U·B with B in Busing & Levy's upper-triangular form
    /// (Acta Cryst. 22, 457 (1967), eq. 3) built from the reciprocal cell.
    static func mosflmU(UB: Mat3, cell: UnitCell) -> Mat3 {
        let r = cell.reciprocal
        let B = Mat3(r.a, r.b * cos(r.gamma), r.c * cos(r.beta),
                     0, r.b * sin(r.gamma), -r.c * sin(r.beta) * cos(cell.alpha),
                     0, 0, 1 / cell.c)
        return UB * (B.inverse ?? .identity)
    }
}
