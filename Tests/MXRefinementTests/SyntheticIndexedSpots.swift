// Test support: indexed spots made from a known experiment, and perturbations of its models.
import Foundation
import MXMath
import MXModel
import MXPrediction
import MXSymmetry
@testable import MXRefinement

enum Synthetic {
    /// λ = 0.98 Å along −z, spindle ≈ x with a small setting tilt, a 2000 × 2000
    /// panel of 0.1 mm pixels 150 mm away and slightly tilted, a 90 × 1° scan,
    /// and a triclinic crystal (41, 52, 63 Å; 85°, 95°, 100°) in a general orientation.
    static func experiment(spaceGroupHall: String = " P 1", cell: [Double]? = nil) -> Experiment {
        let tilt = Mat3.rotation(axis: Vec3(0.3, 1, 0.2), angle: 0.01)
        let fast = tilt * Vec3(1, 0, 0), slow = tilt * Vec3(0, -1, 0)
        let origin = tilt * Vec3(-101, 99, -150)
        let panel = Panel(fastAxis: fast, slowAxis: slow, origin: origin, imageSize: (2000, 2000),
                          pixelSize: (0.1, 0.1), trustedRange: (-1, 1e6))
        let p = cell ?? [41, 52, 63, 85, 95, 100]
        let uc = try! UnitCell(parameters: p)
        let u = Mat3.rotation(axis: Vec3(1, 2, 3), angle: 0.7)
        let crystal = Crystal(cell: uc, U: u, spaceGroupHall: spaceGroupHall)!
        var g = Goniometer(rotationAxis: Vec3(1, 0, 0))
        g.settingRotation = Mat3.rotation(axis: Vec3(0, 0, 1), angle: 0.003)
        g.fixedRotation = Mat3.rotation(axis: Vec3(0, 1, 0), angle: 0.2)
        return Experiment(identifier: "synthetic", beam: Beam(wavelength: 0.98), detector: Detector(panels: [panel]),
                          goniometer: g,
                          scan: Scan(imageRange: 1...90, oscillationStartDegrees: 0, oscillationWidthDegrees: 1),
                          crystal: crystal)
    }

    /// Indexed spots at the predicted positions of `experiment` (d ≥ dMin),
    /// with centroid σ of 0.03 mm in x, y and 0.3 mrad in φ; `noise` scales
    /// Gaussian errors of those σ (deterministic).
    static func spots(_ experiment: Experiment, dMin: Double = 2.5, noise: Double = 0, seed: UInt64 = 7) -> ReflectionTable {
        let preds = try! RotationPredictor(experiment: experiment).predict(dMin: dMin)
        var rng = SplitMix64(seed: seed)
        func gauss() -> Double {
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        let sxy = 0.03, sphi = 3e-4
        var t = ReflectionTable(count: preds.count)
        t.set(ReflectionTable.Name.millerIndex, .miller(preds.map { MillerIndex($0.miller.h, $0.miller.k, $0.miller.l) }))
        t.set(ReflectionTable.Name.id, .int(Array(repeating: 0, count: preds.count)))
        t.set(ReflectionTable.Name.panel, .size(preds.map { UInt64($0.panel) }))
        let obs = preds.map { Vec3($0.mm.x + noise * sxy * gauss(), $0.mm.y + noise * sxy * gauss(), $0.phi + noise * sphi * gauss()) }
        t.set(ReflectionTable.Name.xyzobsMmValue, .vec3(obs))
        t.set(ReflectionTable.Name.xyzobsMmVariance, .vec3(Array(repeating: Vec3(sxy * sxy, sxy * sxy, sphi * sphi), count: preds.count)))
        t.set(ReflectionTable.Name.xyzobsPxValue, .vec3(zip(obs, preds).map { o, p in
            Vec3(o.x / 0.1, o.y / 0.1, experiment.scan!.frame(atAngle: o.z)) }))
        t.flags = Array(repeating: [.indexed, .strong], count: preds.count)
        return t
    }

    /// `experiment` with every model nudged: beam tilted 0.5 mrad in the spindle
    /// plane, detector moved 0.4 mm and 1 mm closer and turned 2 mrad, crystal
    /// rotated 3 mrad and its cell stretched 0.4 %.
    static func perturbed(_ e: Experiment) -> Experiment {
        var p = e
        let axis = e.beam.s0.normalized.cross(e.goniometer!.rotationAxis).normalized
        p.beam.direction = e.beam.direction.rotated(around: axis, by: 5e-4)
        let r = Mat3.rotation(axis: Vec3(0.2, 0.5, 1), angle: 0.002)
        p.detector.panels[0].fastAxis = r * e.detector[0].fastAxis
        p.detector.panels[0].slowAxis = r * e.detector[0].slowAxis
        p.detector.panels[0].origin = r * e.detector[0].origin + Vec3(0.4, -0.3, 1.0)
        let c = e.crystal!
        let rot = Mat3.rotation(axis: Vec3(3, -1, 2), angle: 0.003)
        var pc = c
        pc.realSpaceA = rot * (c.realSpaceA * 1.004)
        pc.realSpaceB = rot * (c.realSpaceB * 1.002)
        pc.realSpaceC = rot * (c.realSpaceC * 0.997)
        p.crystal = pc
        return p
    }
}


