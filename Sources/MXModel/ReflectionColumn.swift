// ReflectionColumn: the typed column arrays a reflection table holds, one case per DIALS column type.
import MXMath

/// A Miller index (h, k, l); DIALS' `cctbx::miller::index<>` (3 × int32).
public struct MillerIndex: Hashable, Sendable, CustomStringConvertible {
    public var h: Int32, k: Int32, l: Int32
    public init(_ h: Int32, _ k: Int32, _ l: Int32) { self.h = h; self.k = k; self.l = l }
    public init(_ h: Int, _ k: Int, _ l: Int) { self.init(Int32(h), Int32(k), Int32(l)) }
    public var isZero: Bool { h == 0 && k == 0 && l == 0 }
    public var description: String { "(\(h), \(k), \(l))" }
}

/// A pair of doubles; DIALS' `vec2<double>`.
public struct Vec2: Hashable, Sendable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A 3-D pixel box, half-open: x ∈ [x0, x1), y ∈ [y0, y1), z ∈ [z0, z1)
/// (fast, slow, frame); DIALS' `int6` `bbox` column in that order.
public struct BoundingBox: Hashable, Sendable {
    public var x0: Int32, x1: Int32, y0: Int32, y1: Int32, z0: Int32, z1: Int32
    public init(x0: Int32, x1: Int32, y0: Int32, y1: Int32, z0: Int32, z1: Int32) {
        self.x0 = x0; self.x1 = x1; self.y0 = y0; self.y1 = y1; self.z0 = z0; self.z1 = z1
    }
    public init(_ x0: Int, _ x1: Int, _ y0: Int, _ y1: Int, _ z0: Int, _ z1: Int) {
        self.init(x0: Int32(x0), x1: Int32(x1), y0: Int32(y0), y1: Int32(y1), z0: Int32(z0), z1: Int32(z1))
    }
    /// Size along x, y, z.
    public var size: (x: Int, y: Int, z: Int) { (Int(x1 - x0), Int(y1 - y0), Int(z1 - z0)) }
    public var volume: Int { let s = size; return max(0, s.x) * max(0, s.y) * max(0, s.z) }
}

/// The pixels around one reflection: DIALS' `Shoebox<>`. Arrays are indexed
/// [z][y][x] over `bbox`; `mask` uses DIALS' MaskCode bits.
public struct Shoebox: Equatable, Sendable {
    /// DIALS MaskCode bits.
    public static let maskValid: Int32 = 1 << 0
    public static let maskBackground: Int32 = 1 << 1
    public static let maskForeground: Int32 = 1 << 2
    public static let maskStrong: Int32 = 1 << 3
    public static let maskBackgroundUsed: Int32 = 1 << 4
    public static let maskOverlapped: Int32 = 1 << 5

    public var panel: UInt32
    public var bbox: BoundingBox
    /// Empty when the shoebox holds no pixel data (DIALS "not allocated").
    public var data: [Float]
    public var mask: [Int32]
    public var background: [Float]

    public init(panel: UInt32, bbox: BoundingBox, data: [Float] = [], mask: [Int32] = [], background: [Float] = []) {
        self.panel = panel; self.bbox = bbox; self.data = data; self.mask = mask; self.background = background
    }
    public var hasData: Bool { !data.isEmpty }
}

/// One column of a reflection table: a typed array of `nrows` values. The
/// cases are the element types DIALS uses; `typeName` is DIALS' name for each.
public enum ReflectionColumn: Equatable, Sendable {
    case bool([Bool])
    case int([Int32])
    case size([UInt64])
    case double([Double])
    case string([String])
    case vec2([Vec2])
    case vec3([Vec3])
    case mat3([Mat3])
    case int6([BoundingBox])
    case miller([MillerIndex])
    case shoebox([Shoebox])

    /// DIALS' type name, as written in `.refl` files.
    public var typeName: String {
        switch self {
        case .bool: return "bool"
        case .int: return "int"
        case .size: return "std::size_t"
        case .double: return "double"
        case .string: return "std::string"
        case .vec2: return "vec2<double>"
        case .vec3: return "vec3<double>"
        case .mat3: return "mat3<double>"
        case .int6: return "int6"
        case .miller: return "cctbx::miller::index<>"
        case .shoebox: return "Shoebox<>"
        }
    }

    public var count: Int {
        switch self {
        case .bool(let a): return a.count
        case .int(let a): return a.count
        case .size(let a): return a.count
        case .double(let a): return a.count
        case .string(let a): return a.count
        case .vec2(let a): return a.count
        case .vec3(let a): return a.count
        case .mat3(let a): return a.count
        case .int6(let a): return a.count
        case .miller(let a): return a.count
        case .shoebox(let a): return a.count
        }
    }

    /// The rows at `indices`, in that order.
    public func gathered(_ indices: [Int]) -> ReflectionColumn {
        switch self {
        case .bool(let a): return .bool(indices.map { a[$0] })
        case .int(let a): return .int(indices.map { a[$0] })
        case .size(let a): return .size(indices.map { a[$0] })
        case .double(let a): return .double(indices.map { a[$0] })
        case .string(let a): return .string(indices.map { a[$0] })
        case .vec2(let a): return .vec2(indices.map { a[$0] })
        case .vec3(let a): return .vec3(indices.map { a[$0] })
        case .mat3(let a): return .mat3(indices.map { a[$0] })
        case .int6(let a): return .int6(indices.map { a[$0] })
        case .miller(let a): return .miller(indices.map { a[$0] })
        case .shoebox(let a): return .shoebox(indices.map { a[$0] })
        }
    }

    /// This column followed by `other`; nil when the element types differ.
    public func appending(_ other: ReflectionColumn) -> ReflectionColumn? {
        switch (self, other) {
        case (.bool(let a), .bool(let b)): return .bool(a + b)
        case (.int(let a), .int(let b)): return .int(a + b)
        case (.size(let a), .size(let b)): return .size(a + b)
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.string(let a), .string(let b)): return .string(a + b)
        case (.vec2(let a), .vec2(let b)): return .vec2(a + b)
        case (.vec3(let a), .vec3(let b)): return .vec3(a + b)
        case (.mat3(let a), .mat3(let b)): return .mat3(a + b)
        case (.int6(let a), .int6(let b)): return .int6(a + b)
        case (.miller(let a), .miller(let b)): return .miller(a + b)
        case (.shoebox(let a), .shoebox(let b)): return .shoebox(a + b)
        default: return nil
        }
    }

    /// A column of the same type holding `n` default values (zero, false,
    /// empty), used to pad a column missing from one side of a join.
    public func defaults(count n: Int) -> ReflectionColumn {
        switch self {
        case .bool: return .bool(Array(repeating: false, count: n))
        case .int: return .int(Array(repeating: 0, count: n))
        case .size: return .size(Array(repeating: 0, count: n))
        case .double: return .double(Array(repeating: 0, count: n))
        case .string: return .string(Array(repeating: "", count: n))
        case .vec2: return .vec2(Array(repeating: Vec2(0, 0), count: n))
        case .vec3: return .vec3(Array(repeating: .zero, count: n))
        case .mat3: return .mat3(Array(repeating: Mat3(0, 0, 0, 0, 0, 0, 0, 0, 0), count: n))
        case .int6: return .int6(Array(repeating: BoundingBox(0, 0, 0, 0, 0, 0), count: n))
        case .miller: return .miller(Array(repeating: MillerIndex(0, 0, 0), count: n))
        case .shoebox:
            return .shoebox(Array(repeating: Shoebox(panel: 0, bbox: BoundingBox(0, 0, 0, 0, 0, 0)), count: n))
        }
    }
}
