// LaueGroupAnalysis: scores of each symmetry element of the lattice and of each candidate Laue group from correlations of normalised intensities.
import MXMath
import MXSymmetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One symmetry element of the lattice group (a rotation axis of given
/// order, its generators) scored by the correlation of E² between
/// reflections it relates (a row of dials.symmetry's element table).
public struct SymmetryElementScore: Sendable {
    /// Rotation order (1 for the identity, 2, 3, 4, 6).
    public let order: Int
    /// Axis direction in the reduced cell (fractional, smallest integers).
    public let axis: [Int]
    /// The rotations of this element (x′ = R·x in the reduced cell): R^k for
    /// k coprime to the order, so a fourfold's 2 = 4² is its own element.
    public let rotations: [[Int]]
    /// Correlation coefficient over `count` pairs.
    public let cc: Double
    /// σ(CC) = max(0.1, cc_sig_fac/√N).
    public let sigmaCC: Double
    /// Number of reflection pairs.
    public let count: Int
    /// P(element present | CC), from the Cauchy models.
    public let likelihood: Double
    /// p(CC | element present), p(CC | absent).
    let pPresent: Double, pAbsent: Double
    public var zcc: Double { cc / sigmaCC }
    /// The first rotation as an x,y,z triplet (in the reduced cell).
    public var operatorTriplet: String { SymmetryOperation(rotation: rotations[0]).description }
}

/// One candidate Laue group, a subgroup of the lattice group (a row of
/// dials.symmetry's subgroup table).
public struct LaueGroupCandidate: Sendable {
    /// The rotation subgroup in the reduced cell.
    public let rotations: [[Int]]
    /// The lowest-symmetry space group of this Laue class on its lattice
    /// (P 4 2 2, C 1 2 1, …), in the reference setting.
    public let spaceGroup: SpaceGroup
    /// The Bravais lattice whose conventional cell this group is set on.
    public let lattice: BravaisLattice
    /// Change of basis from the input (indexing) cell to the reference setting of `spaceGroup`.
    public let changeOfBasis: ChangeOfBasis
    /// Largest Le Page δ of its twofolds, degrees.
    public let maxDeltaDegrees: Double
    /// Normalised likelihood over all candidates.
    public internal(set) var likelihood: Double
    /// Mean Z-CC of elements in the group, of those not in it; their difference.
    public let zccIn: Double, zccOut: Double
    /// Mean CC of elements in the group, of those not in it.
    public let ccIn: Double, ccOut: Double
    public var netZcc: Double { zccIn - zccOut }
    /// The Laue (Patterson without centring) group name, e.g. "P 4/m m m".
    public var pattersonGroupName: String { "\(spaceGroup.centringType) \(spaceGroup.laueGroupName)" }
}

/// The Laue group analysis of one data set.
public struct LaueGroupAnalysis: Sendable {
    /// Elements, identity first, then by order then axis.
    public let elements: [SymmetryElementScore]
    /// Candidates, best first.
    public let candidates: [LaueGroupCandidate]
    /// CC of random unrelated pairs and how many were used.
    public let ccUnrelated: Double, unrelatedPairs: Int
    /// Fitted cc_sig_fac: rms CC of n unrelated pairs ≈ cc_sig_fac/√n.
    public let ccSigFac: Double
    /// E(CC) expected from the intensities' variances: var(E²)/(var(E²)+⟨σ²⟩).
    public let expectedCCFromVariance: Double
    /// CC of repeated observations of the same reflection (identity), and pairs.
    public let identityCC: Double, identityPairs: Int
    /// The CC a true symmetry element is expected to give (used in the models).
    public let ccTrue: Double
    /// The reduced cell and the change of basis input → reduced.
    public let reducedCell: UnitCell
    public let toReduced: ChangeOfBasis
    /// Unique reflections used.
    public let uniqueReflections: Int
    public var best: LaueGroupCandidate { candidates[0] }
    /// Confidence in the best candidate: its likelihood minus the runner-up's
    /// (1 when it is the only candidate).
    public var confidence: Double {
        candidates.count > 1 ? max(0, candidates[0].likelihood - candidates[1].likelihood) : 1
    }
}

extension LaueGroupAnalysis {
    /// Scores the symmetry elements of the lattice group of `reducedCell` and
    /// every subgroup, following dials.symmetry (Gildea & Winter 2018,
    /// Acta Cryst. D74, 405; POINTLESS: Evans 2006, Acta Cryst. D62, 72):
    /// - σ(CC) from random unrelated pairs: rms CC of n pairs fitted to cc_sig_fac/√n;
    /// - p(CC|S) = Cauchy centred on CC_true, width σ(CC), truncated to [−1, 1];
    /// - p(CC|¬S) = the same Cauchy centred on m·CC_true integrated over m ∈ [0, 1]
    ///   with prior (1 − m²)^½ (DIALS' (1 − m^k)^(1/k), k = 2);
    /// - element likelihood p(S)/(p(S) + p(¬S));
    /// - subgroup likelihood ∝ Π_in p(CC|S) · Π_out p(CC|¬S), normalised.
    /// - Parameters:
    ///   - data: normalised, merged intensities indexed on `reducedCell`.
    ///   - toReduced: change of basis from the input cell to `reducedCell`.
    ///   - seed: for the random unrelated pairs (DIALS' default 230).
    public static func analyse(_ data: NormalisedIntensities, reducedCell: UnitCell, toReduced: ChangeOfBasis,
                               maxDeltaDegrees: Double, seed: UInt64 = 230,
                               table: SpaceGroupTable) throws -> LaueGroupAnalysis {
        let group = LatticeSymmetry.latticeGroup(of: reducedCell, maxDeltaDegrees: maxDeltaDegrees)
        var rng = SplitMix64(seed: seed)

        // Unrelated pairs: random distinct unique reflections.
        let n = data.count
        var unrelated = CorrelationAccumulator()
        let nPairs = min(20_000, n * 2)
        for _ in 0..<nPairs {
            let i = rng.next(below: n), j = rng.next(below: n)
            if i != j { unrelated.addSymmetric(data.e2[i], data.e2[j]) }
        }
        // cc_sig_fac: rms CC of k random pairs against 1/√k, least squares through the origin.
        var sxy = 0.0, sxx = 0.0
        for k in [5, 10, 20, 40, 80, 160, 200] where k * 2 <= n {
            var sum2 = 0.0
            let trials = 100
            for _ in 0..<trials {
                var acc = CorrelationAccumulator()
                for _ in 0..<k {
                    let i = rng.next(below: n), j = rng.next(below: n)
                    acc.addSymmetric(data.e2[i], data.e2[j])
                }
                sum2 += acc.coefficient * acc.coefficient
            }
            let rms = (sum2 / Double(trials)).squareRoot(), x = 1 / Double(k).squareRoot()
            sxy += rms * x; sxx += x * x
        }
        let ccSigFac = sxx > 0 ? sxy / sxx : 1

        // Identity: pairs of observations of the same reflection.
        var identity = CorrelationAccumulator()
        for o in data.observations where o.count >= 2 {
            var k = 0
            while k + 1 < o.count { identity.addSymmetric(o[k], o[k + 1]); k += 2 }
        }
        let meanE = data.e2.reduce(0, +) / Double(max(n, 1))
        let varE = data.e2.reduce(0) { $0 + ($1 - meanE) * ($1 - meanE) } / Double(max(n - 1, 1))
        let meanVar = data.variance.reduce(0, +) / Double(max(n, 1))
        let expected = varE / (varE + meanVar)
        var ccTrue = identity.n >= 20 ? identity.coefficient : expected
        ccTrue = min(1, max(ccTrue, 0.05))

        // Elements: cyclic groups by axis and order.
        var elements: [(order: Int, axis: [Int], rotations: [[Int]])] = [(1, [0, 0, 0], [RotationAlgebra.identity])]
        var done = Set<[Int]>([RotationAlgebra.identity])
        for r in group.sorted(by: { RotationAlgebra.order($0) < RotationAlgebra.order($1) }) where !done.contains(r) {
            let order = RotationAlgebra.order(r)
            var gens: [[Int]] = []
            var p = r
            for k in 1..<order {
                if gcd(k, order) == 1 { gens.append(p) }
                p = RotationAlgebra.multiply(p, r)
            }
            gens.forEach { done.insert($0) }
            elements.append((order, RotationAlgebra.axis(r), gens))
        }
        elements.sort { ($0.order == 1 ? 0 : 1, -$0.order, $0.axis.map(abs).reduce(0, +), $0.axis.description)
            < ($1.order == 1 ? 0 : 1, -$1.order, $1.axis.map(abs).reduce(0, +), $1.axis.description) }

        var scores: [SymmetryElementScore] = []
        for e in elements {
            var acc: CorrelationAccumulator
            if e.order == 1 {
                acc = identity
            } else {
                acc = CorrelationAccumulator()
                var seen = Set<Pair>()
                let ops = e.rotations.map { SymmetryOperation(rotation: $0) }
                for (i, m) in data.millers.enumerated() {
                    for op in ops {
                        let mate = NormalisedIntensities.canonical(op.apply(to: m))
                        guard mate != m, let j = data.index[mate] else { continue }
                        if seen.insert(Pair(min(i, j), max(i, j))).inserted {
                            acc.addSymmetric(data.e2[i], data.e2[j])
                        }
                    }
                }
            }
            let cc = acc.coefficient
            let sigma = max(0.1, ccSigFac / Double(max(acc.n, 1)).squareRoot())
            let pS = acc.n > 0 ? truncatedCauchy(cc, centre: ccTrue, width: sigma) : 1
            let pN = acc.n > 0 ? probabilityWithoutElement(cc, ccTrue: ccTrue, width: sigma) : 1
            scores.append(SymmetryElementScore(order: e.order, axis: e.axis, rotations: e.rotations, cc: cc,
                                               sigmaCC: sigma, count: acc.n, likelihood: pS / (pS + pN),
                                               pPresent: pS, pAbsent: pN))
        }

        // Subgroups of the lattice group, each placed on its Bravais setting.
        let settings = try LatticeSymmetry.bravaisSettings(of: reducedCell, maxDeltaDegrees: maxDeltaDegrees,
                                                           ordering: .cctbx)
        var subgroups: [[[Int]]] = []
        var seenGroups = Set<Set<[Int]>>()
        for g1 in group { for g2 in group {
            guard let s = RotationAlgebra.closure([g1, g2]), seenGroups.insert(Set(s)).inserted else { continue }
            subgroups.append(s)
        } }
        var candidates: [LaueGroupCandidate] = []
        var logL: [Double] = []
        for h in subgroups {
            let hs = Set(h)
            guard let placed = try place(h, settings: settings, table: table) else { continue }
            var log = 0.0
            var zIn: [Double] = [], zOut: [Double] = [], ccIn: [Double] = [], ccOut: [Double] = []
            for s in scores {
                let inside = s.rotations.allSatisfy { hs.contains($0) }
                log += Foundation_log(inside ? s.pPresent : s.pAbsent)
                if inside { zIn.append(s.zcc); ccIn.append(s.cc) } else { zOut.append(s.zcc); ccOut.append(s.cc) }
            }
            func mean(_ a: [Double]) -> Double { a.isEmpty ? 0 : a.reduce(0, +) / Double(a.count) }
            let delta = h.filter { RotationAlgebra.order($0) == 2 }
                .map { LatticeSymmetry.lePageDelta(cell: reducedCell, twofold: $0) }.max() ?? 0
            candidates.append(LaueGroupCandidate(
                rotations: h, spaceGroup: placed.group, lattice: placed.lattice,
                changeOfBasis: placed.changeOfBasis * toReduced, maxDeltaDegrees: delta, likelihood: 0,
                zccIn: mean(zIn), zccOut: mean(zOut), ccIn: mean(ccIn), ccOut: mean(ccOut)))
            logL.append(log)
        }
        let top = logL.max() ?? 0
        let weights = logL.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        for i in candidates.indices { candidates[i].likelihood = weights[i] / total }
        let order = candidates.indices.sorted {
            candidates[$0].likelihood != candidates[$1].likelihood
                ? candidates[$0].likelihood > candidates[$1].likelihood
                : candidates[$0].rotations.count > candidates[$1].rotations.count
        }
        return LaueGroupAnalysis(elements: scores, candidates: order.map { candidates[$0] },
                                 ccUnrelated: unrelated.coefficient, unrelatedPairs: unrelated.n,
                                 ccSigFac: ccSigFac, expectedCCFromVariance: expected,
                                 identityCC: identity.coefficient, identityPairs: identity.n, ccTrue: ccTrue,
                                 reducedCell: reducedCell, toReduced: toReduced, uniqueReflections: n)
    }

    /// The subgroup `h` (reduced basis) set on the conventional cell of the
    /// smallest Bravais setting whose lattice group contains it, identified
    /// as the lowest-symmetry space group of its Laue class in that setting,
    /// then moved to the reference setting.
    static func place(_ h: [[Int]], settings: [BravaisSetting], table: SpaceGroupTable) throws
        -> (group: SpaceGroup, lattice: BravaisLattice, changeOfBasis: ChangeOfBasis)? {
        var best: (BravaisSetting, [[Int]])?
        for s in settings {
            let op = s.changeOfBasis
            let conv = h.compactMap { (op.coordinateMatrix * RationalMatrix3(integers: $0) * op.basis).integerElements }
            guard conv.count == h.count, Set(conv).isSubset(of: Set(s.rotations)) else { continue }
            if best == nil || s.rotations.count < best!.0.rotations.count { best = (s, conv) }
        }
        guard let (setting, conv) = best else { return nil }
        let lattice = try setting.spaceGroup(table: table)
        var ops: [SymmetryOperation] = []
        for r in conv { for c in lattice.centringOperations {
            ops.append(SymmetryOperation(rotation: r, translation24: c.translation24))
        } }
        guard let found = table.spaceGroup(matching: ops) else { return nil }
        let toReference = found.changeOfBasisToReference
        let reference = try found.referenceSetting(table: table)
        return (reference, setting.lattice, toReference * setting.changeOfBasis)
    }

    /// Truncated Cauchy density on [−1, 1].
    static func truncatedCauchy(_ x: Double, centre: Double, width: Double) -> Double {
        let norm = (atan((1 - centre) / width) - atan((-1 - centre) / width)) / Double.pi
        let u = (x - centre) / width
        return 1 / (Double.pi * width * (1 + u * u)) / norm
    }

    /// p(CC | ¬S): the true CC is m·CC_true with prior (1 − m²)^½ on m ∈ [0, 1].
    static func probabilityWithoutElement(_ x: Double, ccTrue: Double, width: Double) -> Double {
        let steps = 200
        var num = 0.0, den = 0.0
        for i in 0..<steps {
            let m = (Double(i) + 0.5) / Double(steps)
            let prior = (1 - m * m).squareRoot()
            num += prior * truncatedCauchy(x, centre: m * ccTrue, width: width)
            den += prior
        }
        return num / den
    }
}

@inline(__always) func Foundation_log(_ x: Double) -> Double { log(max(x, 1e-300)) }

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? abs(a) : gcd(b, a % b) }

/// An unordered pair of row numbers.
struct Pair: Hashable { let a: Int, b: Int; init(_ a: Int, _ b: Int) { self.a = a; self.b = b } }


/// Integer 3×3 rotations (row-major, x′ = R·x).
enum RotationAlgebra {
    static let identity = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    static func multiply(_ a: [Int], _ b: [Int]) -> [Int] {
        var c = [Int](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { c[3 * i + j] += a[3 * i + k] * b[3 * k + j] } } }
        return c
    }
    static func order(_ r: [Int]) -> Int {
        var p = r, n = 1
        while p != identity && n < 12 { p = multiply(p, r); n += 1 }
        return n
    }
    /// The group generated by `generators`, or nil beyond 24 elements (not a point group).
    static func closure(_ generators: [[Int]]) -> [[Int]]? {
        var g: [[Int]] = [identity]
        var set = Set(g)
        var frontier = generators
        while let x = frontier.popLast() {
            if set.contains(x) { continue }
            set.insert(x); g.append(x)
            if g.count > 24 { return nil }
            for y in g { frontier.append(multiply(x, y)); frontier.append(multiply(y, x)) }
        }
        return g
    }
    /// The axis of a proper rotation: the smallest integer vector u with R·u = u, first non-zero positive.
    static func axis(_ r: [Int]) -> [Int] {
        var best: [Int]? = nil
        for x in -3...3 { for y in -3...3 { for z in -3...3 {
            let v = [x, y, z]
            guard v != [0, 0, 0], let f = v.first(where: { $0 != 0 }), f > 0, gcd(gcd(x, y), z) == 1 else { continue }
            let rv = (0..<3).map { i in r[3 * i] * x + r[3 * i + 1] * y + r[3 * i + 2] * z }
            guard rv == v else { continue }
            if best == nil || v.map(abs).reduce(0, +) < best!.map(abs).reduce(0, +) { best = v }
        } } }
        return best ?? [0, 0, 0]
    }
}
