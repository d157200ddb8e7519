// PredictedReflection: one predicted spot of a rotation scan, and the table columns of a list of them.
import MXMath
import MXModel
import MXSymmetry

/// One reflection predicted for a rotation scan (dxtbx conventions): the
/// scan angle φ at which it diffracts, its diffracted-beam vector s₁
/// (|s₁| = 1/λ), whether its lattice point enters the Ewald sphere, and
/// where it lands (panel, mm, px and the frame coordinate z).
public struct PredictedReflection: Equatable, Sendable {
    public var miller: Miller
    /// Experiment index in the list predicted from.
    public var experiment: Int
    /// Scan angle, radians, inside the scan's range.
    public var phi: Double
    public var s1: Vec3
    /// DIALS' definition: s₁·(s₀ × S·m) < 0.
    public var entering: Bool
    public var panel: Int
    public var mm: (x: Double, y: Double)
    public var px: (x: Double, y: Double)
    /// Frame coordinate z (0 at the start of the first image).
    public var frame: Double

    public static func == (a: PredictedReflection, b: PredictedReflection) -> Bool {
        a.miller == b.miller && a.experiment == b.experiment && a.phi == b.phi && a.s1 == b.s1
            && a.entering == b.entering && a.panel == b.panel && a.mm == b.mm && a.px == b.px && a.frame == b.frame
    }
}

extension Array where Element == PredictedReflection {
    /// A DIALS-style table of predictions: `miller_index`, `id`, `panel`,
    /// `entering`, `s1`, `xyzcal.mm` (φ in radians), `xyzcal.px`, `d` (when a
    /// cell is given), and `flags` = predicted.
    public func reflectionTable(cells: [UnitCell?] = []) -> ReflectionTable {
        var t = ReflectionTable(count: count)
        t.set(ReflectionTable.Name.millerIndex, .miller(map { MillerIndex($0.miller.h, $0.miller.k, $0.miller.l) }))
        t.set(ReflectionTable.Name.id, .int(map { Int32($0.experiment) }))
        t.set(ReflectionTable.Name.panel, .size(map { UInt64($0.panel) }))
        t.set(ReflectionTable.Name.entering, .bool(map(\.entering)))
        t.set(ReflectionTable.Name.s1, .vec3(map(\.s1)))
        t.set(ReflectionTable.Name.xyzcalMm, .vec3(map { Vec3($0.mm.x, $0.mm.y, $0.phi) }))
        t.set(ReflectionTable.Name.xyzcalPx, .vec3(map { Vec3($0.px.x, $0.px.y, $0.frame) }))
        if !cells.isEmpty {
            t.set(ReflectionTable.Name.d, .double(map { p in
                p.experiment < cells.count ? (cells[p.experiment]?.dSpacing(p.miller) ?? 0) : 0 }))
        }
        t.set(ReflectionTable.Name.flags, .size([UInt64](repeating: ReflectionFlags.predicted.rawValue, count: self.count)))
        return t
    }
}
