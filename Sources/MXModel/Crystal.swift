// Crystal: orientation and cell as the setting matrix A = U·B.
import MXMath

/// A crystal model in dxtbx's form: real-space cell vectors a, b, c in the lab
/// frame at φ = 0 (before the goniometer's rotation), and the space group as a
/// Hall symbol. The reciprocal setting matrix A = U·B has columns a*, b*, c*,
/// so a reflection h sits at r = S·R(φ)·F·A·h in the lab frame.
public struct Crystal: Equatable, Sendable {
    public var realSpaceA: Vec3
    public var realSpaceB: Vec3
    public var realSpaceC: Vec3
    /// Hall symbol of the space group (dxtbx writes e.g. " P 4nw 2abw").
    public var spaceGroupHall: String
    /// Scan-varying setting matrices A at scan points, when refined so.
    public var aAtScanPoints: [Mat3] = []
    /// Mosaicity estimate (degrees), when known.
    public var mosaicityDegrees: Double? = nil
    /// Sauter (2014) maximum-likelihood half mosaicity (degrees) and domain
    /// size (Å), as stills processing writes them (dxtbx "ML_*" keys).
    public var mlHalfMosaicityDegrees: Double? = nil
    public var mlDomainSizeAngstrom: Double? = nil

    public init(realSpaceA: Vec3, realSpaceB: Vec3, realSpaceC: Vec3, spaceGroupHall: String = " P 1") {
        self.realSpaceA = realSpaceA; self.realSpaceB = realSpaceB; self.realSpaceC = realSpaceC
        self.spaceGroupHall = spaceGroupHall
    }

    /// Crystal from its setting matrix A = U·B (columns a*, b*, c*).
    public init?(A: Mat3, spaceGroupHall: String = " P 1") {
        guard let realT = A.inverse else { return nil }
        // Rows of A⁻¹ are a, b, c because (A⁻¹)·A = I means a·a* = 1, a·b* = 0, …
        self.init(realSpaceA: realT.row0, realSpaceB: realT.row1, realSpaceC: realT.row2,
                  spaceGroupHall: spaceGroupHall)
    }

    /// Rows a, b, c.
    public var realSpaceMatrix: Mat3 { Mat3(rows: realSpaceA, realSpaceB, realSpaceC) }
    /// Setting matrix A = U·B, columns a*, b*, c* (Å⁻¹).
    public var A: Mat3 { realSpaceMatrix.inverse ?? .identity }
    /// Cell parameters (a, b, c in Å; α, β, γ in degrees).
    public var cellParameters: (a: Double, b: Double, c: Double, alpha: Double, beta: Double, gamma: Double) {
        (realSpaceA.length, realSpaceB.length, realSpaceC.length,
         degrees(realSpaceB.angle(to: realSpaceC)), degrees(realSpaceC.angle(to: realSpaceA)),
         degrees(realSpaceA.angle(to: realSpaceB)))
    }
    /// Cell volume in Å³.
    public var volume: Double { abs(realSpaceA.dot(realSpaceB.cross(realSpaceC))) }
}
