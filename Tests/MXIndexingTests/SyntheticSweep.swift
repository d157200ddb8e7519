// SyntheticSweep: strong-spot tables generated from a known crystal, for indexing tests.
import Foundation
import MXMath
import MXModel
import MXPrediction
import MXSymmetry
@testable import MXIndexing

/// A simple sweep: beam along −z at 1 Å, a 1000 × 1000 panel of 0.1 mm
/// pixels 150 mm from the sample centred on the beam, rotation about x,
/// `images` images of `width` degrees.
func syntheticExperiment(images: Int = 60, width: Double = 1) -> Experiment {
    var panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(-50, 50, -150),
                      imageSize: (1000, 1000), pixelSize: (0.1, 0.1), trustedRange: (-1, 1e6))
    panel.name = "synthetic"
    return Experiment(identifier: "", beam: Beam(direction: Vec3(0, 0, 1), wavelength: 1.0),
                      detector: Detector(panels: [panel]), goniometer: Goniometer(rotationAxis: Vec3(1, 0, 0)),
                      scan: Scan(imageRange: 1...images, oscillationStartDegrees: 0, oscillationWidthDegrees: width))
}

/// A crystal from cell parameters and a rotation about `axis` by `angle` degrees.
func syntheticSetting(_ p: [Double], axis: Vec3, angle: Double) -> Mat3 {
    let ca = cos(p[3] * .pi / 180), cb = cos(p[4] * .pi / 180), cg = cos(p[5] * .pi / 180), sg = sin(p[5] * .pi / 180)
    let a = Vec3(p[0], 0, 0)
    let b = Vec3(p[1] * cg, p[1] * sg, 0)
    let cx = p[2] * cb, cy = p[2] * (ca - cb * cg) / sg
    let c = Vec3(cx, cy, (p[2] * p[2] - cx * cx - cy * cy).squareRoot())
    let r = Mat3.rotation(axis: axis.normalized, angle: angle * .pi / 180)
    return Mat3(rows: r * a, r * b, r * c).inverse!
}

/// Strong-spot table of every reflection of `settings` with d ≥ `dMin`
/// recorded on the panel within the scan, centroids jittered by a
/// deterministic pseudo-random amount of up to `noise` px (and frames).
func syntheticSpots(settings: [Mat3], experiment: Experiment, dMin: Double, noise: Double = 0.2,
                    seed: UInt64 = 7, absent: (MillerIndex) -> Bool = { _ in false }) -> (table: ReflectionTable, lattice: [Int]) {
    var rng = seed
    func random() -> Double {  // xorshift64*, uniform in [−1, 1)
        rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
        return Double((rng &* 2685821657736338717) >> 11) / Double(1 << 52) - 1
    }
    let scan = experiment.scan!
    let range = scan.oscillationRange
    var xyz: [Vec3] = [], lattice: [Int] = []
    for (l, a) in settings.enumerated() {
        let real = a.inverse!
        var e = experiment
        e.crystal = Crystal(A: a)
        let predictor = try! RotationPredictor(experiment: e)
        let hMax = Int(real.row0.length / dMin), kMax = Int(real.row1.length / dMin), lMax = Int(real.row2.length / dMin)
        for h in -hMax...hMax {
            for k in -kMax...kMax {
                for m in -lMax...lMax {
                    let hkl = MillerIndex(h, k, m)
                    if hkl.isZero || absent(hkl) { continue }
                    let hv = Vec3(Double(h), Double(k), Double(m))
                    let q = a * hv
                    if q.length * dMin > 1 { continue }
                    let mid = (range.lowerBound + range.upperBound) / 2
                    guard let (p1, p2) = predictor.angles.angles(r0: predictor.frame.fixed * q) else { continue }
                    for phi in [p2, p1].map({ angleNearest($0, to: mid) }) where range.contains(phi) {
                        guard let p = predictor.predictNear(Miller(h, k, m), phiObserved: phi, panel: 0),
                              experiment.detector.panels[0].contains(pixel: (p.px.x, p.px.y)) else { continue }
                        xyz.append(Vec3(p.px.x + noise * random(), p.px.y + noise * random(),
                                        p.frame + noise * random()))
                        lattice.append(l)
                    }
                }
            }
        }
    }
    var table = ReflectionTable(count: xyz.count)
    table.set(ReflectionTable.Name.xyzobsPxValue, .vec3(xyz))
    table.set(ReflectionTable.Name.xyzobsPxVariance, .vec3(Array(repeating: Vec3(0.1, 0.1, 0.1), count: xyz.count)))
    table.set(ReflectionTable.Name.panel, .size(Array(repeating: 0, count: xyz.count)))
    table.set(ReflectionTable.Name.flags, .size(Array(repeating: ReflectionFlags.strong.rawValue, count: xyz.count)))
    table.set(ReflectionTable.Name.id, .int(Array(repeating: 0, count: xyz.count)))
    return (table, lattice)
}
