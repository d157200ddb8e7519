// SpotGeometry: strong-spot centroids mapped to millimetres, angles, s1 and reciprocal-lattice points.
import MXMath
import MXModel

/// The observed spots of one sweep in the frames indexing works in, computed
/// from `xyzobs.px.*` with the experiment's models as DIALS does
/// (`indexer._map_centroids_to_reciprocal_space`, `calculate_entering_flags`).
public struct SpotGeometry: Sendable {
    /// Panel mm and φ (radians): DIALS' `xyzobs.mm.value`.
    public var xyzMm: [Vec3]
    /// Variances of `xyzMm` (mm², mm², rad²).
    public var xyzMmVariance: [Vec3]
    /// Diffracted beam vectors, |s1| = 1/λ (Å⁻¹).
    public var s1: [Vec3]
    /// Reciprocal-lattice points in the crystal setting at φ = 0:
    /// rlp = F⁻¹ · R(−φ) · S⁻¹ · (s1 − s0), so that rlp = A·h for an indexed spot.
    public var rlp: [Vec3]
    /// Whether the point was entering the Ewald sphere: s1·(s0 × axis) < 0 (dxtbx).
    public var entering: [Bool]
    /// Resolution 1/|rlp| (Å).
    public var d: [Double]

    public var count: Int { rlp.count }

    /// Maps pixel centroids (fast, slow, frame) on panels `panels` through
    /// the experiment's detector, scan and goniometer. A sweep without a scan
    /// or goniometer is treated as a still at φ = 0.
    public init(pixels: [Vec3], variances: [Vec3], panels: [Int], experiment: Experiment) {
        let s0 = experiment.beam.s0
        let axis = experiment.goniometer?.rotationAxisDatum ?? Vec3(1, 0, 0)
        let labAxis = experiment.goniometer?.rotationAxis ?? axis
        let fixedInverse = experiment.goniometer?.fixedRotation.transposed ?? .identity
        let settingInverse = experiment.goniometer?.settingRotation.transposed ?? .identity
        let width = experiment.scan?.oscillationWidth ?? 0
        let n = pixels.count
        var xyzMm = [Vec3](), xyzVar = [Vec3](), s1s = [Vec3](), rlps = [Vec3](), entering = [Bool](), ds = [Double]()
        xyzMm.reserveCapacity(n); xyzVar.reserveCapacity(n); s1s.reserveCapacity(n); rlps.reserveCapacity(n)
        entering.reserveCapacity(n); ds.reserveCapacity(n)
        let panelList = experiment.detector.panels
        let lambdaInverse = 1 / experiment.beam.wavelength
        let enteringNormal = s0.cross(labAxis)
        let hasGoniometer = experiment.goniometer != nil
        for i in 0..<n {
            let panel = panelList[min(max(panels.isEmpty ? 0 : panels[i], 0), panelList.count - 1)]
            let p = pixels[i]
            let mm = panel.millimetre(fromPixel: (p.x, p.y))
            let phi = experiment.scan?.angle(atFrame: p.z) ?? 0
            xyzMm.append(Vec3(mm.x, mm.y, phi))
            let v = variances.isEmpty ? Vec3(0.25, 0.25, 0.25) : variances[i]
            xyzVar.append(Vec3(v.x * panel.pixelSize.fast * panel.pixelSize.fast,
                               v.y * panel.pixelSize.slow * panel.pixelSize.slow, v.z * width * width))
            let s1 = panel.labCoordinate(mm: mm).normalized * lambdaInverse
            s1s.append(s1)
            let r = settingInverse * (s1 - s0)
            let rlp = fixedInverse * r.rotated(around: axis, by: -phi)
            rlps.append(rlp)
            entering.append(hasGoniometer && s1.dot(enteringNormal) < 0)
            let q = rlp.length
            ds.append(q > 0 ? 1 / q : .infinity)
        }
        self.xyzMm = xyzMm; self.xyzMmVariance = xyzVar; self.s1 = s1s; self.rlp = rlps
        self.entering = entering; self.d = ds
    }
}
