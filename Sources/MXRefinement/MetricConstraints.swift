// MetricConstraints: the free parameters of the reciprocal metric tensor G* allowed by a space group.
import MXMath
import MXSymmetry

/// The linear subspace of symmetric G* (Å⁻²) invariant under a point group:
/// reflections h and h·R have the same 1/d² = h·G*·hᵀ, so R·G*·Rᵀ = G* for
/// every rotation R of the group. Stacking these linear conditions on the
/// six independent elements (11, 22, 33, 12, 13, 23) and taking the null
/// space (SVD) gives the allowed directions; reducing them to row-echelon
/// form makes each free parameter one named element of G* (its pivot), e.g.
/// tetragonal → g*11 (= g*22) and g*33.
///
/// (helper-lattice's `LatticeConstraints` will supersede this; the
/// subspace is the same, only the derivation differs.)
public struct MetricConstraints: Equatable, Sendable {
    /// One row per free parameter: the G* element vector of a unit change of it.
    public let basis: [[Double]]
    /// For each free parameter, the index (0…5) of the G* element it equals.
    public let pivots: [Int]

    static let elementNames = ["g*11", "g*22", "g*33", "g*12", "g*13", "g*23"]

    /// No constraint: all six elements free (triclinic).
    public static let triclinic = MetricConstraints(
        basis: (0..<6).map { i in (0..<6).map { $0 == i ? 1.0 : 0.0 } }, pivots: Array(0..<6))

    init(basis: [[Double]], pivots: [Int]) { self.basis = basis; self.pivots = pivots }

    /// Parameter names, e.g. ["g*11", "g*33"].
    public var names: [String] { pivots.map { Self.elementNames[$0] } }

    /// Constraints of a group's rotations (row-major integer 3×3, acting on
    /// fractional coordinates).
    /// - Throws: `LinearAlgebraError` from the SVD (not expected for integer input).
    public init(rotations: [[Int]]) throws {
        var rows: [[Double]] = []
        for r in rotations where r != [1, 0, 0, 0, 1, 0, 0, 0, 1] {
            let rm = Mat3(r.map(Double.init))
            var columns: [[Double]] = []
            for m in 0..<6 {
                let e = symmetricMatrix((0..<6).map { $0 == m ? 1.0 : 0.0 })
                columns.append(symmetricVector(rm * e * rm.transposed - e))
            }
            for i in 0..<6 { rows.append((0..<6).map { columns[$0][i] }) }
        }
        guard !rows.isEmpty else { self = .triclinic; return }
        let svd = try Matrix(rows).svd()
        var null: [[Double]] = []
        for i in 0..<6 where i >= svd.singularValues.count || svd.singularValues[i] < 1e-9 {
            null.append(svd.vt.row(i))
        }
        // Reduced row-echelon form, so each parameter is one element of G*.
        var m = null, pivots: [Int] = []
        var row = 0
        for col in 0..<6 where row < m.count {
            guard let p = (row..<m.count).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[p][col]) > 1e-9 else {
                continue
            }
            m.swapAt(row, p)
            let f = m[row][col]
            m[row] = m[row].map { $0 / f }
            for r in 0..<m.count where r != row {
                let g = m[r][col]
                if g != 0 { m[r] = zip(m[r], m[row]).map { $0 - g * $1 } }
            }
            pivots.append(col)
            row += 1
        }
        // Clean rounding noise: the entries are small rationals (0, ±1, ±½).
        basis = m.map { $0.map { abs($0) < 1e-12 ? 0 : ($0 * 1e9).rounded() / 1e9 } }
        self.pivots = pivots
    }

    /// Constraints of a space group's point-group rotations.
    public init(spaceGroup: SpaceGroup) throws {
        try self.init(rotations: spaceGroup.operations.map(\.rotation))
    }

    /// G* (6 elements) from parameter values: Σ pⱼ·basisⱼ.
    public func metric(_ p: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: 6)
        for (j, row) in basis.enumerated() { for i in 0..<6 { g[i] += p[j] * row[i] } }
        return g
    }

    /// The parameters of the allowed G* nearest `g` in least squares
    /// (symmetrises a slightly distorted cell).
    public func parameters(nearest g: [Double]) throws -> [Double] {
        let a = Matrix((0..<6).map { i in basis.map { $0[i] } })
        return try a.leastSquares(g).solution
    }
}
