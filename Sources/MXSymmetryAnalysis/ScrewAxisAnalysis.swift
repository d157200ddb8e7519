// ScrewAxisAnalysis: the space group within a Laue class from systematic absences of axial reflections.
import MXSymmetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One absence test: the merged reflections that some candidate space groups
/// predict absent and the others present (e.g. 00l with l odd for a 2₁ or
/// 4₂ along c), with their mean I/σ.
public struct AbsenceTest: Sendable {
    /// A readable description of the zone, e.g. "0 0 l: l = 1,3,5,…".
    public let label: String
    /// Merged reflections in the test.
    public let count: Int
    /// Mean I/σ(I) and mean I of those merged reflections.
    public let meanIOverSigma: Double, meanIntensity: Double
    /// Probability that the reflections are absent: 1/(1 + exp(3·(⟨I/σ⟩ − 1.645))),
    /// so ⟨I/σ⟩ = 1.645 (dials.symmetry's one-sided 95 % threshold) gives ½.
    public let probabilityAbsent: Double
    /// For each candidate (same order as `AbsenceAnalysis.candidates`), whether it predicts absence.
    public let absentIn: [Bool]
}

/// A candidate space group and its score from the absence tests.
public struct SpaceGroupScore: Sendable {
    public let group: SpaceGroup
    /// Normalised: the product over tests of P(absent) or 1 − P(absent) as the group predicts.
    public let score: Double
}

/// The choice of space group among the Sohncke groups of one Laue class.
public struct AbsenceAnalysis: Sendable {
    public let tests: [AbsenceTest]
    /// All candidates, in the order of `AbsenceTest.absentIn`.
    public let candidates: [SpaceGroupScore]
    /// The chosen group: highest score; ties to the most screw axes, then the lowest number.
    public let best: SpaceGroup
    /// Other groups with the same score: enantiomorphs (P4₁/P4₃), groups
    /// whose screw axes the lattice absences hide (I2₁3 vs I23), or groups
    /// differing on axes with no measured reflections.
    public let equivalent: [SpaceGroup]
    /// The best score.
    public var confidence: Double { candidates.first { $0.group == best }?.score ?? 0 }
}

extension AbsenceAnalysis {
    /// Tests the screw axes that distinguish the chiral space groups with the
    /// point group and lattice centring of `laueClass` (all in the same setting):
    /// observations (indices in that setting) are merged in the Laue class,
    /// every merged reflection is sorted by which candidates predict it
    /// absent, and each such pattern (other than "none" and "all") is one test.
    public static func analyse(_ observations: [IntensityObservation], laueClass: SpaceGroup,
                               table: SpaceGroupTable) -> AbsenceAnalysis {
        let rotations = Set(laueClass.pointGroupRotations.map(\.rotation))
        let centrings = Set(laueClass.centringOperations.map(\.normalized))
        var seen = Set<Set<SymmetryOperation>>()
        var seenKeys = Set<AbsenceKey>()
        var candidates: [SpaceGroup] = []
        for g in table.groups where g.isChiral && Set(g.pointGroupRotations.map(\.rotation)) == rotations
            && Set(g.centringOperations.map(\.normalized)) == centrings && !g.xHM.isEmpty {
            // Settings with a shifted origin (C 1 21 1 is C 1 2 1) have other operators but the same
            // type and absences: keep one per number and absence pattern.
            let key = AbsenceKey(number: g.number, absent: axialAbsencePattern(g))
            if seen.insert(Set(g.operations)).inserted, seenKeys.insert(key).inserted { candidates.append(g) }
        }
        if candidates.isEmpty { candidates = [laueClass] }
        candidates.sort { $0.number < $1.number }

        // Merge in the Laue class (Friedel mates together).
        var sums: [Miller: (w: Double, wi: Double)] = [:]
        for o in observations {
            let key = laueClass.asymmetricUnitIndex(o.miller).index
            let w = 1 / o.variance
            let old = sums[key] ?? (0, 0)
            sums[key] = (old.w + w, old.wi + w * o.intensity)
        }
        var groups: [[Bool]: [(Miller, Double, Double)]] = [:]
        for (m, s) in sums {
            let pattern = candidates.map { $0.isSystematicallyAbsent(m) }
            guard pattern.contains(true), pattern.contains(false) else { continue }
            let i = s.wi / s.w, sigma = (1 / s.w).squareRoot()
            groups[pattern, default: []].append((m, i, i / sigma))
        }
        var tests: [AbsenceTest] = []
        for (pattern, members) in groups.sorted(by: { $0.value.count > $1.value.count }) {
            let n = Double(members.count)
            let z = members.reduce(0) { $0 + $1.2 } / n
            let meanI = members.reduce(0) { $0 + $1.1 } / n
            let p = 1 / (1 + exp(3 * (z - 1.645)))
            tests.append(AbsenceTest(label: zoneLabel(members.map(\.0)), count: members.count, meanIOverSigma: z,
                                     meanIntensity: meanI, probabilityAbsent: p, absentIn: pattern))
        }
        var raw = candidates.indices.map { c in
            tests.reduce(1.0) { $0 * ($1.absentIn[c] ? $1.probabilityAbsent : 1 - $1.probabilityAbsent) }
        }
        let total = raw.reduce(0, +)
        raw = raw.map { total > 0 ? $0 / total : 1 / Double(candidates.count) }
        let scores = zip(candidates, raw).map { SpaceGroupScore(group: $0, score: $1) }
        let top = raw.max() ?? 1
        // Ties (axes with no measured reflections, enantiomorphs, screws hidden by centring) go to the
        // group with the most screw axes (absent reflections, then screw coset representatives), as unobserved axes are more often screws in macromolecular crystals (P2₁2₁2₁ is by far
        // the commonest group in the PDB), then to the lowest number (P4₁2₁2 before P4₃2₁2, as dials).
        let tied = scores.filter { abs($0.score - top) <= 1e-9 * max(top, 1e-300) }.map(\.group)
            .sorted { (-axialAbsences($0), -screwOperators($0), $0.number)
                < (-axialAbsences($1), -screwOperators($1), $1.number) }
        return AbsenceAnalysis(tests: tests, candidates: scores, best: tied[0], equivalent: Array(tied.dropFirst()))
    }

    /// How many reflections m·v (v along the 13 lattice rows of the cubic
    /// holohedry, m = 1…12) `group` makes systematically absent.
    static func axialAbsences(_ group: SpaceGroup) -> Int { axialAbsencePattern(group).filter { $0 }.count }

    /// Primitive operators (syminfo's coset representatives) with a screw
    /// component: intrinsic translation (1/n)·Σₖ Rᵏ·t not a lattice vector.
    static func screwOperators(_ group: SpaceGroup) -> Int {
        group.primitiveOperations.filter { op in
            var power = SymmetryOperation.identity.rotation
            var sum = [0, 0, 0]
            var n = 0
            repeat {
                for i in 0..<3 { for j in 0..<3 { sum[i] += power[3 * i + j] * op.translation24[j] } }
                power = RotationAlgebra.multiply(power, op.rotation)
                n += 1
            } while power != SymmetryOperation.identity.rotation && n < 12
            // sum/n in units of 1/24: a screw when not a multiple of 24·n.
            return sum.contains { $0 % (24 * n) != 0 }
        }.count
    }

    struct AbsenceKey: Hashable { let number: Int; let absent: [Bool] }

    /// Whether each reflection m·v of `axialAbsences`' rows is absent in `group`.
    static func axialAbsencePattern(_ group: SpaceGroup) -> [Bool] {
        let rows = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, -1, 0), (1, 0, 1), (1, 0, -1), (0, 1, 1),
                    (0, 1, -1), (1, 1, 1), (1, -1, 1), (1, 1, -1), (-1, 1, 1), (2, 1, 0), (1, 2, 0)]
        var out: [Bool] = []
        for v in rows { for m in 1...12 { out.append(group.isSystematicallyAbsent(Miller(m * v.0, m * v.1, m * v.2))) } }
        return out
    }

    /// "h 0 0: h = 1,3,5,…"-style description of a set of reflections on one row.
    static func zoneLabel(_ members: [Miller]) -> String {
        let sorted = members.sorted { abs($0.h) + abs($0.k) + abs($0.l) < abs($1.h) + abs($1.k) + abs($1.l) }
        guard let first = sorted.first else { return "" }
        let g = gcd(gcd(first.h, first.k), first.l)
        let unit = Miller(first.h / g, first.k / g, first.l / g)
        let letters = ["h", "k", "l"]
        var which = 0
        for i in 0..<3 where unit[i] != 0 { which = i; break }
        let row = (0..<3).map { i -> String in
            let u = unit[i]
            if u == 0 { return "0" }
            let v = u * unit[which] > 0 ? "" : "-"
            return v + letters[which]
        }.joined(separator: " ")
        let onRow = sorted.allSatisfy { m in
            let t = m[which] / max(abs(unit[which]), 1)
            return t != 0 && Miller(unit.h * t, unit.k * t, unit.l * t) == m || Miller(-unit.h * t, -unit.k * t, -unit.l * t) == m
        }
        let values = Array(Set(sorted.map { abs($0[which]) })).sorted().prefix(4).map(String.init)
        return onRow ? "\(row): \(letters[which]) = \(values.joined(separator: ","))…"
            : "\(members.count) reflections, e.g. \(first)"
    }
}
