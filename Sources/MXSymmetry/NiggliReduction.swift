// NiggliReduction: reduction of a unit cell to its Buerger and Niggli
// reduced forms, with the change of basis that gets there.
import MXMath
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reduced cell and how it was reached from the input cell.
public struct CellReduction: Sendable {
    /// The cell before reduction.
    public let inputCell: UnitCell
    /// The reduced cell (same lattice, same volume).
    public let reducedCell: UnitCell
    /// Change of basis input → reduced: `inputCell.changeBasis(changeOfBasis)` is `reducedCell`.
    /// Its matrix is unimodular (det +1).
    public let changeOfBasis: ChangeOfBasis
    /// Krivý–Gruber steps taken (0 for an already reduced cell).
    public let iterations: Int
}

extension UnitCell {
    /// Reduction to the Niggli cell by the algorithm of Křivý & Gruber (1976,
    /// Acta Cryst. A32, 297), made numerically stable as Grosse-Kunstleve,
    /// Sauter & Adams (2004, Acta Cryst. A60, 1–6) describe: every comparison
    /// of the Niggli parameters A = a·a, B = b·b, C = c·c, ξ = 2b·c, η = 2a·c,
    /// ζ = 2a·b is made with a tolerance ε = `relativeEpsilon`·V^(2/3), and the
    /// parameters are recomputed from the input metric and the accumulated
    /// integer matrix after each step (no drift from incremental updates).
    ///
    /// Agrees with cctbx's `uctbx.unit_cell(p).niggli_cell()` and
    /// `change_of_basis_op_to_niggli_cell()` (default relative ε 1e-5).
    /// - Throws: `SymmetryError.invalidCell` when the iteration limit is hit
    ///   (a degenerate cell).
    public func niggliReduction(relativeEpsilon: Double = 1e-5, iterationLimit: Int = 1000) throws -> CellReduction {
        let g0 = metricTensor
        let eps = relativeEpsilon * pow(volume, 2.0 / 3.0)
        // Gauss-style pre-reduction makes long, skewed bases (a supercell
        // described by a far-from-reduced basis) cheap for the steps below.
        var p = Self.pairwiseReduced(g0)
        var iterations = 0
        func lt(_ x: Double, _ y: Double) -> Bool { x < y - eps }
        func gt(_ x: Double, _ y: Double) -> Bool { lt(y, x) }
        func eq(_ x: Double, _ y: Double) -> Bool { !lt(x, y) && !lt(y, x) }
        func sign(_ x: Double) -> Int { x > eps ? 1 : (x < -eps ? -1 : 0) }

        loop: while true {
            iterations += 1
            guard iterations <= iterationLimit else {
                throw SymmetryError.invalidCell("Niggli reduction of \(self) did not converge in \(iterationLimit) steps")
            }
            let g = Self.metric(g0, p)
            let (a, b, c) = (g[0, 0], g[1, 1], g[2, 2])
            let (xi, eta, zeta) = (2 * g[1, 2], 2 * g[0, 2], 2 * g[0, 1])
            // N1: A ≤ B, and |ξ| ≤ |η| when A = B.
            if gt(a, b) || (eq(a, b) && gt(abs(xi), abs(eta))) {
                p = p.times([0, -1, 0, -1, 0, 0, 0, 0, -1]); continue loop
            }
            // N2: B ≤ C, and |η| ≤ |ζ| when B = C.
            if gt(b, c) || (eq(b, c) && gt(abs(eta), abs(zeta))) {
                p = p.times([-1, 0, 0, 0, 0, -1, 0, -1, 0]); continue loop
            }
            // N3/N4: all of ξ, η, ζ positive (type I) or all non-positive (type II).
            let (l, m, n) = (sign(xi), sign(eta), sign(zeta))
            if l * m * n == 1 {
                let d = [l < 0 ? -1 : 1, m < 0 ? -1 : 1, n < 0 ? -1 : 1]
                if d != [1, 1, 1] { p = p.times([d[0], 0, 0, 0, d[1], 0, 0, 0, d[2]]) }
            } else if !(l == -1 && m == -1 && n == -1) {
                var d = [l == 1 ? -1 : 1, m == 1 ? -1 : 1, n == 1 ? -1 : 1]
                if d[0] * d[1] * d[2] == -1 {
                    // Keep the transformation proper by flipping an axis whose term is zero.
                    if let z = [l, m, n].firstIndex(of: 0) { d[z] = -1 }
                }
                if d != [1, 1, 1], d[0] * d[1] * d[2] == 1 { p = p.times([d[0], 0, 0, 0, d[1], 0, 0, 0, d[2]]) }
            }
            let h = Self.metric(g0, p)
            let (xi2, eta2, zeta2) = (2 * h[1, 2], 2 * h[0, 2], 2 * h[0, 1])
            // N5: |ξ| ≤ B.
            if gt(abs(xi2), b) || (eq(xi2, b) && lt(2 * eta2, zeta2)) || (eq(xi2, -b) && lt(zeta2, 0)) {
                let s = xi2 > 0 ? 1 : -1
                p = p.times([1, 0, 0, 0, 1, -s, 0, 0, 1]); continue loop
            }
            // N6: |η| ≤ A.
            if gt(abs(eta2), a) || (eq(eta2, a) && lt(2 * xi2, zeta2)) || (eq(eta2, -a) && lt(zeta2, 0)) {
                let s = eta2 > 0 ? 1 : -1
                p = p.times([1, 0, -s, 0, 1, 0, 0, 0, 1]); continue loop
            }
            // N7: |ζ| ≤ A.
            if gt(abs(zeta2), a) || (eq(zeta2, a) && lt(2 * xi2, eta2)) || (eq(zeta2, -a) && lt(eta2, 0)) {
                let s = zeta2 > 0 ? 1 : -1
                p = p.times([1, -s, 0, 0, 1, 0, 0, 0, 1]); continue loop
            }
            // N8: ξ + η + ζ + A + B ≥ 0 (a+b+c is not shorter than c).
            let sum = xi2 + eta2 + zeta2 + a + b
            if lt(sum, 0) || (eq(sum, 0) && gt(2 * (a + eta2) + zeta2, 0)) {
                p = p.times([1, 0, 1, 0, 1, 1, 0, 0, 1]); continue loop
            }
            break
        }
        let op = try ChangeOfBasis(basisIntegers: p.e)
        return CellReduction(inputCell: self, reducedCell: try UnitCell(metricTensor: Self.metric(g0, p)),
                             changeOfBasis: op, iterations: iterations - 1)
    }

    /// The Niggli-reduced cell (see `niggliReduction`).
    public func niggliCell(relativeEpsilon: Double = 1e-5) throws -> UnitCell {
        try niggliReduction(relativeEpsilon: relativeEpsilon).reducedCell
    }

    /// A Buerger-reduced cell: three shortest non-coplanar lattice vectors.
    /// The Niggli cell is the unique Buerger cell singled out by extra
    /// conditions (Křivý & Gruber 1976), so it is returned here; any other
    /// Buerger cell differs only in the choice among equally short vectors.
    public func buergerReduction(relativeEpsilon: Double = 1e-5) throws -> CellReduction {
        try niggliReduction(relativeEpsilon: relativeEpsilon)
    }

    /// True when this cell is already Niggli reduced within `relativeEpsilon`.
    public func isNiggliReduced(relativeEpsilon: Double = 1e-5) -> Bool {
        (try? niggliReduction(relativeEpsilon: relativeEpsilon).changeOfBasis.isIdentity) ?? false
    }

    /// Pᵀ·G·P.
    static func metric(_ g: Mat3, _ p: IntMatrix3) -> Mat3 {
        let m = Mat3(p.e.map(Double.init))
        return m.transposed * g * m
    }

    /// Repeated Lagrange–Gauss steps vᵢ ← vᵢ − round(vᵢ·vⱼ / vⱼ·vⱼ)·vⱼ until no
    /// vector shortens, then a proper unimodular basis results.
    static func pairwiseReduced(_ g0: Mat3) -> IntMatrix3 {
        var p = IntMatrix3.identity
        for _ in 0..<100 {
            var changed = false
            for i in 0..<3 {
                for j in 0..<3 where i != j {
                    let g = metric(g0, p)
                    let k = (g[i, j] / g[j, j]).rounded()
                    guard k != 0, abs(k) < 1e9 else { continue }
                    // Only accept a step that shortens vᵢ (guards against ties flipping back and forth).
                    let newLength = g[i, i] - 2 * k * g[i, j] + k * k * g[j, j]
                    guard newLength < g[i, i] * (1 - 1e-12) else { continue }
                    var e = IntMatrix3.identity.e
                    e[3 * j + i] = -Int(k)
                    p = p.times(e); changed = true
                }
            }
            if !changed { break }
        }
        return p
    }
}

/// A small integer 3×3 matrix, row-major (the accumulated reduction matrix).
struct IntMatrix3: Equatable {
    var e: [Int]
    static let identity = IntMatrix3(e: [1, 0, 0, 0, 1, 0, 0, 0, 1])
    /// self · M.
    func times(_ m: [Int]) -> IntMatrix3 {
        var out = [Int](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { out[3 * i + j] = (0..<3).reduce(0) { $0 + e[3 * i + $1] * m[3 * $1 + j] } } }
        return IntMatrix3(e: out)
    }
}

