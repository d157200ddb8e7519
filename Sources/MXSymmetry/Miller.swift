// Miller: a reflection's integer indices (h, k, l).

/// Miller indices of a reflection. Indices transform as a row vector:
/// under a symmetry operation with rotation R the equivalent reflection is
/// h·R (ITfC A §1.4), which `SymmetryOperation.apply(to:)` implements.
public struct Miller: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Indices along a*, b*, c*.
    public var h: Int
    public var k: Int
    public var l: Int

    @inlinable public init(_ h: Int, _ k: Int, _ l: Int) {
        self.h = h; self.k = k; self.l = l
    }
    /// From the three Int32s of a DIALS `miller_index` column.
    @inlinable public init(_ h: Int32, _ k: Int32, _ l: Int32) {
        self.init(Int(h), Int(k), Int(l))
    }

    public static let zero = Miller(0, 0, 0)

    /// The Friedel mate −h.
    @inlinable public static prefix func - (a: Miller) -> Miller { Miller(-a.h, -a.k, -a.l) }
    @inlinable public var isZero: Bool { h == 0 && k == 0 && l == 0 }
    /// Component `i` (0 = h, 1 = k, 2 = l).
    @inlinable public subscript(i: Int) -> Int { i == 0 ? h : (i == 1 ? k : l) }
    /// The indices as Doubles, for A·h.
    @inlinable public var components: (Double, Double, Double) { (Double(h), Double(k), Double(l)) }

    /// Lexicographic order on (h, k, l), for stable sorting.
    public static func < (a: Miller, b: Miller) -> Bool {
        (a.h, a.k, a.l) < (b.h, b.k, b.l)
    }
    public var description: String { "(\(h), \(k), \(l))" }
}
