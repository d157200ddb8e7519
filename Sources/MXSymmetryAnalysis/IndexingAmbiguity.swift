// IndexingAmbiguity: when a lattice has more metric symmetry than the
// crystal's Laue group (P4 on a tetragonal lattice, I2₁3 on a cubic one),
// sweeps indexed one by one can land in different, equally valid settings.
// Those settings are the cosets of the Laue group in the lattice group; the
// right one for a sweep is the reindexing whose intensities agree best with
// a reference sweep's.
import MXMath
import MXSymmetry

public enum IndexingAmbiguity {
    /// One candidate reindexing and how well it agrees with the reference.
    public struct Candidate: Sendable {
        /// The reindexing in the input (indexing) setting.
        public let changeOfBasis: ChangeOfBasis
        /// Correlation of normalised intensities (E²) with the reference,
        /// over the unique reflections both have; nil when fewer than the minimum.
        public let cc: Double?
        /// Unique reflections in common with the reference.
        public let common: Int
    }

    /// The choice for one sweep: every candidate (identity first) and the
    /// index of the one taken.
    public struct Choice: Sendable {
        public let candidates: [Candidate]
        public let chosen: Int
        public var changeOfBasis: ChangeOfBasis { candidates[chosen].changeOfBasis }
        /// True when the data decided (at least two candidates had a CC).
        public var decided: Bool { candidates.filter { $0.cc != nil }.count >= 2 }
    }

    /// One representative rotation of each coset of the Laue group in the
    /// lattice group (both as rotations acting on Miller indices, h′ = h·R,
    /// in the same cell), the identity's coset first. Two rotations are in
    /// the same coset when they send a general reflection to equivalent
    /// reflections under the Laue group (Friedel's law included).
    public static func alternatives(laueRotations: [[Int]], latticeRotations: [[Int]]) -> [[Int]] {
        let laue = laueRotations.map { SymmetryOperation(rotation: $0) }
        // A reflection on no symmetry element of any lattice.
        let general = Miller(7, 3, 11)
        var seen: [Miller] = []
        var representatives: [[Int]] = []
        let identity = SymmetryOperation.identity.rotation
        let ordered = [identity] + latticeRotations.filter { $0 != identity }
        for r in ordered {
            let key = canonical(SymmetryOperation(rotation: r).apply(to: general), laue)
            if seen.contains(key) { continue }
            seen.append(key)
            representatives.append(r)
        }
        return representatives
    }

    /// The reflection of `m`'s orbit under `laue` and Friedel's law that
    /// sorts last: one key per unique reflection of the Laue group.
    public static func canonical(_ m: Miller, _ laue: [SymmetryOperation]) -> Miller {
        var best = max(m, -m)
        for g in laue {
            let e = g.apply(to: m)
            best = max(best, max(e, -e))
        }
        return best
    }

    /// Chooses, among the coset representatives `alternatives` (rotations in
    /// the reduced cell, identity first), the reindexing of `candidate` that
    /// agrees best with `reference`. Both are observations in the input
    /// setting; `toReduced` takes that setting to `reducedCell`, where
    /// `laueRotations` are given. Intensities are normalised to E² in
    /// resolution shells for each data set on its own, so a sweep's overall
    /// scale and fall-off do not matter. The identity is kept unless another
    /// candidate correlates better with at least `minCommon` reflections.
    public static func choose(reference: [IntensityObservation], candidate: [IntensityObservation],
                              toReduced: ChangeOfBasis, reducedCell: UnitCell, laueRotations: [[Int]],
                              alternatives: [[Int]], minCommon: Int = 20, bins: Int = 10) throws -> Choice {
        let laue = laueRotations.map { SymmetryOperation(rotation: $0) }
        func normalised(_ observations: [IntensityObservation]) -> NormalisedIntensities {
            NormalisedIntensities(IntensityObservation.reindexed(observations, by: toReduced), cell: reducedCell, bins: bins)
        }
        func merged(_ data: NormalisedIntensities, by rotation: SymmetryOperation) -> [Miller: (sum: Double, n: Int)] {
            var out: [Miller: (sum: Double, n: Int)] = [:]
            for (m, e2) in zip(data.millers, data.e2) {
                let key = canonical(rotation.apply(to: m), laue)
                let old = out[key] ?? (0, 0)
                out[key] = (old.sum + e2, old.n + 1)
            }
            return out
        }
        let ref = merged(normalised(reference), by: .identity)
        let data = normalised(candidate)
        var candidates: [Candidate] = []
        for r in alternatives {
            let op = SymmetryOperation(rotation: r)
            let mine = merged(data, by: op)
            var x: [Double] = [], y: [Double] = []
            for (key, value) in mine {
                guard let other = ref[key] else { continue }
                x.append(value.sum / Double(value.n)); y.append(other.sum / Double(other.n))
            }
            let inReduced = try ChangeOfBasis(basisIntegers: r)
            let cb = toReduced.inverse * inReduced * toReduced
            candidates.append(Candidate(changeOfBasis: cb, cc: x.count >= minCommon ? Statistics.pearsonCorrelation(x, y) : nil, common: x.count))
        }
        var chosen = 0
        if let identityCC = candidates.first?.cc {
            for (i, c) in candidates.enumerated() where i > 0 {
                if let cc = c.cc, cc > (candidates[chosen].cc ?? identityCC) { chosen = i }
            }
        }
        return Choice(candidates: candidates, chosen: chosen)
    }
}
