// Rational: exact fractions and 3×3 rational matrices, for change-of-basis
// operators whose entries are halves, thirds and quarters.

/// An exact fraction `numerator/denominator`, always reduced with a positive
/// denominator. Used where floating point would blur integrality tests
/// (is a transformed Miller index whole? is a transformed rotation integral?).
public struct Rational: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public let numerator: Int
    public let denominator: Int

    /// `n/d` reduced; `d` must not be zero.
    public init(_ n: Int, _ d: Int = 1) {
        precondition(d != 0, "zero denominator")
        let g = Swift.max(gcd(abs(n), abs(d)), 1)
        let s = d < 0 ? -1 : 1
        numerator = s * n / g
        denominator = s * d / g
    }
    public init(integerLiteral value: Int) { self.init(value) }

    public static let zero = Rational(0)
    public static let one = Rational(1)

    public var isInteger: Bool { denominator == 1 }
    public var doubleValue: Double { Double(numerator) / Double(denominator) }
    /// The value reduced into [0, 1) (for translations modulo lattice vectors).
    public var fractionalPart: Rational {
        Rational(((numerator % denominator) + denominator) % denominator, denominator)
    }

    public static func + (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator)
    }
    public static func - (a: Rational, b: Rational) -> Rational { a + (-b) }
    public static prefix func - (a: Rational) -> Rational { Rational(-a.numerator, a.denominator) }
    public static func * (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.numerator, a.denominator * b.denominator)
    }
    public static func / (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.denominator, a.denominator * b.numerator)
    }
    public static func < (a: Rational, b: Rational) -> Bool {
        a.numerator * b.denominator < b.numerator * a.denominator
    }
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
}

/// A 3×3 matrix of rationals, row-major.
public struct RationalMatrix3: Hashable, Sendable, CustomStringConvertible {
    public var elements: [Rational]

    public init(_ elements: [Rational]) {
        precondition(elements.count == 9, "a 3×3 matrix needs 9 elements")
        self.elements = elements
    }
    /// From integers, row-major.
    public init(integers: [Int]) { self.init(integers.map { Rational($0) }) }
    public static let identity = RationalMatrix3(integers: [1, 0, 0, 0, 1, 0, 0, 0, 1])

    public subscript(r: Int, c: Int) -> Rational {
        get { elements[3 * r + c] }
        set { elements[3 * r + c] = newValue }
    }
    public var transposed: RationalMatrix3 {
        RationalMatrix3((0..<9).map { elements[3 * ($0 % 3) + $0 / 3] })
    }
    public var determinant: Rational {
        let e = elements
        return e[0] * (e[4] * e[8] - e[5] * e[7]) - e[1] * (e[3] * e[8] - e[5] * e[6])
            + e[2] * (e[3] * e[7] - e[4] * e[6])
    }
    /// The exact inverse (adjugate / determinant); nil when singular.
    public var inverse: RationalMatrix3? {
        let d = determinant
        guard d != .zero else { return nil }
        var out = [Rational](repeating: .zero, count: 9)
        for r in 0..<3 {
            for c in 0..<3 {
                // Cofactor of (c, r): the adjugate is the transposed cofactor matrix.
                let r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3
                out[3 * r + c] = (self[r1, c1] * self[r2, c2] - self[r1, c2] * self[r2, c1]) / d
            }
        }
        return RationalMatrix3(out)
    }
    public var isInteger: Bool { elements.allSatisfy(\.isInteger) }
    /// Integer elements, row-major; nil when some element is fractional.
    public var integerElements: [Int]? { isInteger ? elements.map(\.numerator) : nil }
    public var doubleElements: [Double] { elements.map(\.doubleValue) }

    public static func * (a: RationalMatrix3, b: RationalMatrix3) -> RationalMatrix3 {
        var out = [Rational](repeating: .zero, count: 9)
        for i in 0..<3 {
            for j in 0..<3 { out[3 * i + j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j] }
        }
        return RationalMatrix3(out)
    }
    /// M·v for a column vector of rationals.
    public func times(_ v: [Rational]) -> [Rational] {
        (0..<3).map { i in self[i, 0] * v[0] + self[i, 1] * v[1] + self[i, 2] * v[2] }
    }
    public var description: String { "[" + elements.map(\.description).joined(separator: ", ") + "]" }
}
