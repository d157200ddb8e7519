// CellGeometry: unit-cell matrices (orthogonalisation, B) and random rotations.
import MXMath
#if canImport(Glibc)
import Glibc
#endif

public enum CellGeometry {
    /// Real-space basis as matrix columns a, b, c in the cctbx/DIALS standard
    /// orientation: a along x, b in the xy plane (Giacovazzo, Fundamentals of
    /// Crystallography, eq. 2.E.1).
    public static func orthogonalisation(_ c: [Double]) -> Mat3 {
        let (a, b, cc) = (c[0], c[1], c[2])
        let al = radians(c[3]), be = radians(c[4]), ga = radians(c[5])
        let ca = cos(al), cb = cos(be), cg = cos(ga), sg = sin(ga)
        let v = a * b * cc * (1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg).squareRoot()
        return Mat3(a, b * cg, cc * cb,
                    0, b * sg, cc * (ca - cb * cg) / sg,
                    0, 0, v / (a * b * sg))
    }

    /// B = (O⁻¹)ᵀ: columns a*, b*, c* in the standard orientation (Busing &
    /// Levy 1967), lower triangular as dxtbx writes it.
    public static func bMatrix(_ c: [Double]) -> Mat3 {
        orthogonalisation(c).inverse!.transposed
    }

    /// Cell volume, Å³.
    public static func volume(_ c: [Double]) -> Double { orthogonalisation(c).determinant }

    /// A rotation uniform over SO(3): a unit quaternion from four normal
    /// deviates (Marsaglia 1972; uniform on the 3-sphere).
    public static func randomRotation(_ rng: inout RandomSource) -> Mat3 {
        var q = (rng.normal(), rng.normal(), rng.normal(), rng.normal())
        let n = (q.0 * q.0 + q.1 * q.1 + q.2 * q.2 + q.3 * q.3).squareRoot()
        q = (q.0 / n, q.1 / n, q.2 / n, q.3 / n)
        let (w, x, y, z) = q
        return Mat3(1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
                    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y))
    }

    /// A random unit vector (uniform on the sphere).
    public static func randomDirection(_ rng: inout RandomSource) -> Vec3 {
        Vec3(rng.normal(), rng.normal(), rng.normal()).normalized
    }
}
