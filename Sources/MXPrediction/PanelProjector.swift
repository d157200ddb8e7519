// PanelProjector: fast ray–panel intersection with each panel's D⁻¹ computed once.
import MXMath
import MXModel

/// Projects diffracted-beam vectors onto the detector. Each panel's
/// D = [fast | slow | origin] is inverted once; a ray s₁ meets panel p at
/// v = D⁻¹·s₁, (x, y) = (v₁/v₃, v₂/v₃) mm, when v₃ > 0 (dxtbx
/// `get_ray_intersection`).
public struct PanelProjector: Sendable {
    public let detector: Detector
    /// D⁻¹ per panel (nil for a degenerate panel).
    public let dInverse: [Mat3?]

    public init(_ detector: Detector) {
        self.detector = detector
        self.dInverse = detector.panels.map { $0.dMatrix.inverse }
    }

    /// Intersection of `s1` with the plane of panel `panel` in mm, whether or
    /// not inside the panel; nil when parallel or behind.
    @inlinable
    public func millimetre(_ s1: Vec3, panel: Int) -> (x: Double, y: Double)? {
        guard panel >= 0, panel < dInverse.count, let d = dInverse[panel] else { return nil }
        let v = d * s1
        guard v.z > 0 else { return nil }
        return (v.x / v.z, v.y / v.z)
    }

    /// The first panel `s1` hits inside its area, with mm and px. As dxtbx's
    /// `is_coord_valid_mm`, the test is on mm, so with a parallax-corrected
    /// panel a px coordinate may fall up to ~0.5 px outside [0, size).
    public func intersect(_ s1: Vec3) -> (panel: Int, mm: (x: Double, y: Double), px: (x: Double, y: Double))? {
        for p in 0..<dInverse.count {
            guard let mm = millimetre(s1, panel: p) else { continue }
            let panel = detector.panels[p]
            let size = panel.sizeMillimetres
            guard mm.x >= 0, mm.y >= 0, mm.x < size.fast, mm.y < size.slow else { continue }
            return (p, mm, panel.pixel(fromMillimetre: mm))
        }
        return nil
    }
}
