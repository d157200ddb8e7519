// RotationPredictor: where and when each reflection of a crystal diffracts during a rotation scan.
import MXMath
import MXModel
import MXSymmetry

/// Predicts reflections of one experiment (beam, goniometer, scan, detector,
/// crystal) in dxtbx's conventions, like DIALS' `ScanStaticReflectionPredictor`:
/// for each h, r₀ = F·A·h; the diffracting angles come from `RotationAngles`;
/// s₁ = s₀ + S·R(m, φ)·r₀; s₁ is traced to the first panel it hits. The
/// entering flag is DIALS': s₁·(s₀ × S·m) < 0.
///
/// Scan-varying crystals (`Crystal.aAtScanPoints`, one A per frame boundary)
/// are handled by refining each static prediction: φ is re-solved with A
/// linearly interpolated at the predicted frame, twice, which converges for
/// the slowly varying A of scan-varying refinement.
public struct RotationPredictor: Sendable {
    public let experimentIndex: Int
    public let s0: Vec3
    public let frame: GoniometerFrame
    public let angles: RotationAngles
    public let scan: Scan
    public let projector: PanelProjector
    public let A: Mat3
    public let aAtScanPoints: [Mat3]
    public let cell: UnitCell
    /// s₀ × S·m, normalised: the sign of s₁ on it gives the entering flag.
    let enteringNormal: Vec3

    /// - Throws: `PredictionError` when the experiment lacks a goniometer, scan or crystal.
    public init(experiment: Experiment, index: Int = 0) throws {
        guard let g = experiment.goniometer else { throw PredictionError.noGoniometer(experiment: index) }
        guard let scan = experiment.scan else { throw PredictionError.noScan(experiment: index) }
        guard let crystal = experiment.crystal else { throw PredictionError.noCrystal(experiment: index) }
        guard let cell = crystal.unitCell else { throw PredictionError.degenerateCrystal(experiment: index) }
        self.experimentIndex = index
        self.s0 = experiment.beam.s0
        self.frame = GoniometerFrame(g)
        self.angles = RotationAngles(s0: s0, goniometer: frame)
        self.scan = scan
        self.projector = PanelProjector(experiment.detector)
        self.A = crystal.A
        self.aAtScanPoints = crystal.aAtScanPoints.count == scan.numberOfImages + 1 ? crystal.aAtScanPoints : []
        self.cell = cell
        self.enteringNormal = s0.cross(frame.labAxis).normalized
    }

    /// A at frame coordinate z: the static A, or the scan-point A linearly
    /// interpolated (clamped to the scan).
    public func settingMatrix(atFrame z: Double) -> Mat3 {
        guard !aAtScanPoints.isEmpty else { return A }
        let t = z - Double(scan.arrayRange.lowerBound)
        let n = aAtScanPoints.count - 1
        let i = max(0, min(n - 1, Int(t.rounded(.down))))
        let f = max(0, min(1, t - Double(i)))
        return aAtScanPoints[i] * (1 - f) + aAtScanPoints[i + 1] * f
    }

    /// s₁ at angle φ for r₀ = F·A·h.
    @inlinable
    public func s1(r0: Vec3, phi: Double) -> Vec3 {
        s0 + frame.setting * r0.rotated(around: frame.datumAxis, by: phi)
    }

    /// Every reflection with d ≥ dMin (and ≤ dMax) that diffracts within the
    /// scan and lands on a panel, sorted by frame. `skipAbsences` leaves out
    /// systematic absences of `spaceGroup`.
    public func predict(dMin: Double, dMax: Double = .infinity, spaceGroup: SpaceGroup? = nil) -> [PredictedReflection] {
        var out: [PredictedReflection] = []
        let range = scan.oscillationRange
        let generator = MillerIndexGenerator(cell: cell, dMin: dMin, dMax: dMax, skipAbsencesOf: spaceGroup)
        let fa = frame.fixed * A
        generator.forEach { h in
            let hv = Vec3(Double(h.h), Double(h.k), Double(h.l))
            let r0 = fa * hv
            guard let (p1, p2) = angles.angles(r0: r0) else { return }
            for phi0 in [p1, p2] {
                // Every whole-turn image of φ inside the scan (scans may exceed 360°).
                var phi = angleNearest(phi0, to: range.lowerBound)
                if phi < range.lowerBound { phi += 2 * .pi }
                while phi <= range.upperBound {
                    if let p = reflection(h, hv: hv, r0: r0, phi: phi) { out.append(p) }
                    phi += 2 * .pi
                }
            }
        }
        out.sort { $0.frame < $1.frame || ($0.frame == $1.frame && $0.miller < $1.miller) }
        return out
    }

    /// The prediction of h near angle φ (radians) with r₀ from the static A,
    /// refined for a scan-varying A; nil when it misses the detector.
    func reflection(_ h: Miller, hv: Vec3, r0: Vec3, phi: Double) -> PredictedReflection? {
        var phi = phi, r = r0
        if !aAtScanPoints.isEmpty {
            for _ in 0..<2 {
                r = frame.fixed * settingMatrix(atFrame: scan.frame(atAngle: phi)) * hv
                guard let (a, b) = angles.angles(r0: r) else { return nil }
                let na = angleNearest(a, to: phi), nb = angleNearest(b, to: phi)
                phi = abs(na - phi) < abs(nb - phi) ? na : nb
            }
        }
        let s1 = self.s1(r0: r, phi: phi)
        guard let hit = projector.intersect(s1) else { return nil }
        return PredictedReflection(miller: h, experiment: experimentIndex, phi: phi, s1: s1,
                                   entering: s1.dot(enteringNormal) < 0, panel: hit.panel, mm: hit.mm,
                                   px: hit.px, frame: scan.frame(atAngle: phi))
    }

    /// The prediction of h on a given panel at the diffracting angle nearest
    /// `phiObserved` (radians), with A taken at `frameObserved` for
    /// scan-varying crystals; the intersection is with the panel's plane
    /// (it may fall outside the panel's pixels). Nil when h cannot diffract.
    public func predictNear(_ h: Miller, phiObserved: Double, frameObserved: Double? = nil,
                            panel: Int) -> PredictedReflection? {
        let hv = Vec3(Double(h.h), Double(h.k), Double(h.l))
        let a = aAtScanPoints.isEmpty ? A : settingMatrix(atFrame: frameObserved ?? scan.frame(atAngle: phiObserved))
        let r0 = frame.fixed * a * hv
        guard let (p1, p2) = angles.angles(r0: r0) else { return nil }
        let n1 = angleNearest(p1, to: phiObserved), n2 = angleNearest(p2, to: phiObserved)
        let phi = abs(n1 - phiObserved) <= abs(n2 - phiObserved) ? n1 : n2
        let s1 = self.s1(r0: r0, phi: phi)
        guard let mm = projector.millimetre(s1, panel: panel) else { return nil }
        let px = projector.detector.panels[panel].pixel(fromMillimetre: mm)
        return PredictedReflection(miller: h, experiment: experimentIndex, phi: phi, s1: s1,
                                   entering: s1.dot(enteringNormal) < 0, panel: panel, mm: mm, px: px,
                                   frame: scan.frame(atAngle: phi))
    }
}

/// Predictions for every experiment of a list, concatenated (ids = experiment indices).
public func predictReflections(_ experiments: ExperimentList, dMin: Double, dMax: Double = .infinity,
                               skipSystematicAbsences: Bool = false) throws -> [PredictedReflection] {
    var out: [PredictedReflection] = []
    for (i, e) in experiments.experiments.enumerated() {
        let predictor = try RotationPredictor(experiment: e, index: i)
        let group = skipSystematicAbsences ? try e.crystal?.spaceGroup() : nil
        out += predictor.predict(dMin: dMin, dMax: dMax, spaceGroup: group)
    }
    return out
}
