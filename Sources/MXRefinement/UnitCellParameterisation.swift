// UnitCellParameterisation: B through the free elements of the reciprocal metric tensor G*.
import MXMath
import MXSymmetry

/// The crystal's B matrix parameterised, like DIALS, through the reciprocal
/// metric tensor: G* = Σ pⱼ·basisⱼ·10⁻⁵ (so pⱼ is a G* element in units of
/// 10⁻⁵ Å⁻²), with the basis from MXSymmetry's `MetricConstraints` of the
/// space group (the free parameters are the G* components cctbx calls
/// independent).
/// B is the lower-triangular matrix with BᵀB = G* (dxtbx's B, from the cell).
///
/// Derivatives: with M = Bᵀ (upper triangular) and G* = M·Mᵀ,
/// dG* = dM·Mᵀ + M·dMᵀ, so X = M⁻¹·dM is the upper-triangular matrix with
/// X + Xᵀ = M⁻¹·dG*·M⁻ᵀ: its upper triangle with the diagonal halved.
public struct UnitCellParameterisation: Sendable {
    public static let scale = 1e-5
    public let constraints: MetricConstraints
    public var values: [Double]

    /// - Parameters:
    ///   - B: the starting B (its G* is projected onto the allowed subspace).
    public init(B: Mat3, constraints: MetricConstraints) {
        self.constraints = constraints
        values = constraints.parameters(from: B.transposed * B).map { $0 / Self.scale }
    }

    static let elementNames = ["g*11", "g*22", "g*33", "g*12", "g*13", "g*23"]
    /// Parameter names, the G* components they are (e.g. ["g*22", "g*33"] for tetragonal).
    public var names: [String] { constraints.independentIndices.map { Self.elementNames[$0] } }

    /// G* at the current values (Å⁻²).
    public func reciprocalMetric(_ p: [Double]? = nil) -> Mat3 {
        constraints.reciprocalMetric(from: (p ?? values).map { $0 * Self.scale })
    }

    /// The cell at parameter values `p` (current values by default); nil when not a valid metric.
    public func cell(_ p: [Double]? = nil) -> UnitCell? {
        guard let gInv = reciprocalMetric(p).inverse else { return nil }
        return try? UnitCell(metricTensor: gInv)
    }

    /// Current B and dB/dpⱼ; nil when the values no longer describe a cell.
    public func bAndDerivatives() -> (b: Mat3, d: [Mat3])? {
        guard let b = cell()?.bMatrix else { return nil }
        let m = b.transposed
        guard let mInv = m.inverse else { return nil }
        var ds: [Mat3] = []
        for row in constraints.basis {
            let dg = symmetricMatrix(row.map { $0 * Self.scale })
            let y = mInv * dg * mInv.transposed
            let x = Mat3(y[0, 0] / 2, y[0, 1], y[0, 2],
                         0, y[1, 1] / 2, y[1, 2],
                         0, 0, y[2, 2] / 2)
            ds.append((m * x).transposed)
        }
        return (b, ds)
    }
}
