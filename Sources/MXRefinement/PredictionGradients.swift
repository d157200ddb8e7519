// PredictionGradients: predicted (x, y, φ) of observed reflections and their analytical derivatives with respect to every free parameter.
import MXMath
import MXModel
import MXPrediction

/// One reflection as refinement sees it.
public struct RefinementObservation: Sendable {
    public var row: Int
    public var experiment: Int
    public var h: Vec3
    public var panel: Int
    /// Observed x, y (mm) and φ (rad).
    public var observed: Vec3
    /// Inverse variances of x, y (mm⁻²) and φ (rad⁻²).
    public var weight: Vec3
}

/// Models of one experiment at the current parameter values, with the
/// derivatives of s₀, A and each panel's D for the free parameters
/// (indexed by their position in the free vector; absent = zero).
struct ExperimentState {
    var s0: Vec3
    var ds0: [(Int, Vec3)]
    var a: Mat3
    var da: [(Int, Mat3)]
    var frame: GoniometerFrame
    var labAxis: Vec3
    var dInverse: [Mat3]
    /// Per panel: (free index, dD).
    var dd: [[(Int, Mat3)]]
}

extension ParameterisedModel {
    /// Experiment states at the current values; nil when a cell became invalid.
    func states() -> [ExperimentState]? {
        let beamState: [(Vec3, [Vec3])] = beams.map { let s = $0.s0AndDerivatives(); return (s.s0, s.d) }
        let detState = detectors.map { $0.dMatrices() }
        var crystalState: [(Mat3, [Mat3], [Mat3])] = []  // (A, dA/dφᵢ, dA/dpⱼ)
        for i in orientations.indices {
            let (u, du) = orientations[i].uAndDerivatives()
            guard let (b, db) = cells[i].bAndDerivatives() else { return nil }
            crystalState.append((u * b, du.map { $0 * b }, db.map { u * $0 }))
        }
        var out: [ExperimentState] = []
        for (e, m) in experimentModels.enumerated() {
            let exp = experiments[e]
            let frame = GoniometerFrame(exp.goniometer!)
            var ds0: [(Int, Vec3)] = [], da: [(Int, Mat3)] = []
            let det = detState[m.detector]
            var dd = [[(Int, Mat3)]](repeating: [], count: det.d.count)
            for (j, s) in slots.enumerated() {
                switch s.owner {
                case .beam(let i) where i == m.beam: ds0.append((j, beamState[i].1[s.local]))
                case .orientation(let i) where i == m.crystal: da.append((j, crystalState[i].1[s.local]))
                case .cell(let i) where i == m.crystal: da.append((j, crystalState[i].2[s.local]))
                case .detector(let i) where i == m.detector:
                    for p in 0..<det.d.count { dd[p].append((j, det.derivatives[p][s.local])) }
                default: break
                }
            }
            var inv: [Mat3] = []
            for d in det.d {
                guard let i = d.inverse else { return nil }
                inv.append(i)
            }
            out.append(ExperimentState(s0: beamState[m.beam].0, ds0: ds0, a: crystalState[m.crystal].0, da: da,
                                       frame: frame, labAxis: frame.labAxis, dInverse: inv, dd: dd))
        }
        return out
    }
}

/// Predicted (x mm, y mm, φ rad) of `o` under `state`, and, when `gradients`
/// is given (length 3·nFree, zeroed), fills d(x, y, φ)/dpⱼ at
/// [j], [nFree + j], [2·nFree + j]. Nil when h cannot diffract.
///
/// With r₀ = F·A·h, r = S·R(φ)·r₀, s₁ = s₀ + r and e = S·m, the diffraction
/// condition |s₁|² = |s₀|² differentiated at fixed h gives
/// dφ/dp = −(s₁·∂r/∂p + r·∂s₀/∂p) / (s₁·(e × r)), then
/// ds₁/dp = ∂s₀/∂p + ∂r/∂p + (e × r)·dφ/dp (the DIALS/Waterman form). On the
/// panel, v = D⁻¹·s₁ and (x, y) = (v₁, v₂)/v₃, so dv = D⁻¹·(ds₁ − dD·v) and
/// dx = (dv₁ − x·dv₃)/v₃.
func predictWithGradients(_ o: RefinementObservation, _ state: ExperimentState, nFree: Int,
                          gradients: UnsafeMutableBufferPointer<Double>?) -> Vec3? {
    let fr = state.frame
    let r0 = fr.fixed * (state.a * o.h)
    let angles = RotationAngles(s0: state.s0, goniometer: fr)
    guard let (p1, p2) = angles.angles(r0: r0) else { return nil }
    let n1 = angleNearest(p1, to: o.observed.z), n2 = angleNearest(p2, to: o.observed.z)
    let phi = abs(n1 - o.observed.z) <= abs(n2 - o.observed.z) ? n1 : n2
    let rot = fr.setting * Mat3.rotation(axis: fr.datumAxis, angle: phi)
    let r = rot * r0
    let s1 = state.s0 + r
    guard o.panel < state.dInverse.count else { return nil }
    let dInv = state.dInverse[o.panel]
    let v = dInv * s1
    guard v.z > 0 else { return nil }
    let x = v.x / v.z, y = v.y / v.z
    guard let g = gradients else { return Vec3(x, y, phi) }
    let exr = state.labAxis.cross(r)
    let denom = s1.dot(exr)
    func project(_ j: Int, _ dv: Vec3, _ dphi: Double) {
        g[j] += (dv.x - x * dv.z) / v.z
        g[nFree + j] += (dv.y - y * dv.z) / v.z
        g[2 * nFree + j] += dphi
    }
    for (j, ds0) in state.ds0 {
        let dphi = -r.dot(ds0) / denom
        project(j, dInv * (ds0 + exr * dphi), dphi)
    }
    for (j, da) in state.da {
        let dr = rot * (fr.fixed * (da * o.h))
        let dphi = -s1.dot(dr) / denom
        project(j, dInv * (dr + exr * dphi), dphi)
    }
    for (j, dd) in state.dd[o.panel] {
        project(j, -(dInv * (dd * v)), 0)
    }
    return Vec3(x, y, phi)
}
