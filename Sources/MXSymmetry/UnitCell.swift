// UnitCell: lattice parameters and the matrices and distances derived from
// them (metric tensors, orthogonalisation, the dxtbx B matrix, d-spacings).
import MXMath
import MXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unit cell: edge lengths a, b, c in Å and angles α, β, γ. The public
/// initialisers take degrees (as files and users give them); the stored
/// angles are radians.
///
/// Frames follow the PDB/cctbx convention (ITfC B §3.3.1.1.1): a along x,
/// b in the xy plane, c completing a right-handed set. With that choice the
/// orthogonalisation matrix O (columns a, b, c) is upper triangular and
/// dxtbx's B = (O⁻¹)ᵀ is lower triangular with columns a*, b*, c*.
public struct UnitCell: Equatable, Sendable, CustomStringConvertible {
    /// Edge lengths, Å.
    public let a: Double, b: Double, c: Double
    /// Inter-axial angles, radians: α = ∠(b, c), β = ∠(c, a), γ = ∠(a, b).
    public let alpha: Double, beta: Double, gamma: Double
    /// Orthogonalisation matrix O: Cartesian (Å) = O · fractional. Columns
    /// are a, b, c with a along x and b in the xy plane (PDB/cctbx).
    public let orthogonalisationMatrix: Mat3
    /// Fractionalisation matrix F = O⁻¹; its rows are a*, b*, c* in the same frame.
    public let fractionalisationMatrix: Mat3
    /// Reciprocal metric tensor G* = F·Fᵀ = G⁻¹ (Å⁻²); 1/d² = hᵀ·G*·h.
    public let reciprocalMetricTensor: Mat3

    /// A cell from lengths (Å) and angles (degrees).
    /// - Throws: `SymmetryError.invalidCell` when a length is not positive
    ///   and finite, an angle lies outside (0°, 180°), or the angles cannot
    ///   close a cell (e.g. α + β < γ), which shows as a non-positive volume.
    public init(a: Double, b: Double, c: Double, alpha: Double, beta: Double, gamma: Double) throws {
        for (name, v) in [("a", a), ("b", b), ("c", c)] where !(v > 0 && v.isFinite) {
            throw SymmetryError.invalidCell("\(name) = \(v) Å is not a positive length")
        }
        for (name, v) in [("alpha", alpha), ("beta", beta), ("gamma", gamma)] where !(v > 0 && v < 180) {
            throw SymmetryError.invalidCell("\(name) = \(v)° is outside (0°, 180°)")
        }
        let (ra, rb, rg) = (radians(alpha), radians(beta), radians(gamma))
        let ca = cos(ra), cb = cos(rb), cg = cos(rg), sg = sin(rg)
        // (V / abc)² = 1 − cos²α − cos²β − cos²γ + 2 cosα cosβ cosγ (ITfC B eq. 1.1.1.3)
        let factor2 = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg
        guard factor2 > 1e-12 else {
            throw SymmetryError.invalidCell("angles \(alpha)°, \(beta)°, \(gamma)° do not form a cell")
        }
        let v = a * b * c * factor2.squareRoot()
        self.a = a; self.b = b; self.c = c
        self.alpha = ra; self.beta = rb; self.gamma = rg
        self.volume = v
        orthogonalisationMatrix = Mat3(a, b * cg, c * cb,
                                       0, b * sg, c * (ca - cb * cg) / sg,
                                       0, 0, v / (a * b * sg))
        // Closed-form inverse of the upper-triangular O.
        let f = Mat3(1 / a, -cg / (a * sg), b * c * (ca * cg - cb) / (v * sg),
                     0, 1 / (b * sg), a * c * (cb * cg - ca) / (v * sg),
                     0, 0, a * b * sg / v)
        fractionalisationMatrix = f
        reciprocalMetricTensor = f * f.transposed
    }

    /// A cell from `[a, b, c, α, β, γ]` (Å, degrees), the order of `.expt`, MTZ and PDB CRYST1.
    public init(parameters p: [Double]) throws {
        guard p.count == 6 else { throw SymmetryError.invalidCell("need 6 parameters, got \(p.count)") }
        try self.init(a: p[0], b: p[1], c: p[2], alpha: p[3], beta: p[4], gamma: p[5])
    }

    /// The cell whose metric tensor is G (Å²): a = √G₁₁, cos α = G₂₃/(b·c), …
    /// - Throws: `SymmetryError.invalidCell` when G is not a metric (non-positive diagonal, …).
    public init(metricTensor g: Mat3) throws {
        let a = g[0, 0].squareRoot(), b = g[1, 1].squareRoot(), c = g[2, 2].squareRoot()
        guard a > 0, b > 0, c > 0 else { throw SymmetryError.invalidCell("metric tensor has a non-positive diagonal") }
        func angle(_ cosine: Double) -> Double { degrees(acos(Swift.max(-1, Swift.min(1, cosine)))) }
        try self.init(a: a, b: b, c: c, alpha: angle(g[1, 2] / (b * c)), beta: angle(g[0, 2] / (a * c)),
                      gamma: angle(g[0, 1] / (a * b)))
    }

    /// The cell spanned by real-space vectors a, b, c (Å, any frame).
    public init(realSpaceA va: Vec3, _ vb: Vec3, _ vc: Vec3) throws {
        let rows = Mat3(rows: va, vb, vc)
        try self.init(metricTensor: rows * rows.transposed)
    }

    /// The cell of a crystal model (from its real-space vectors).
    public init(crystal: Crystal) throws {
        try self.init(realSpaceA: crystal.realSpaceA, crystal.realSpaceB, crystal.realSpaceC)
    }

    // MARK: parameters

    public var alphaDegrees: Double { degrees(alpha) }
    public var betaDegrees: Double { degrees(beta) }
    public var gammaDegrees: Double { degrees(gamma) }
    /// `[a, b, c, α, β, γ]` in Å and degrees.
    public var parameters: [Double] { [a, b, c, alphaDegrees, betaDegrees, gammaDegrees] }

    /// Cell volume, Å³ (ITfC B eq. 1.1.1.3).
    public let volume: Double

    /// Metric tensor G = OᵀO, Gᵢⱼ = aᵢ·aⱼ (Å²).
    public var metricTensor: Mat3 {
        let ab = a * b * cos(gamma), ac = a * c * cos(beta), bc = b * c * cos(alpha)
        return Mat3(a * a, ab, ac, ab, b * b, bc, ac, bc, c * c)
    }
    /// The reciprocal cell a*, b*, c* (Å⁻¹) and α*, β*, γ*.
    public var reciprocal: UnitCell {
        // A valid direct cell always has a valid reciprocal.
        (try? UnitCell(metricTensor: reciprocalMetricTensor)) ?? self
    }

    // MARK: frames

    /// dxtbx/cctbx B matrix, Fᵀ: lower triangular, columns a*, b*, c* (Å⁻¹).
    /// With the setting matrix A = U·B the reciprocal-lattice vector of h is
    /// A·h (Busing & Levy 1967, in dxtbx's frame).
    public var bMatrix: Mat3 { fractionalisationMatrix.transposed }

    /// Cartesian position (Å) of fractional coordinates.
    public func orthogonalise(_ fractional: Vec3) -> Vec3 { orthogonalisationMatrix * fractional }
    /// Fractional coordinates of a Cartesian position (Å).
    public func fractionalise(_ cartesian: Vec3) -> Vec3 { fractionalisationMatrix * cartesian }

    // MARK: reflections

    /// 1/d² (Å⁻²) of reflection h: hᵀ·G*·h.
    @inlinable public func oneOverDSquared(_ m: Miller) -> Double {
        let g = reciprocalMetricTensor, h = Double(m.h), k = Double(m.k), l = Double(m.l)
        return h * h * g.m.0 + k * k * g.m.4 + l * l * g.m.8 + 2 * (h * k * g.m.1 + h * l * g.m.2 + k * l * g.m.5)
    }
    /// Interplanar spacing d (Å); +∞ for (0,0,0).
    public func dSpacing(_ m: Miller) -> Double {
        let s = oneOverDSquared(m)
        return s > 0 ? 1 / s.squareRoot() : .infinity
    }
    /// Bragg angle 2θ (radians) of h at `wavelength` Å, from λ = 2d sin θ;
    /// nil when λ/(2d) > 1 (h cannot diffract at that wavelength).
    public func twoTheta(_ m: Miller, wavelength: Double) -> Double? {
        let sinTheta = wavelength * oneOverDSquared(m).squareRoot() / 2
        guard sinTheta <= 1 else { return nil }
        return 2 * asin(sinTheta)
    }

    /// Largest difference of lengths (Å) and angles (degrees) to `other`.
    public func maxParameterDifference(_ other: UnitCell) -> (length: Double, angleDegrees: Double) {
        let p = parameters, q = other.parameters
        return ((0..<3).map { abs(p[$0] - q[$0]) }.max()!, (3..<6).map { abs(p[$0] - q[$0]) }.max()!)
    }

    public var description: String {
        func f(_ x: Double) -> String {
            let r = (x * 1000).rounded() / 1000
            return String(r)
        }
        return "(\(f(a)), \(f(b)), \(f(c)), \(f(alphaDegrees)), \(f(betaDegrees)), \(f(gammaDegrees)))"
    }
}

extension Crystal {
    /// A crystal with cell `cell` oriented by rotation U: A = U·B.
    public init?(cell: UnitCell, U: Mat3, spaceGroupHall: String = " P 1") {
        self.init(A: U * cell.bMatrix, spaceGroupHall: spaceGroupHall)
    }
    /// The crystal's unit cell; nil when its real-space vectors are degenerate.
    public var unitCell: UnitCell? { try? UnitCell(crystal: self) }
    /// dxtbx's B matrix of the crystal's cell (Å⁻¹); nil when degenerate.
    public var B: Mat3? { unitCell?.bMatrix }
    /// The orientation U = A·B⁻¹ (dxtbx `get_U`): a rotation when a, b, c
    /// are right-handed (an improper one otherwise); nil when degenerate.
    public var U: Mat3? {
        guard let b = B, let bInv = b.inverse else { return nil }
        return A * bInv
    }
}
