// Panel: one flat detector module and its pixel ↔ mm ↔ lab transforms.
import MXMath
#if canImport(Glibc)
import Glibc
#endif

/// One flat detector panel in dxtbx's conventions. A point at (x, y) mm in the
/// panel frame lies at `origin + x·fastAxis + y·slowAxis` in the lab frame;
/// pixel (i, j) spans x ∈ [i, i+1)·pixelSize.fast — the corner of the first
/// pixel is (0, 0), so the centre of pixel 0 is at 0.5 px.
public struct Panel: Equatable, Sendable {
    public var name: String = ""
    public var type: String = "SENSOR_PAD"
    public var identifier: String = ""
    /// Unit vectors along the fast and slow pixel directions, lab frame.
    public var fastAxis: Vec3
    public var slowAxis: Vec3
    /// Lab position (mm) of the outer corner of the first pixel.
    public var origin: Vec3
    /// Pixels along fast and slow.
    public var imageSize: (fast: Int, slow: Int)
    /// Pixel size along fast and slow (mm).
    public var pixelSize: (fast: Double, slow: Double)
    /// Counts outside (low, high) are untrusted; low is usually −1 so that gap
    /// (−1) and dead (−2) markers are excluded.
    public var trustedRange: (low: Double, high: Double)
    /// Offset of this panel's pixels in the raw image (dxtbx "raw_image_offset").
    public var rawImageOffset: (x: Int, y: Int) = (0, 0)
    /// Sensor thickness (mm), material, and linear attenuation coefficient (mm⁻¹).
    public var thickness: Double = 0
    public var material: String = ""
    public var mu: Double = 0
    public var gain: Double = 1
    public var pedestal: Double = 0
    /// Rectangles of pixels known to be bad (module gaps, dxtbx "mask"):
    /// fast range [x0, x1), slow range [y0, y1).
    public var mask: [MaskRectangle] = []
    /// How pixel coordinates map to mm: plain scaling, or with the parallax
    /// of an absorbing sensor (dxtbx ParallaxCorrectedPxMmStrategy).
    public var pxMmStrategy: PxMmStrategy = .simple

    /// A masked rectangle of pixels, as dxtbx stores it: (f0, s0, f1, s1).
    public struct MaskRectangle: Equatable, Sendable {
        public var x0: Int, y0: Int, x1: Int, y1: Int
        public init(x0: Int, y0: Int, x1: Int, y1: Int) { self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1 }
    }

    public enum PxMmStrategy: String, Equatable, Sendable {
        case simple = "SimplePxMmStrategy"
        case parallaxCorrected = "ParallaxCorrectedPxMmStrategy"
    }

    public init(name: String = "", fastAxis: Vec3, slowAxis: Vec3, origin: Vec3,
                imageSize: (fast: Int, slow: Int), pixelSize: (fast: Double, slow: Double),
                trustedRange: (low: Double, high: Double)) {
        self.name = name
        self.fastAxis = fastAxis; self.slowAxis = slowAxis; self.origin = origin
        self.imageSize = imageSize; self.pixelSize = pixelSize; self.trustedRange = trustedRange
    }

    public static func == (l: Panel, r: Panel) -> Bool {
        l.name == r.name && l.type == r.type && l.identifier == r.identifier
            && l.fastAxis == r.fastAxis && l.slowAxis == r.slowAxis && l.origin == r.origin
            && l.imageSize == r.imageSize && l.pixelSize == r.pixelSize && l.trustedRange == r.trustedRange
            && l.rawImageOffset == r.rawImageOffset && l.thickness == r.thickness
            && l.material == r.material && l.mu == r.mu && l.gain == r.gain && l.pedestal == r.pedestal
            && l.mask == r.mask && l.pxMmStrategy == r.pxMmStrategy
    }

    /// Unit normal of the panel, pointing away from the sample.
    public var normal: Vec3 {
        let n = fastAxis.cross(slowAxis).normalized
        return n.dot(origin) < 0 ? -n : n
    }
    /// The D matrix [fast | slow | origin] mapping (x_mm, y_mm, 1) to lab.
    public var dMatrix: Mat3 { Mat3(columns: fastAxis, slowAxis, origin) }
    /// Perpendicular distance from the sample to the panel plane (mm).
    public var distance: Double { origin.dot(normal) }
    /// Size of the panel in mm.
    public var sizeMillimetres: (fast: Double, slow: Double) {
        (Double(imageSize.fast) * pixelSize.fast, Double(imageSize.slow) * pixelSize.slow)
    }

    // MARK: lab ↔ mm

    /// Lab coordinates (mm) of panel point (x, y) mm.
    public func labCoordinate(mm p: (x: Double, y: Double)) -> Vec3 {
        origin + fastAxis * p.x + slowAxis * p.y
    }
    /// Where a ray along `s1` from the sample meets the panel plane, in panel
    /// mm; nil when the ray runs parallel to or away from the plane.
    public func rayIntersection(_ s1: Vec3) -> (x: Double, y: Double)? {
        guard let dInv = dMatrix.inverse else { return nil }
        let v = dInv * s1
        guard v.z > 0 else { return nil }
        return (v.x / v.z, v.y / v.z)
    }

    // MARK: px ↔ mm

    /// Panel mm of pixel coordinate (x, y) px.
    public func millimetre(fromPixel p: (x: Double, y: Double)) -> (x: Double, y: Double) {
        millimetre(fromPixel: p, normal: pxMmStrategy == .simple ? Vec3(0, 0, 0) : normal)
    }
    /// The same with the panel normal given (it is only read for the parallax).
    @inline(__always)
    func millimetre(fromPixel p: (x: Double, y: Double), normal: Vec3) -> (x: Double, y: Double) {
        let mm = (x: p.x * pixelSize.fast, y: p.y * pixelSize.slow)
        switch pxMmStrategy {
        case .simple: return mm
        case .parallaxCorrected: return parallaxShift(mm, sign: -1, normal: normal)
        }
    }
    /// Pixel coordinate of panel point (x, y) mm.
    public func pixel(fromMillimetre mm: (x: Double, y: Double)) -> (x: Double, y: Double) {
        let q: (x: Double, y: Double)
        switch pxMmStrategy {
        case .simple: q = mm
        case .parallaxCorrected: q = parallaxShift(mm, sign: +1, normal: normal)
        }
        return (q.x / pixelSize.fast, q.y / pixelSize.slow)
    }

    /// Mean depth of absorption along the ray through (x, y) mm, projected onto
    /// the panel axes: a photon arriving obliquely is recorded where it is
    /// absorbed, deeper in the sensor, so it appears displaced outward.
    /// dxtbx applies the shift one way (mm → px) and subtracts the same shift
    /// evaluated at the measured point the other way; mxflow does the same so
    /// that numbers agree with DIALS to rounding.
    @inline(__always)
    private func parallaxShift(_ mm: (x: Double, y: Double), sign: Double, normal: Vec3) -> (x: Double, y: Double) {
        guard mu > 0, thickness > 0 else { return mm }
        let s1 = labCoordinate(mm: mm)
        let len = s1.length
        let cosT = s1.dot(normal) / len
        guard cosT > 0 else { return mm }
        let t = thickness / cosT
        let o = 1 / mu - (t + 1 / mu) * exp(-mu * t)
        return (mm.x + sign * s1.dot(fastAxis) * o / len, mm.y + sign * s1.dot(slowAxis) * o / len)
    }

    /// Lab coordinate of pixel (x, y).
    public func labCoordinate(pixel p: (x: Double, y: Double)) -> Vec3 {
        labCoordinate(mm: millimetre(fromPixel: p))
    }

    /// The pixel → lab transform with the panel normal worked out once, for
    /// loops over many pixels (`labCoordinate(pixel:)` derives the normal on
    /// every call); the same numbers to the bit.
    public struct PixelToLab: Sendable {
        public let panel: Panel
        let normal: Vec3

        public init(_ panel: Panel) {
            self.panel = panel
            normal = panel.pxMmStrategy == .simple ? Vec3(0, 0, 0) : panel.normal
        }

        /// Lab coordinate of pixel (x, y): `panel.labCoordinate(pixel:)`.
        @inline(__always) public func callAsFunction(_ p: (x: Double, y: Double)) -> Vec3 {
            panel.labCoordinate(mm: panel.millimetre(fromPixel: p, normal: normal))
        }
    }

    /// Whether pixel coordinate (x, y) lies on the panel.
    public func contains(pixel p: (x: Double, y: Double)) -> Bool {
        p.x >= 0 && p.y >= 0 && p.x < Double(imageSize.fast) && p.y < Double(imageSize.slow)
    }
    /// Resolution d (Å) at pixel (x, y) for incident wave vector `s0`.
    public func resolution(atPixel p: (x: Double, y: Double), s0: Vec3) -> Double {
        let s1 = labCoordinate(pixel: p).normalized * s0.length
        let q = (s1 - s0).length
        return q > 0 ? 1 / q : .infinity
    }
}
