// Detector: a list of panels, with beam-centre and resolution helpers.
import MXMath

/// A detector: one or more flat panels (Eiger modules may be one panel with
/// gaps in the mask, or one panel each). Panel indices match the `panel`
/// column of reflection tables.
public struct Detector: Equatable, Sendable {
    public var panels: [Panel]

    public init(panels: [Panel]) { self.panels = panels }

    public subscript(i: Int) -> Panel {
        get { panels[i] }
        set { panels[i] = newValue }
    }
    public var count: Int { panels.count }

    /// The panel the direct beam `s0` hits, with the hit point in mm; nil
    /// when the beam misses every panel (then the plane of panel 0 is used by
    /// `beamCentre`).
    public func beamCentre(s0: Vec3) -> (panel: Int, mm: (x: Double, y: Double))? {
        for (i, p) in panels.enumerated() {
            if let mm = p.rayIntersection(s0) {
                let px = p.pixel(fromMillimetre: mm)
                if p.contains(pixel: px) { return (i, mm) }
            }
        }
        if let p = panels.first, let mm = p.rayIntersection(s0) { return (0, mm) }
        return nil
    }

    /// The first panel a ray `s1` hits, with its pixel coordinate.
    public func intersect(_ s1: Vec3) -> (panel: Int, px: (x: Double, y: Double))? {
        for (i, p) in panels.enumerated() {
            if let mm = p.rayIntersection(s1) {
                let px = p.pixel(fromMillimetre: mm)
                if p.contains(pixel: px) { return (i, px) }
            }
        }
        return nil
    }

    /// Highest resolution (smallest d, Å) reached anywhere on the detector,
    /// taken over panel corners and edge midpoints.
    public func maxResolution(s0: Vec3) -> Double {
        var best = Double.infinity
        for p in panels {
            let w = Double(p.imageSize.fast), h = Double(p.imageSize.slow)
            for x in [0, w / 2, w] { for y in [0, h / 2, h] {
                best = Swift.min(best, p.resolution(atPixel: (x, y), s0: s0))
            } }
        }
        return best
    }
}
