// DetectorParameterisation: the whole detector as a rigid body (distance, two shifts, three tilts).
import MXMath
import MXModel

/// The detector moved as one rigid body, in the frame of its first panel at
/// the start of refinement (as DIALS' single-panel parameterisation does,
/// applied to all panels together): n₀ the panel normal, f₀ and s₀ its fast
/// and slow axes, c₀ the centre of the panels. Parameters:
/// dist (mm, along n₀), shift1/shift2 (mm, along f₀, s₀), tau1/tau2/tau3
/// (mrad, rotations about n₀, f₀, s₀ through c₀), so that each panel's
/// axes become R·d and its origin c₀ + t + R·(o − c₀), with
/// R = R(n₀, τ₁)·R(f₀, τ₂)·R(s₀, τ₃).
public struct DetectorParameterisation: Sendable {
    public let initial: Detector
    public let normal: Vec3, fast: Vec3, slow: Vec3, centre: Vec3
    /// dist, shift1, shift2 (mm), tau1, tau2, tau3 (mrad).
    public var values: [Double] = [0, 0, 0, 0, 0, 0]
    public static let names = ["Dist", "Shift1", "Shift2", "Tau1", "Tau2", "Tau3"]

    public init(detector: Detector) {
        initial = detector
        let p0 = detector.panels[0]
        normal = p0.normal; fast = p0.fastAxis.normalized
        slow = normal.cross(fast).normalized  // orthonormal even for slightly skew axes
        var c = Vec3.zero
        for p in detector.panels {
            let s = p.sizeMillimetres
            c += p.labCoordinate(mm: (s.fast / 2, s.slow / 2))
        }
        centre = c / Double(detector.panels.count)
    }

    private func rotations() -> (r: Mat3, d: [Mat3]) {
        let (r1, d1) = rotationAndDerivative(axis: normal, angle: values[3] / 1000)
        let (r2, d2) = rotationAndDerivative(axis: fast, angle: values[4] / 1000)
        let (r3, d3) = rotationAndDerivative(axis: slow, angle: values[5] / 1000)
        return (r1 * r2 * r3, [d1 * r2 * r3 * 0.001, r1 * d2 * r3 * 0.001, r1 * r2 * d3 * 0.001])
    }

    /// Current D = [fast | slow | origin] of each panel, and dD/dpᵢ per panel
    /// for the six parameters.
    public func dMatrices() -> (d: [Mat3], derivatives: [[Mat3]]) {
        let (r, dr) = rotations()
        let t = normal * values[0] + fast * values[1] + slow * values[2]
        var ds: [Mat3] = [], derivs: [[Mat3]] = []
        for p in initial.panels {
            let rel = p.origin - centre
            ds.append(Mat3(columns: r * p.fastAxis, r * p.slowAxis, centre + t + r * rel))
            var list = [Mat3(columns: .zero, .zero, normal), Mat3(columns: .zero, .zero, fast),
                        Mat3(columns: .zero, .zero, slow)]
            for k in 0..<3 { list.append(Mat3(columns: dr[k] * p.fastAxis, dr[k] * p.slowAxis, dr[k] * rel)) }
            derivs.append(list)
        }
        return (ds, derivs)
    }

    /// The detector at the current values.
    public var detector: Detector {
        var d = initial
        let ms = dMatrices().d
        for i in d.panels.indices {
            d.panels[i].fastAxis = ms[i].col0
            d.panels[i].slowAxis = ms[i].col1
            d.panels[i].origin = ms[i].col2
        }
        return d
    }
}
