// SymmetryOperation: one crystallographic operation (integer rotation plus
// fractional translation) and the parser for its "x,y,z" form.

/// A symmetry operation x' = R·x + t acting on fractional coordinates, with
/// an integer rotation R (row-major) and a translation t stored exactly as
/// multiples of 1/24 (syminfo.lib uses halves, thirds, quarters, sixths and,
/// in change-of-basis operators, eighths; 24 holds them all).
public struct SymmetryOperation: Hashable, Sendable, CustomStringConvertible {
    /// Translation denominator: `translation24[i] / 24` is the fraction.
    public static let translationDenominator = 24

    /// Row-major integer rotation, 9 elements.
    public var rotation: [Int]
    /// Translation in units of 1/24, not reduced modulo 1 unless `normalized` says so.
    public var translation24: [Int]

    public init(rotation: [Int], translation24: [Int] = [0, 0, 0]) {
        precondition(rotation.count == 9 && translation24.count == 3, "rotation needs 9, translation 3 numbers")
        self.rotation = rotation
        self.translation24 = translation24
    }

    public static let identity = SymmetryOperation(rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// Parses a Jones-faithful triplet such as `-y+1/2,x-y,z+1/3` (case and
    /// spaces ignored; integer multiples such as `2x` or `-2*y` are accepted).
    /// - Throws: `SymmetryError.badOperation` naming the text.
    public init(parsing text: String) throws {
        // The plain ASCII forms (all of syminfo.lib) are read byte by byte;
        // anything else takes the general reading below, which also words the errors.
        self = try Self.parsedASCII(text) ?? Self.parsedGenerally(text)
    }

    /// The general reading of `init(parsing:)`: any Unicode white space, and the errors.
    static func parsedGenerally(_ text: String) throws -> SymmetryOperation {
        let parts = text.lowercased().filter { !$0.isWhitespace }.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw SymmetryError.badOperation(text) }
        var rot = [Int](repeating: 0, count: 9)
        var trn = [0, 0, 0]
        for (row, part) in parts.enumerated() {
            guard !part.isEmpty else { throw SymmetryError.badOperation(text) }
            for (sign, term) in try signedTerms(part, of: text) {
                if let last = term.last, "xyz".contains(last) {
                    let column = last == "x" ? 0 : (last == "y" ? 1 : 2)
                    var coefficient = String(term.dropLast())
                    if coefficient.hasSuffix("*") { coefficient.removeLast() }
                    let c = coefficient.isEmpty ? 1 : Int(coefficient)
                    guard let c else { throw SymmetryError.badOperation(text) }
                    rot[3 * row + column] += sign * c
                } else {
                    let fraction = term.split(separator: "/")
                    guard (1...2).contains(fraction.count), let num = Int(fraction[0]),
                          let den = fraction.count == 2 ? Int(fraction[1]) : 1, den != 0,
                          (num * Self.translationDenominator) % den == 0 else {
                        throw SymmetryError.badOperation(text)
                    }
                    trn[row] += sign * num * Self.translationDenominator / den
                }
            }
        }
        return SymmetryOperation(rotation: rot, translation24: trn)
    }

    /// `text` read as ASCII triplets of terms `[±][digits][*]x|y|z` and
    /// `[±]digits[/digits]`; nil for anything else (the general reading decides).
    static func parsedASCII(_ text: String) -> SymmetryOperation? {
        var rot = [Int](repeating: 0, count: 9), trn = [0, 0, 0]
        var row = 0
        var it = text.utf8.makeIterator()
        var next = it.next()
        func skipSpaces() { while next == 0x20 { next = it.next() } }
        func digits() -> Int? {
            var value = 0, count = 0
            while let b = next, b >= 0x30, b <= 0x39 {
                value = value * 10 + Int(b - 0x30); count += 1
                guard count < 10 else { return nil }
                next = it.next(); skipSpaces()
            }
            return count > 0 ? value : nil
        }
        var termsInRow = 0
        while true {
            skipSpaces()
            var sign = 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") {
                if next == UInt8(ascii: "-") { sign = -1 }
                next = it.next(); skipSpaces()
            } else if termsInRow > 0 {
                return nil
            }
            let number = digits()
            var axis: Int? = nil
            if next == UInt8(ascii: "*") {
                guard number != nil else { return nil }
                next = it.next(); skipSpaces()
            }
            switch next.map({ $0 | 0x20 }) {    // ASCII lower case
            case UInt8(ascii: "x"): axis = 0
            case UInt8(ascii: "y"): axis = 1
            case UInt8(ascii: "z"): axis = 2
            default: break
            }
            if let axis {
                next = it.next()
                rot[3 * row + axis] += sign * (number ?? 1)
            } else {
                guard let num = number else { return nil }
                var den = 1
                if next == UInt8(ascii: "/") {
                    next = it.next(); skipSpaces()
                    guard let d = digits(), d != 0 else { return nil }
                    den = d
                }
                guard (num * translationDenominator) % den == 0 else { return nil }
                trn[row] += sign * num * translationDenominator / den
            }
            termsInRow += 1
            skipSpaces()
            if next == UInt8(ascii: ",") {
                guard row < 2 else { return nil }
                row += 1; termsInRow = 0
                next = it.next()
            } else if next == nil {
                return row == 2 ? SymmetryOperation(rotation: rot, translation24: trn) : nil
            } else if next != UInt8(ascii: "+") && next != UInt8(ascii: "-") {
                return nil
            }
        }
    }

    /// Element R[r][c].
    @inlinable public func r(_ row: Int, _ column: Int) -> Int { rotation[3 * row + column] }
    /// Translation as fractions of the cell edges.
    public var translation: (Double, Double, Double) {
        let d = Double(Self.translationDenominator)
        return (Double(translation24[0]) / d, Double(translation24[1]) / d, Double(translation24[2]) / d)
    }
    /// The rotation's determinant: +1 proper, −1 improper.
    public var determinant: Int {
        r(0, 0) * (r(1, 1) * r(2, 2) - r(1, 2) * r(2, 1))
            - r(0, 1) * (r(1, 0) * r(2, 2) - r(1, 2) * r(2, 0))
            + r(0, 2) * (r(1, 0) * r(2, 1) - r(1, 1) * r(2, 0))
    }

    /// The same operation with each translation reduced into [0, 1).
    public var normalized: SymmetryOperation {
        let d = Self.translationDenominator
        return SymmetryOperation(rotation: rotation, translation24: translation24.map { (($0 % d) + d) % d })
    }

    /// Composition `self ∘ other`: x ↦ R₁(R₂x + t₂) + t₁ (translations not reduced).
    public func composed(with other: SymmetryOperation) -> SymmetryOperation {
        var rot = [Int](repeating: 0, count: 9)
        var trn = translation24
        for i in 0..<3 {
            for j in 0..<3 { rot[3 * i + j] = (0..<3).reduce(0) { $0 + r(i, $1) * other.r($1, j) } }
            trn[i] += (0..<3).reduce(0) { $0 + r(i, $1) * other.translation24[$1] }
        }
        return SymmetryOperation(rotation: rot, translation24: trn)
    }

    /// The reflection equivalent to `m` under this operation: h' = h·R.
    @inlinable public func apply(to m: Miller) -> Miller {
        Miller(m.h * rotation[0] + m.k * rotation[3] + m.l * rotation[6],
               m.h * rotation[1] + m.k * rotation[4] + m.l * rotation[7],
               m.h * rotation[2] + m.k * rotation[5] + m.l * rotation[8])
    }
    /// h·t in units of 1/24 of a cycle: the phase shift 2π·h·t of the
    /// equivalent reflection is 2π·(this value)/24.
    @inlinable public func phaseShift24(for m: Miller) -> Int {
        m.h * translation24[0] + m.k * translation24[1] + m.l * translation24[2]
    }

    /// The triplet form, e.g. `-y+1/2,x,z+3/4`.
    public var description: String {
        var out: [String] = []
        for row in 0..<3 {
            var s = ""
            for (c, name) in ["x", "y", "z"].enumerated() {
                let v = r(row, c)
                if v == 0 { continue }
                let magnitude = abs(v) == 1 ? name : "\(abs(v))*\(name)"
                s += (v < 0 ? "-" : (s.isEmpty ? "" : "+")) + magnitude
            }
            let t = translation24[row]
            if t != 0 {
                let g = gcd(abs(t), Self.translationDenominator)
                let frac = "\(abs(t) / g)" + (Self.translationDenominator / g == 1 ? "" : "/\(Self.translationDenominator / g)")
                s += (t < 0 ? "-" : (s.isEmpty ? "" : "+")) + frac
            }
            out.append(s.isEmpty ? "0" : s)
        }
        return out.joined(separator: ",")
    }
}

@usableFromInline func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// One component of an operator written as text ("x-y+1/2", "a+b", "2c"):
/// its signed terms, split at each + or − that is not the first character,
/// each with its sign and the term without it; `text` (the whole operator)
/// names the error.
func signedTerms(_ part: Substring, of text: String) throws -> [(sign: Int, term: Substring)] {
    var terms: [Substring] = []
    var start = part.startIndex
    for i in part.indices where i != part.startIndex && (part[i] == "+" || part[i] == "-") {
        terms.append(part[start..<i]); start = i
    }
    terms.append(part[start...])
    return try terms.map { raw in
        var term = raw, sign = 1
        if term.first == "+" { term = term.dropFirst() } else if term.first == "-" { sign = -1; term = term.dropFirst() }
        guard !term.isEmpty else { throw SymmetryError.badOperation(text) }
        return (sign, term)
    }
}
