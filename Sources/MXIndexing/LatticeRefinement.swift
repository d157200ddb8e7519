// LatticeRefinement: indexing's final fit of the lattices and beam centre, through MXRefinement's engine.
import MXMath
import MXModel
import MXRefinement
import MXSymmetry

/// The lattices' setting matrices and the detector's in-plane shift refined
/// against the assigned spots' x, y (mm) and φ (rad), as dials.index refines
/// through dials.refine's engine: every lattice is an experiment sharing the
/// one beam and detector; U and B are free (B through the space group's
/// metric constraints when one is given); the beam is fixed and of the
/// detector only Shift1/Shift2 move, which is how DIALS moves the beam
/// centre. No outlier rejection here: indexing rejects outliers from the
/// final residuals itself.
enum LatticeRefinement {
    struct Spot {
        var lattice: Int
        var hkl: MillerIndex
        var panel: Int
        /// Observed x, y (mm), φ (rad) and their variances.
        var xyz: Vec3
        var variance: Vec3
    }

    struct Refined {
        var settings: [Mat3]
        /// mm along the first panel's fast and slow axes.
        var shift: (fast: Double, slow: Double)
        /// Per lattice: e.s.d.s of a, b, c (Å), α, β, γ (°) from the refinement's
        /// covariance; zeros when refinement failed.
        var cellSigmas: [[Double]]
    }

    /// Refined settings and the new shift (refinement's Shift1/Shift2 added to
    /// `shift`); the inputs unchanged when refinement fails (too few spots, a
    /// singular normal matrix).
    static func refine(settings: [Mat3], spaceGroupHall: String?, experiment: Experiment,
                       shift: (fast: Double, slow: Double), refineShift: Bool, spots: [Spot]) -> Refined {
        let unchanged = Refined(settings: settings, shift: shift,
                                cellSigmas: Array(repeating: [0, 0, 0, 0, 0, 0], count: settings.count))
        guard spots.count >= 20 else { return unchanged }
        var experiments: [Experiment] = []
        for a in settings {
            guard let c = Crystal(A: a, spaceGroupHall: spaceGroupHall ?? " P 1") else { return unchanged }
            var e = experiment
            e.crystal = c
            experiments.append(e)
        }
        var table = ReflectionTable(count: spots.count)
        table.set(ReflectionTable.Name.id, .int(spots.map { Int32($0.lattice) }))
        table.set(ReflectionTable.Name.millerIndex, .miller(spots.map(\.hkl)))
        table.set(ReflectionTable.Name.panel, .size(spots.map { UInt64($0.panel) }))
        table.set(ReflectionTable.Name.xyzobsMmValue, .vec3(spots.map(\.xyz)))
        // Floors as before: a zero variance must neither dominate nor drop the spot.
        table.set(ReflectionTable.Name.xyzobsMmVariance, .vec3(spots.map {
            Vec3(max($0.variance.x, 1e-6), max($0.variance.y, 1e-6), max($0.variance.z, 1e-10))
        }))
        table.set(ReflectionTable.Name.flags, .size(Array(repeating: ReflectionFlags.indexed.rawValue, count: spots.count)))
        var p = RefinementParameters()
        p.beamFix = [.all]
        p.detectorFix = refineShift ? .distanceAndOrientation : .all
        p.outlierAlgorithm = .none
        guard let result = try? MXRefinement.refine(experiments: ExperimentList(experiments), reflections: table,
                                                    parameters: p) else { return unchanged }
        var out = unchanged
        for l in settings.indices { if let a = result.experiments[l].crystal?.A { out.settings[l] = a } }
        for cell in result.cells where cell.crystal < settings.count && cell.esds.count == 6 {
            out.cellSigmas[cell.crystal] = cell.esds
        }
        func moved(_ name: String) -> Double { result.parameters.first { $0.name == name }?.shift ?? 0 }
        out.shift = (shift.fast + moved("Detector1Shift1"), shift.slow + moved("Detector1Shift2"))
        return out
    }

    /// `setting` with its cell made to obey the symmetry of `hall`, through the
    /// same metric constraints refinement uses: G* = BᵀB projected onto the
    /// subspace the group allows (`MetricConstraints`), B rebuilt from it, and
    /// U the rotation nearest A·B⁻¹. Assumes the setting is already the
    /// group's conventional one; nil when the group or cell is invalid.
    static func symmetrised(_ setting: Mat3, hall: String) -> Mat3? {
        guard let group = try? SpaceGroup(hall), let constraints = try? MetricConstraints(spaceGroup: group),
              let crystal = Crystal(A: setting), let b = crystal.B, let bInverse = b.inverse,
              let u = try? (setting * bInverse).nearestRotation(),
              let constrained = UnitCellParameterisation(B: b, constraints: constraints).bAndDerivatives()?.b
        else { return nil }
        return u * constrained
    }
}
