// RotationPrediction: where an indexed reflection is predicted on the detector and in φ, for rotation geometry.
import Foundation
import MXMath
import MXModel

/// Prediction of one reflection in a rotation sweep: the angle φ at which
/// r(φ) = S·R(φ)·F·A·h meets the Ewald sphere, |s0 + r|² = |s0|², then the
/// ray s1 = s0 + r onto the panel. Writing R(φ)·r0 = r∥ + cos φ·r⊥ + sin φ·(e×r0)
/// turns the condition into a·cos φ + b·sin φ = c with
/// a = s0'·r⊥, b = s0'·(e×r0), c = −|r0|²/2 − s0'·r∥ and s0' = S⁻¹·s0.
/// Of the two solutions the one nearer the observed φ is taken.
public struct RotationPrediction: Sendable {
    public var s1: Vec3
    /// Panel mm and φ (radians).
    public var xyzMm: Vec3
    /// Pixels and frame.
    public var xyzPx: Vec3

    /// Both angles (radians, in (−π, π] + 2πk nearest `near`) at which h meets the Ewald sphere; empty when it never does.
    public static func angles(hkl: MillerIndex, setting A: Mat3, experiment: Experiment, near: Double = 0) -> [Double] {
        guard let g = experiment.goniometer else { return [] }
        let h = Vec3(Double(hkl.h), Double(hkl.k), Double(hkl.l))
        let e = g.rotationAxisDatum
        let r0 = g.fixedRotation * (A * h)
        let s0p = g.settingRotation.transposed * experiment.beam.s0
        let par = e * e.dot(r0), perp = r0 - par
        let a = s0p.dot(perp), b = s0p.dot(e.cross(r0)), c = -r0.lengthSquared / 2 - s0p.dot(par)
        let rho = (a * a + b * b).squareRoot()
        guard rho > 0, abs(c) <= rho else { return [] }
        let base = atan2(b, a), delta = acos(c / rho)
        return [base + delta, base - delta].map { $0 + 2 * Double.pi * ((near - $0) / (2 * Double.pi)).rounded() }
    }

    public static func predict(hkl: MillerIndex, setting A: Mat3, experiment: Experiment, panel: Int,
                               nearPhi: Double) -> RotationPrediction? {
        let h = Vec3(Double(hkl.h), Double(hkl.k), Double(hkl.l))
        let s0 = experiment.beam.s0
        var phi = 0.0
        var r: Vec3
        if let g = experiment.goniometer {
            let e = g.rotationAxisDatum
            let r0 = g.fixedRotation * (A * h)
            let s0p = g.settingRotation.transposed * s0
            let par = e * e.dot(r0), perp = r0 - par
            let a = s0p.dot(perp), b = s0p.dot(e.cross(r0)), c = -r0.lengthSquared / 2 - s0p.dot(par)
            let rho = (a * a + b * b).squareRoot()
            guard rho > 0, abs(c) <= rho else { return nil }
            let base = atan2(b, a), delta = acos(c / rho)
            func wrapped(_ x: Double) -> Double {  // x shifted by 2π·k to lie nearest nearPhi
                x + 2 * Double.pi * ((nearPhi - x) / (2 * Double.pi)).rounded()
            }
            let p1 = wrapped(base + delta), p2 = wrapped(base - delta)
            phi = abs(p1 - nearPhi) <= abs(p2 - nearPhi) ? p1 : p2
            r = g.rotation(at: phi) * (A * h)
        } else {
            r = A * h
        }
        let s1 = s0 + r
        let p = experiment.detector.panels[panel]
        guard let mm = p.rayIntersection(s1) else { return nil }
        let px = p.pixel(fromMillimetre: mm)
        let z = experiment.scan?.frame(atAngle: phi) ?? 0
        return RotationPrediction(s1: s1, xyzMm: Vec3(mm.x, mm.y, phi), xyzPx: Vec3(px.x, px.y, z))
    }
}
