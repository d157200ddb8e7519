// GroundTruth: truth.json (models, parameters, lattices) and the table of true
// intensities of the unique reflections for a simulated sweep, as CSV and as a merged MTZ.
import Foundation
import MXFormats
import MXMath
import MXModel

extension Simulation {
    /// Version written into truth.json; bump when the physics changes.
    public static let version = "1.0"

    /// Everything a test needs to know about the sweep, as a JSON object:
    /// symmetry, cell, U/B/A of each lattice in the lab frame, true and header
    /// beam centres, detector, goniometer, scan, profile, structure, and the
    /// spec itself.
    public func truthObject(files: [String]) -> [String: Any] {
        let p = detector[0], ph = headerDetector[0]
        let s0 = beam.s0
        func centre(_ panel: Panel) -> (mm: [Double], px: [Double]) {
            let mm = panel.rayIntersection(s0)!
            let px = panel.pixel(fromMillimetre: mm)
            return ([mm.x, mm.y], [px.x, px.y])
        }
        let t = centre(p), h = centre(ph)
        var lattices: [[String: Any]] = []
        for (i, a) in settingMatrices.enumerated() {
            let crystal = Crystal(A: a, spaceGroupHall: group.hall)!
            lattices.append([
                "id": i, "U": orientations[i].elements, "B": bMatrix.elements, "A": a.elements,
                "real_space_a": crystal.realSpaceA.array, "real_space_b": crystal.realSpaceB.array,
                "real_space_c": crystal.realSpaceC.array, "scale": latticeScales[i],
            ])
        }
        var status: [String: [[Int]]] = ["dead": [], "hot": [], ]
        let nx = spec.detectorSize.fast
        for (i, s) in pixelStatus.enumerated() where s >= 2 {
            status[s == 2 ? "dead" : "hot"]!.append([i % nx, i / nx])
        }
        let anomalousPairs = unique.filter { !$0.centric && $0.iPlus != $0.iMinus }.count
        return [
            "name": spec.name,
            "simulator": "mxflow simulate",
            "simulator_version": Self.version,
            "frame": "DIALS/imgCIF lab frame; beam along -z, s0 = -direction/wavelength; r(phi) = S R(axis,phi) F A h; A = U B",
            "space_group": group.hermannMauguin,
            "space_group_number": group.number,
            "space_group_hall": group.hall,
            "laue_group": group.laueGroup,
            "point_group": group.pointGroup,
            "unit_cell": spec.unitCell,
            "wavelength": beam.wavelength,
            "s0": s0.array,
            "distance_mm": spec.distance,
            "beam_centre_mm_true": t.mm, "beam_centre_px_true": t.px,
            "beam_centre_mm_header": h.mm, "beam_centre_px_header": h.px,
            "detector": [
                "nx": p.imageSize.fast, "ny": p.imageSize.slow, "pixel_mm": p.pixelSize.fast,
                "fast_axis": p.fastAxis.array, "slow_axis": p.slowAxis.array,
                "origin_true": p.origin.array, "origin_header": ph.origin.array,
                "saturation": spec.saturation, "sensor_thickness_mm": spec.sensorThickness,
                "module_size_px": spec.moduleSize.map { [$0.fast, $0.slow] as Any } ?? NSNull(),
                "module_gap_px": [spec.gap.fast, spec.gap.slow],
                "dead_pixels": status["dead"]!, "hot_pixels": status["hot"]!, "hot_pixel_value": Int(hotValue),
            ] as [String: Any],
            "goniometer": [
                "rotation_axis": goniometer.rotationAxis.array,
                "fixed_rotation": goniometer.fixedRotation.elements,
                "setting_rotation": goniometer.settingRotation.elements,
            ],
            "scan": [
                "image_range": [scan.imageRange.lowerBound, scan.imageRange.upperBound],
                "start_angle_deg": spec.startAngle, "osc_width_deg": spec.oscWidth,
                "exposure_time_s": spec.exposureTime,
            ] as [String: Any],
            "lattices": lattices,
            "profile": ["sigma_m_deg": spec.mosaicity, "sigma_b_deg": spec.beamDivergence, "psf_px": spec.psf],
            "structure": [
                "n_atoms_asu": atomCount, "wilson_b": spec.wilsonB,
                "anomalous_element": spec.anomalousElement ?? NSNull(),
                "n_anomalous_atoms": spec.anomalousElement == nil ? 0 : spec.anomalousAtoms,
                "anomalous_fp": spec.anomalousElement == nil ? 0 : spec.anomalousFp,
                "anomalous_fdp": spec.anomalousElement == nil ? 0 : spec.anomalousFdp,
                "d_min_simulated": dMin, "intensity_normalisation": normalisation,
                "n_unique": unique.count, "n_anomalous_differences": anomalousPairs,
            ] as [String: Any],
            "n_spots_rendered": spots.count,
            "truth_intensities_note": "I = |F|^2 of the atom model (Wilson B included) normalised so <I> = 1 in 4-5 A; unique reflections in the CCP4 reciprocal asymmetric unit (Iplus, Iminus: the Friedel mates, equal for centrics); excludes experimental effects (Lorentz, polarisation, scale, drift, absorption, decay).",
            "files": files,
            "spec": spec.jsonObject,
        ]
    }

    /// truth.json bytes: sorted keys, pretty printed, so identical specs give
    /// identical files.
    public func truthJSON(files: [String]) throws -> Data {
        try JSONSerialization.data(withJSONObject: truthObject(files: files), options: [.prettyPrinted, .sortedKeys])
    }

    /// The true-intensity table: h,k,l,d,I,Iplus,Iminus,centric per unique
    /// reflection, I the Friedel mean.
    public func truthIntensitiesCSV() -> String {
        var lines = ["h,k,l,d,I,Iplus,Iminus,centric"]
        lines.reserveCapacity(unique.count + 1)
        for r in unique {
            let mean = 0.5 * (r.iPlus + r.iMinus)
            lines.append("\(r.hkl.0),\(r.hkl.1),\(r.hkl.2),\(f(r.d, 4)),\(f(mean, 6)),\(f(r.iPlus, 6)),\(f(r.iMinus, 6)),\(r.centric ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Project, crystal and dataset names of the truth MTZ's one dataset.
    public static let truthMTZProject = "mxflow_simulation", truthMTZDataset = "truth"

    /// The true intensities as a merged MTZ, one row per unique reflection in
    /// the order of the CSV: H K L, IMEAN (the Friedel mean, type J), I(+)
    /// and I(−) (type K), each with a σ column (Q, M) that is 0 because these
    /// values are exact, not measured. Column names and types are those of
    /// dials.merge's anomalous output, so the file reads like any merged MTZ:
    /// cctbx sees IMEAN,SIGIMEAN as the mean array and I(+),SIGI(+),I(-),SIGI(-)
    /// as the anomalous one, which is what score.py takes as truth. As in
    /// dials.merge (and the truth MTZ of the shared data), a centric
    /// reflection has I(+) only, I(−) and SIGI(−) missing (NaN): its Friedel
    /// mate is a symmetry equivalent, and cctbx rejects an anomalous array
    /// holding both as "not a unique set under symmetry" (the CSV repeats
    /// I(+) as Iminus there). Dataset: project `mxflow_simulation`,
    /// crystal = spec name, dataset `truth`, with the true cell and
    /// wavelength; no history, so identical specs give identical bytes.
    public func truthIntensitiesMTZ() -> MTZFile {
        let cell = spec.unitCell
        var file = MTZFile(title: "true intensities from mxflow simulate " + Self.version, cell: cell,
                           symmetry: MTZSymmetry(spaceGroup: group.group))
        let ds = file.addDataset(project: Self.truthMTZProject, crystal: spec.name, dataset: Self.truthMTZDataset,
                                 cell: cell, wavelength: beam.wavelength)
        let n = unique.count
        let h = unique.map { Float($0.hkl.0) }, k = unique.map { Float($0.hkl.1) }, l = unique.map { Float($0.hkl.2) }
        let mean = unique.map { Float(0.5 * ($0.iPlus + $0.iMinus)) }
        let plus = unique.map { Float($0.iPlus) }, minus = unique.map { $0.centric ? Float.nan : Float($0.iMinus) }
        let zero = [Float](repeating: 0, count: n)
        file.columns = [
            MTZColumn(label: "H", type: "H", datasetID: 0, values: h),
            MTZColumn(label: "K", type: "H", datasetID: 0, values: k),
            MTZColumn(label: "L", type: "H", datasetID: 0, values: l),
            MTZColumn(label: "IMEAN", type: "J", datasetID: ds, values: mean),
            MTZColumn(label: "SIGIMEAN", type: "Q", datasetID: ds, values: zero),
            MTZColumn(label: "I(+)", type: "K", datasetID: ds, values: plus),
            MTZColumn(label: "SIGI(+)", type: "M", datasetID: ds, values: zero),
            MTZColumn(label: "I(-)", type: "K", datasetID: ds, values: minus),
            MTZColumn(label: "SIGI(-)", type: "M", datasetID: ds, values: unique.map { $0.centric ? .nan : 0 }),
        ]
        return file
    }

    private func f(_ x: Double, _ places: Int) -> String { fixedPoint(x, places) }
}

/// Fixed-point text of x with `places` decimals, independent of locale.
func fixedPoint(_ x: Double, _ places: Int) -> String {
    let scale = (0..<places).reduce(1.0) { a, _ in a * 10 }
    let r = (abs(x) * scale).rounded()
    let whole = r / scale
    let w = whole.rounded(.down)
    let frac = Int(r - w * scale)
    var f = String(frac)
    while f.count < places { f = "0" + f }
    return (x < 0 && r > 0 ? "-" : "") + String(Int(w)) + (places > 0 ? "." + f : "")
}
