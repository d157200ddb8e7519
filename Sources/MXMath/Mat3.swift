// Mat3: a 3×3 matrix of Doubles (rotations, UB, metric tensors, frames).

/// A 3×3 matrix stored row-major, as dxtbx's `mat3` and DIALS' JSON store it
/// (`elements[3*r + c]`).
@frozen
public struct Mat3: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Row-major elements.
    public var m: (Double, Double, Double, Double, Double, Double, Double, Double, Double)

    @inlinable public init(_ a: Double, _ b: Double, _ c: Double,
                           _ d: Double, _ e: Double, _ f: Double,
                           _ g: Double, _ h: Double, _ i: Double) {
        m = (a, b, c, d, e, f, g, h, i)
    }
    /// From 9 row-major elements.
    @inlinable public init(_ e: [Double]) {
        precondition(e.count == 9, "Mat3 needs 9 elements, got \(e.count)")
        self.init(e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8])
    }
    /// Matrix whose rows are the given vectors.
    @inlinable public init(rows r0: Vec3, _ r1: Vec3, _ r2: Vec3) {
        self.init(r0.x, r0.y, r0.z, r1.x, r1.y, r1.z, r2.x, r2.y, r2.z)
    }
    /// Matrix whose columns are the given vectors.
    @inlinable public init(columns c0: Vec3, _ c1: Vec3, _ c2: Vec3) {
        self.init(c0.x, c1.x, c2.x, c0.y, c1.y, c2.y, c0.z, c1.z, c2.z)
    }
    /// Diagonal matrix.
    @inlinable public init(diagonal d: Vec3) { self.init(d.x, 0, 0, 0, d.y, 0, 0, 0, d.z) }

    public static let identity = Mat3(1, 0, 0, 0, 1, 0, 0, 0, 1)

    /// Rotation by `angle` radians about `axis` (right-hand rule): R·v equals
    /// `v.rotated(around: axis, by: angle)`.
    public static func rotation(axis: Vec3, angle: Double) -> Mat3 {
        let k = axis.normalized
        let c = cosDouble(angle), s = sinDouble(angle), t = 1 - c
        return Mat3(t * k.x * k.x + c, t * k.x * k.y - s * k.z, t * k.x * k.z + s * k.y,
                    t * k.x * k.y + s * k.z, t * k.y * k.y + c, t * k.y * k.z - s * k.x,
                    t * k.x * k.z - s * k.y, t * k.y * k.z + s * k.x, t * k.z * k.z + c)
    }

    @inlinable public var elements: [Double] { [m.0, m.1, m.2, m.3, m.4, m.5, m.6, m.7, m.8] }
    @inlinable public subscript(r: Int, c: Int) -> Double {
        get { elements[3 * r + c] }
        set { var e = elements; e[3 * r + c] = newValue; self = Mat3(e) }
    }
    @inlinable public var row0: Vec3 { Vec3(m.0, m.1, m.2) }
    @inlinable public var row1: Vec3 { Vec3(m.3, m.4, m.5) }
    @inlinable public var row2: Vec3 { Vec3(m.6, m.7, m.8) }
    @inlinable public var col0: Vec3 { Vec3(m.0, m.3, m.6) }
    @inlinable public var col1: Vec3 { Vec3(m.1, m.4, m.7) }
    @inlinable public var col2: Vec3 { Vec3(m.2, m.5, m.8) }
    @inlinable public func row(_ i: Int) -> Vec3 { i == 0 ? row0 : (i == 1 ? row1 : row2) }
    @inlinable public func column(_ i: Int) -> Vec3 { i == 0 ? col0 : (i == 1 ? col1 : col2) }

    @inlinable public var transposed: Mat3 { Mat3(m.0, m.3, m.6, m.1, m.4, m.7, m.2, m.5, m.8) }
    @inlinable public var determinant: Double { row0.dot(row1.cross(row2)) }
    @inlinable public var trace: Double { m.0 + m.4 + m.8 }
    /// The inverse; `nil` when the matrix is singular to working precision.
    public var inverse: Mat3? {
        let d = determinant
        let scale = Swift.max(row0.length * row1.length * row2.length, .leastNormalMagnitude)
        guard abs(d) > 1e-14 * scale else { return nil }
        let c0 = row1.cross(row2), c1 = row2.cross(row0), c2 = row0.cross(row1)
        return Mat3(columns: c0 / d, c1 / d, c2 / d)
    }

    @inlinable public static func * (a: Mat3, v: Vec3) -> Vec3 {
        Vec3(a.row0.dot(v), a.row1.dot(v), a.row2.dot(v))
    }
    @inlinable public static func * (a: Mat3, b: Mat3) -> Mat3 {
        let r0 = a.row0, r1 = a.row1, r2 = a.row2
        let c0 = b.col0, c1 = b.col1, c2 = b.col2
        return Mat3(r0.dot(c0), r0.dot(c1), r0.dot(c2),
                    r1.dot(c0), r1.dot(c1), r1.dot(c2),
                    r2.dot(c0), r2.dot(c1), r2.dot(c2))
    }
    @inlinable public static func * (a: Mat3, s: Double) -> Mat3 { Mat3(a.elements.map { $0 * s }) }
    @inlinable public static func + (a: Mat3, b: Mat3) -> Mat3 { Mat3(zip(a.elements, b.elements).map(+)) }
    @inlinable public static func - (a: Mat3, b: Mat3) -> Mat3 { Mat3(zip(a.elements, b.elements).map(-)) }

    /// Largest absolute element difference: for tolerance checks.
    public func maxAbsDifference(_ b: Mat3) -> Double {
        zip(elements, b.elements).map { abs($0 - $1) }.max() ?? 0
    }

    public static func == (a: Mat3, b: Mat3) -> Bool { a.elements == b.elements }
    public func hash(into h: inout Hasher) { h.combine(elements) }

    public var description: String {
        "[[\(m.0), \(m.1), \(m.2)], [\(m.3), \(m.4), \(m.5)], [\(m.6), \(m.7), \(m.8)]]"
    }

    // Codable as a flat JSON array of 9 row-major numbers, as dxtbx writes it.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let e = try c.decode([Double].self)
        guard e.count == 9 else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a 3×3 matrix needs 9 numbers, got \(e.count)")
        }
        self.init(e)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(elements)
    }
}
