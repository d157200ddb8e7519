// IndexAssignment: Miller indices for reciprocal-lattice points given one or more setting matrices A.
import MXMath
import MXModel

/// Assigns Miller indices as DIALS' `AssignIndices` does: h_f = A⁻¹·rlp is
/// rounded, and accepted when |h_f − h|² ≤ tolerance² and h ≠ 0. With several
/// lattices a point goes to the lattice where it fits best.
public enum IndexAssignment {
    /// Index of the lattice each point belongs to (−1: unindexed) and its hkl.
    public static func assign(rlp: [Vec3], settings: [Mat3], tolerance: Double = 0.3,
                              eligible: [Bool]? = nil) -> (lattice: [Int], hkl: [MillerIndex]) {
        let inverses = settings.map { $0.inverse ?? .identity }
        var lattice = [Int](repeating: -1, count: rlp.count)
        var hkl = [MillerIndex](repeating: MillerIndex(0, 0, 0), count: rlp.count)
        let tol2 = tolerance * tolerance
        for i in rlp.indices {
            if let e = eligible, !e[i] { continue }
            var best = tol2
            for (l, inv) in inverses.enumerated() {
                let f = inv * rlp[i]
                let h = Vec3(f.x.rounded(), f.y.rounded(), f.z.rounded())
                if h.x == 0 && h.y == 0 && h.z == 0 { continue }
                let e2 = (f - h).lengthSquared
                if e2 <= best {
                    best = e2; lattice[i] = l
                    hkl[i] = MillerIndex(Int32(h.x), Int32(h.y), Int32(h.z))
                }
            }
        }
        return (lattice, hkl)
    }

    /// Fraction of `rlp` (optionally only where `subset`) that index within `tolerance`.
    public static func fractionIndexed(rlp: [Vec3], setting: Mat3, tolerance: Double = 0.3) -> Double {
        guard !rlp.isEmpty, let inv = setting.inverse else { return 0 }
        var n = 0
        let tol2 = tolerance * tolerance
        for r in rlp {
            let f = inv * r
            let h = Vec3(f.x.rounded(), f.y.rounded(), f.z.rounded())
            if (f - h).lengthSquared <= tol2 && h.lengthSquared > 0 { n += 1 }
        }
        return Double(n) / Double(rlp.count)
    }
}

/// Linear least-squares fit of the setting matrix A to indexed points:
/// minimises Σ|A·h − rlp|², whose normal equations give
/// A = (Σ rlp·hᵀ)(Σ h·hᵀ)⁻¹. A legitimate first estimate before geometric refinement
/// (it ignores the detector and the angular weighting of errors).
public enum SettingMatrixFit {
    public static func fit(rlp: [Vec3], hkl: [Vec3]) -> Mat3? {
        guard rlp.count >= 3 else { return nil }
        var rh = [Double](repeating: 0, count: 9), hh = [Double](repeating: 0, count: 9)
        for (r, h) in zip(rlp, hkl) {
            for i in 0..<3 {
                for j in 0..<3 {
                    rh[3 * i + j] += r[i] * h[j]
                    hh[3 * i + j] += h[i] * h[j]
                }
            }
        }
        guard let hhInverse = Mat3(hh).inverse else { return nil }
        return Mat3(rh) * hhInverse
    }

    /// Residuals |A·h − rlp| (Å⁻¹).
    public static func residuals(rlp: [Vec3], hkl: [Vec3], setting: Mat3) -> [Double] {
        zip(rlp, hkl).map { (setting * $1 - $0).length }
    }
}
