// LatticeComparison: the rotation between two lattices, over all equivalent choices of basis.
import Foundation
import MXMath

/// Compares two oriented lattices. Two settings describe the same lattice
/// turned by R when A₂ = R·A₁·M for a unimodular integer M (a change of
/// basis, i.e. the lattice's equivalent settings); R = A₂·M⁻¹·A₁⁻¹. The
/// smallest rotation over M with entries in {−1, 0, 1} is reported.
public enum LatticeComparison {
    /// Unimodular 3×3 integer matrices (det +1) with entries in {−1, 0, 1}, and their inverses.
    static let unimodular: [(Mat3, Mat3)] = {
        var out: [(Mat3, Mat3)] = []
        var e = [Double](repeating: 0, count: 9)
        for code in 0..<19683 {
            var c = code
            for i in 0..<9 { e[i] = Double(c % 3 - 1); c /= 3 }
            let m = Mat3(e)
            if abs(m.determinant - 1) < 1e-9, let inv = m.inverse { out.append((m, inv)) }
        }
        return out
    }()

    /// The smallest rotation (angle in degrees, unit axis) taking lattice 1 to
    /// lattice 2, or nil when their metrics differ by more than `tolerance`
    /// (relative) in every equivalent setting.
    public static func rotation(from a1: Mat3, to a2: Mat3, tolerance: Double = 0.05) -> (angleDegrees: Double, axis: Vec3)? {
        guard let a1Inverse = a1.inverse else { return nil }
        var best: (Double, Vec3)? = nil
        for (_, mInverse) in unimodular {
            let r = a2 * mInverse * a1Inverse
            // Close to orthogonal?
            let rtr = r.transposed * r
            if rtr.maxAbsDifference(.identity) > tolerance { continue }
            guard let rot = try? r.nearestRotation() else { continue }
            let cosAngle = min(1, max(-1, (rot.trace - 1) / 2))
            let angle = acos(cosAngle) * 180 / .pi
            if best == nil || angle < best!.0 {
                let axis = Vec3(rot[2, 1] - rot[1, 2], rot[0, 2] - rot[2, 0], rot[1, 0] - rot[0, 1])
                best = (angle, axis.length > 1e-12 ? axis.normalized : Vec3(1, 0, 0))
            }
        }
        return best
    }

    /// Misorientation in degrees (180 when the lattices differ in metric).
    public static func misorientationDegrees(_ a1: Mat3, _ a2: Mat3) -> Double {
        rotation(from: a1, to: a2)?.angleDegrees ?? 180
    }
}
