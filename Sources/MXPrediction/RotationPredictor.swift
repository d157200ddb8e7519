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
/// are predicted frame by frame as DIALS' scan-varying predictor does: over
/// frame f the lab-frame reciprocal lattice point moves linearly from
/// S·R(φ_f)·F·A_f·h to S·R(φ_f+1)·F·A_f+1·h, and h is recorded where that
/// segment crosses the Ewald sphere (φ interpolated alike). Only frames
/// within two of the static A's crossing are examined, which holds the slowly
/// varying A of scan-varying refinement.
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
    /// The rotation axis (datum frame, normalised) and, per frame boundary of
    /// a scan-varying crystal, the cosine and sine of its angle: each
    /// prediction rotates lattice points to several boundaries, and the
    /// trigonometry was most of that work.
    let unitAxis: Vec3
    let boundaryRotations: [(cos: Double, sin: Double)]

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
        self.unitAxis = frame.datumAxis.normalized
        let boundaries = aAtScanPoints.isEmpty ? [] : Array(scan.arrayRange.lowerBound...scan.arrayRange.upperBound)
        self.boundaryRotations = boundaries.map { k in
            let angle = scan.angle(atFrame: Double(k))
            return (cosDouble(angle), sinDouble(angle))
        }
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
    /// scan and lands on a panel, sorted by frame. Systematic absences of
    /// `spaceGroup` are left out, or with `centringOnly` only those of its
    /// lattice centring.
    public func predict(dMin: Double, dMax: Double = .infinity, spaceGroup: SpaceGroup? = nil,
                        centringOnly: Bool = false) -> [PredictedReflection] {
        var out: [PredictedReflection] = []
        let range = scan.oscillationRange
        let generator = MillerIndexGenerator(cell: cell, dMin: dMin, dMax: dMax, skipAbsencesOf: spaceGroup,
                                             centringOnly: centringOnly)
        let fa = frame.fixed * A
        generator.forEach { h in
            let hv = Vec3(Double(h.h), Double(h.k), Double(h.l))
            let r0 = fa * hv
            guard let (p1, p2) = angles.angles(r0: r0) else { return }
            if !aAtScanPoints.isEmpty {
                out += scanVaryingReflections(h, hv: hv, staticAngles: [p1, p2])
                return
            }
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

    /// The prediction of h at angle φ (radians) with r₀ from the static A; nil when it misses the detector.
    func reflection(_ h: Miller, hv: Vec3, r0: Vec3, phi: Double) -> PredictedReflection? {
        let s1 = self.s1(r0: r0, phi: phi)
        return onDetector(h, s1: s1, phi: phi)
    }

    /// Lab-frame reciprocal lattice point of h at frame boundary k (array index) with A of that boundary.
    func latticePoint(_ hv: Vec3, boundary k: Int) -> Vec3 {
        let a = aAtScanPoints[k - scan.arrayRange.lowerBound]
        let (c, s) = boundaryRotations[k - scan.arrayRange.lowerBound]
        return frame.setting * (frame.fixed * (a * hv)).rotated(aroundUnit: unitAxis, cos: c, sin: s)
    }

    /// Scan-varying predictions of h: Ewald-sphere crossings of the
    /// linearly moving lattice point within each frame examined (frames near
    /// the static crossings `staticAngles`, whole-turn images included).
    func scanVaryingReflections(_ h: Miller, hv: Vec3, staticAngles: [Double]) -> [PredictedReflection] {
        let range = scan.arrayRange
        var frames: [Int] = []
        frames.reserveCapacity(10)
        let lo = scan.angle(atFrame: Double(range.lowerBound) - 2), hi = scan.angle(atFrame: Double(range.upperBound) + 2)
        let (first, last) = (min(lo, hi), max(lo, hi))
        for phi0 in staticAngles {
            var phi = angleNearest(phi0, to: first)
            if phi < first { phi += 2 * .pi }
            while phi <= last {
                let f = Int(scan.frame(atAngle: phi).rounded(.down))
                for k in (f - 2)...(f + 2) where k >= range.lowerBound && k < range.upperBound && !frames.contains(k) {
                    frames.append(k)
                }
                phi += 2 * .pi
            }
        }
        var out: [PredictedReflection] = []
        let k0 = s0.length
        frames.sort()
        for f in frames {
            let r1 = latticePoint(hv, boundary: f), r2 = latticePoint(hv, boundary: f + 1)
            let outside1 = (s0 + r1).length - k0 >= 0, outside2 = (s0 + r2).length - k0 >= 0
            guard outside1 != outside2 else { continue }
            // |s₀ + r₁ + α·dr|² = |s₀|²: a quadratic in α with a root in [0, 1].
            let dr = r2 - r1
            let a = dr.lengthSquared, b = 2 * (s0 + r1).dot(dr), c = r1.lengthSquared + 2 * s0.dot(r1)
            guard let alpha = rootInUnitInterval(a, b, c) else { continue }
            let s1 = s0 + r1 + dr * alpha
            let phi = scan.angle(atFrame: Double(f) + alpha)
            if let p = onDetector(h, s1: s1, phi: phi) { out.append(p) }
        }
        return out
    }

    /// The reflection with diffracted beam s₁ at φ, where it hits a panel; nil when it misses.
    func onDetector(_ h: Miller, s1: Vec3, phi: Double) -> PredictedReflection? {
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

/// The root of a·α² + b·α + c = 0 in [0, 1] (the smaller when both are), nil when none is.
private func rootInUnitInterval(_ a: Double, _ b: Double, _ c: Double) -> Double? {
    var roots: [Double] = []
    if abs(a) < 1e-300 {
        if b != 0 { roots = [-c / b] }
    } else {
        let disc = b * b - 4 * a * c
        guard disc >= 0 else { return nil }
        // Numerically stable pair: q = −½(b + sign(b)·√disc), roots q/a and c/q.
        let q = -0.5 * (b + (b >= 0 ? 1 : -1) * disc.squareRoot())
        roots = [q / a]
        if q != 0 { roots.append(c / q) }
    }
    return roots.filter { $0 >= 0 && $0 <= 1 }.min()
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
