// CrystalOrientationParameterisation: U as three small rotations (mrad) about the lab axes composed onto U₀.
import MXMath

/// DIALS' crystal orientation parameterisation: U = Φ₃·Φ₂·Φ₁·U₀ with Φᵢ
/// rotations by φᵢ (mrad) about the lab x, y and z axes (in the frame of
/// the crystal at scan angle 0).
public struct CrystalOrientationParameterisation: Sendable {
    public let u0: Mat3
    /// φ₁, φ₂, φ₃ in mrad.
    public var values: [Double] = [0, 0, 0]
    public static let names = ["Phi1", "Phi2", "Phi3"]

    public init(U: Mat3) { u0 = U }

    /// Current U and dU/dφᵢ (per mrad).
    public func uAndDerivatives() -> (u: Mat3, d: [Mat3]) {
        let (p1, d1) = rotationAndDerivative(axis: .unitX, angle: values[0] / 1000)
        let (p2, d2) = rotationAndDerivative(axis: .unitY, angle: values[1] / 1000)
        let (p3, d3) = rotationAndDerivative(axis: .unitZ, angle: values[2] / 1000)
        return (p3 * p2 * p1 * u0,
                [p3 * p2 * d1 * u0 * 0.001, p3 * d2 * p1 * u0 * 0.001, d3 * p2 * p1 * u0 * 0.001])
    }
}
