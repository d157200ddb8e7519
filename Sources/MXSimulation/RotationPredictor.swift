// RotationPredictor: where and when each reflection of a rotating crystal
// meets the Ewald sphere and the detector.
import MXMath
import MXModel
#if canImport(Glibc)
import Glibc
#endif

/// One predicted reflection: the Miller index, its angle φ (radians), lab
/// diffracted beam s1, the panel pixel it hits, and ζ.
public struct PredictedReflection: Sendable {
    public var hkl: (Int, Int, Int)
    public var phi: Double
    public var s1: Vec3
    public var panel: Int
    public var x: Double
    public var y: Double
    public var zeta: Double
    /// Which lattice (0 main, 1 second).
    public var lattice: Int
    /// Index into the simulator's intensity list.
    public var intensityIndex: Int
    /// Whether this is the Friedel-plus member (h in the Laue ASU by a proper rotation).
    public var d: Double
}

public enum RotationPredictor {
    /// The angles φ at which the reciprocal-lattice point r0 (lab frame at
    /// φ = 0, i.e. F·A·h) is on the Ewald sphere. With r(φ) = S·R(e, φ)·r0 and
    /// s0′ = Sᵀs0, the condition |s0 + r|² = |s0|² is r² + 2 s0′·R r0 = 0;
    /// splitting r0 into parts along e and perpendicular to it gives
    /// a cos φ + b sin φ = c, solved as φ = atan2(b, a) ± acos(c / √(a²+b²)):
    /// the entering and the exiting solutions.
    public static func angles(r0: Vec3, s0: Vec3, goniometer: Goniometer) -> [Double] {
        let e = goniometer.rotationAxisDatum
        let s0p = goniometer.settingRotation.transposed * s0
        let rPar = e * e.dot(r0)
        let rPerp = r0 - rPar
        let a = s0p.dot(rPerp), b = s0p.dot(e.cross(rPerp))
        let c = -0.5 * r0.lengthSquared - s0p.dot(rPar)
        let rho = (a * a + b * b).squareRoot()
        guard rho > 0, abs(c) < rho else { return [] }
        let base = atan2(b, a), delta = acos(c / rho)
        return [base - delta, base + delta]
    }

    /// Every reflection with d ≥ dMin of lattice A (setting matrix, lab at
    /// φ = 0) on the sphere within φ ∈ [φ0 − margin, φ1 + margin] that
    /// hits the detector. `include` filters indices (absences, zero F).
    public static func predict(A: Mat3, s0: Vec3, goniometer: Goniometer, detector: Detector,
                               phiRange: ClosedRange<Double>, margin: Double, dMin: Double, lattice: Int,
                               index: ((Int, Int, Int)) -> Int?) -> [PredictedReflection] {
        let fA = goniometer.fixedRotation * A
        // Bounds on |h|, |k|, |l| from the real-space cell lengths: |h| ≤ |a|/d.
        guard let realT = A.inverse else { return [] }
        let hmax = Int(realT.row0.length / dMin) + 1, kmax = Int(realT.row1.length / dMin) + 1
        let lmax = Int(realT.row2.length / dMin) + 1
        let limit2 = 1 / (dMin * dMin)
        var out: [PredictedReflection] = []
        let lo = phiRange.lowerBound - margin, hi = phiRange.upperBound + margin
        for h in -hmax...hmax { for k in -kmax...kmax { for l in -lmax...lmax {
            if h == 0 && k == 0 && l == 0 { continue }
            let r0 = fA * Vec3(Double(h), Double(k), Double(l))
            let q2 = r0.lengthSquared
            if q2 > limit2 { continue }
            guard let idx = index((h, k, l)) else { continue }
            for phi0 in angles(r0: r0, s0: s0, goniometer: goniometer) {
                // Bring φ into the window, trying whole turns.
                var phi = phi0
                let turn = 2 * Double.pi
                phi -= turn * floor((phi - lo) / turn)
                while phi <= hi {
                    let r = goniometer.settingRotation * (r0.rotated(around: goniometer.rotationAxisDatum, by: phi))
                    let s1 = s0 + r
                    if let hit = detector.intersect(s1) {
                        let z = DiffractionPhysics.zeta(s0: s0, s1: s1, axis: goniometer.rotationAxis)
                        out.append(PredictedReflection(hkl: (h, k, l), phi: phi, s1: s1, panel: hit.panel,
                                                       x: hit.px.x, y: hit.px.y, zeta: z, lattice: lattice,
                                                       intensityIndex: idx, d: 1 / q2.squareRoot()))
                    }
                    phi += turn
                }
            }
        } } }
        return out
    }
}
