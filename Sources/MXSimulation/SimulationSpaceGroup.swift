// SimulationSpaceGroup: the simulator's view of an MXSymmetry space group —
// operations as fractional (R, t) for structure factors, absences, centric
// flags and the CCP4 reciprocal asymmetric unit for the truth table.
import MXMath
import MXSymmetry

/// A space group with what the simulator needs precomputed: every operation
/// (centring included) as x′ = R·x + t, plus the names truth.json reports.
public struct SimulationSpaceGroup: Sendable {
    public struct Operation: Sendable, Equatable {
        /// Rotation part, integer entries, row-major.
        public var r: [Int]
        /// Translation part, fractional.
        public var t: Vec3
    }
    public let group: SpaceGroup
    public let operations: [Operation]

    public var number: Int { group.number }
    public var hermannMauguin: String { group.xHM }
    public var hall: String { group.hall }
    public var laueGroup: String { group.laueGroupName }
    public var pointGroup: String { group.pointGroupName }

    init(_ group: SpaceGroup) {
        self.group = group
        operations = group.operations.map { op in
            let t = op.translation
            return Operation(r: op.rotation, t: Vec3(t.0, t.1, t.2))
        }
    }

    /// The space group named `name` ("P43212", "P 43 21 2", "C2", "96"), from
    /// CCP4's syminfo.lib via MXSymmetry.
    public static func lookup(_ name: String) throws -> SimulationSpaceGroup {
        do { return SimulationSpaceGroup(try SpaceGroup(name)) } catch {
            throw SimulationError.unknownSpaceGroup(name)
        }
    }

    static func miller(_ h: (Int, Int, Int)) -> Miller { Miller(h.0, h.1, h.2) }

    /// The CCP4 reciprocal-ASU representative of h (as MTZ files store it) and
    /// whether h maps onto it by a proper operation (I(+)) or with a Friedel
    /// inversion (I(−)): ISYM odd or even.
    public func laueRepresentative(of h: (Int, Int, Int)) -> (hkl: (Int, Int, Int), plus: Bool) {
        let a = group.asymmetricUnitIndex(Self.miller(h))
        return ((a.index.h, a.index.k, a.index.l), a.isym % 2 == 1)
    }

    /// Whether h is centric (some operation maps h to −h).
    public func isCentric(_ h: (Int, Int, Int)) -> Bool { group.isCentric(Self.miller(h)) }

    /// Whether h is systematically absent.
    public func isAbsent(_ h: (Int, Int, Int)) -> Bool { group.isSystematicallyAbsent(Self.miller(h)) }
}
