// Vec3: a 3-vector of Doubles, the workhorse of diffraction geometry.

/// A 3-vector of `Double`. Used for lab-frame positions (mm), directions,
/// reciprocal-space vectors (Å⁻¹) and Miller-index arithmetic alike; the
/// variable's name says which frame it lives in.
@frozen
public struct Vec3: Hashable, Codable, Sendable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var z: Double

    @inlinable public init(_ x: Double, _ y: Double, _ z: Double) {
        self.x = x; self.y = y; self.z = z
    }
    @inlinable public init(_ a: [Double]) {
        precondition(a.count == 3, "Vec3 needs 3 components, got \(a.count)")
        self.init(a[0], a[1], a[2])
    }

    public static let zero = Vec3(0, 0, 0)
    public static let unitX = Vec3(1, 0, 0)
    public static let unitY = Vec3(0, 1, 0)
    public static let unitZ = Vec3(0, 0, 1)

    @inlinable public var array: [Double] { [x, y, z] }
    @inlinable public subscript(i: Int) -> Double {
        get { i == 0 ? x : (i == 1 ? y : z) }
        set { if i == 0 { x = newValue } else if i == 1 { y = newValue } else { z = newValue } }
    }

    @inlinable public static func + (a: Vec3, b: Vec3) -> Vec3 { Vec3(a.x + b.x, a.y + b.y, a.z + b.z) }
    @inlinable public static func - (a: Vec3, b: Vec3) -> Vec3 { Vec3(a.x - b.x, a.y - b.y, a.z - b.z) }
    @inlinable public static prefix func - (a: Vec3) -> Vec3 { Vec3(-a.x, -a.y, -a.z) }
    @inlinable public static func * (a: Vec3, s: Double) -> Vec3 { Vec3(a.x * s, a.y * s, a.z * s) }
    @inlinable public static func * (s: Double, a: Vec3) -> Vec3 { Vec3(a.x * s, a.y * s, a.z * s) }
    @inlinable public static func / (a: Vec3, s: Double) -> Vec3 { Vec3(a.x / s, a.y / s, a.z / s) }
    @inlinable public static func += (a: inout Vec3, b: Vec3) { a = a + b }
    @inlinable public static func -= (a: inout Vec3, b: Vec3) { a = a - b }
    @inlinable public static func *= (a: inout Vec3, s: Double) { a = a * s }

    /// Scalar product.
    @inlinable public func dot(_ b: Vec3) -> Double { x * b.x + y * b.y + z * b.z }
    /// Vector product, right-handed.
    @inlinable public func cross(_ b: Vec3) -> Vec3 {
        Vec3(y * b.z - z * b.y, z * b.x - x * b.z, x * b.y - y * b.x)
    }
    @inlinable public var lengthSquared: Double { dot(self) }
    @inlinable public var length: Double { lengthSquared.squareRoot() }
    /// The unit vector along `self`; the zero vector stays zero.
    @inlinable public var normalized: Vec3 {
        let l = length
        return l > 0 ? self / l : self
    }
    /// Angle to `b` in radians, in [0, π]; robust near 0 and π.
    @inlinable public func angle(to b: Vec3) -> Double {
        let c = cross(b).length, d = dot(b)
        return atan2Double(c, d)
    }
    /// Component-wise product.
    @inlinable public func scaled(by b: Vec3) -> Vec3 { Vec3(x * b.x, y * b.y, z * b.z) }
    /// Rotation of `self` about unit `axis` by `angle` radians (right-hand rule),
    /// Rodrigues' formula; the dxtbx sense (`rotate_around_origin`).
    @inlinable public func rotated(around axis: Vec3, by angle: Double) -> Vec3 {
        rotated(aroundUnit: axis.normalized, cos: cosDouble(angle), sin: sinDouble(angle))
    }
    /// The same rotation with the unit axis and the angle's cosine and sine
    /// given (callers rotating many vectors by one angle compute them once).
    @inlinable public func rotated(aroundUnit k: Vec3, cos c: Double, sin s: Double) -> Vec3 {
        self * c + k.cross(self) * s + k * (k.dot(self) * (1 - c))
    }
    /// Largest absolute difference of components: for tolerance checks.
    @inlinable public func maxAbsDifference(_ b: Vec3) -> Double {
        Swift.max(abs(x - b.x), abs(y - b.y), abs(z - b.z))
    }

    public var description: String { "(\(x), \(y), \(z))" }

    // Codable as a plain JSON array [x, y, z], as dxtbx writes vectors.
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let a = try c.decode(Double.self), b = try c.decode(Double.self), d = try c.decode(Double.self)
        self.init(a, b, d)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(x); try c.encode(y); try c.encode(z)
    }
}
