// UnmergedIntensities: scaled observations mapped to the reciprocal ASU, the input of merging and its statistics.
import MXSymmetry

/// Scaled, unmerged intensities as parallel arrays: each observation's
/// index in CCP4's reciprocal ASU, whether it was observed as I(+) (odd
/// M/ISYM) or I(−), its intensity and σ, and its batch (image).
public struct UnmergedIntensities: Sendable {
    public var spaceGroup: SpaceGroup
    public var unitCell: UnitCell
    /// Indices in the reciprocal ASU.
    public var indices: [Miller]
    /// True when the observed index maps to the ASU without inversion (I(+)).
    public var isPlus: [Bool]
    public var intensities: [Double]
    public var sigmas: [Double]
    public var batches: [Int]

    public init(spaceGroup: SpaceGroup, unitCell: UnitCell, indices: [Miller], isPlus: [Bool],
                intensities: [Double], sigmas: [Double], batches: [Int]) {
        precondition(indices.count == isPlus.count && indices.count == intensities.count
                     && indices.count == sigmas.count && indices.count == batches.count,
                     "UnmergedIntensities: arrays differ in length")
        self.spaceGroup = spaceGroup
        self.unitCell = unitCell
        self.indices = indices
        self.isPlus = isPlus
        self.intensities = intensities
        self.sigmas = sigmas
        self.batches = batches
    }

    /// Maps observed (original) indices into the ASU with `asymmetricUnitIndex`.
    public init(spaceGroup: SpaceGroup, unitCell: UnitCell, originalIndices: [Miller], intensities: [Double],
                sigmas: [Double], batches: [Int]) {
        let mapped = originalIndices.map { spaceGroup.asymmetricUnitIndex($0) }
        self.init(spaceGroup: spaceGroup, unitCell: unitCell, indices: mapped.map(\.index),
                  isPlus: mapped.map { $0.isym % 2 == 1 }, intensities: intensities, sigmas: sigmas,
                  batches: batches)
    }

    public var count: Int { indices.count }

    /// d-spacing of every observation, Å.
    public var dSpacings: [Double] { indices.map { unitCell.dSpacing($0) } }

    /// The observations with `keep[i]` true.
    public func selecting(_ keep: [Bool]) -> UnmergedIntensities {
        var out = self
        out.indices = []; out.isPlus = []; out.intensities = []; out.sigmas = []; out.batches = []
        for i in 0..<count where keep[i] {
            out.indices.append(indices[i]); out.isPlus.append(isPlus[i])
            out.intensities.append(intensities[i]); out.sigmas.append(sigmas[i]); out.batches.append(batches[i])
        }
        return out
    }

    /// Observations grouped by ASU index (and by Friedel sign when
    /// `anomalous`, centric reflections always counted as I(+)), in sorted
    /// index order; each group lists observation positions in input order.
    func groups(anomalous: Bool) -> [(key: MergeKey, members: [Int])] {
        var map: [MergeKey: [Int]] = [:]
        var centric: [Miller: Bool] = [:]
        for i in 0..<count {
            let m = indices[i]
            var plus = true
            if anomalous {
                let c: Bool
                if let known = centric[m] { c = known } else { c = spaceGroup.isCentric(m); centric[m] = c }
                plus = c ? true : isPlus[i]
            }
            map[MergeKey(index: m, isPlus: plus), default: []].append(i)
        }
        return map.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// A merged reflection's identity: ASU index and Friedel sign (always
/// true for non-anomalous merging and for centric reflections).
public struct MergeKey: Hashable, Comparable, Sendable {
    public var index: Miller
    public var isPlus: Bool
    public init(index: Miller, isPlus: Bool) { self.index = index; self.isPlus = isPlus }
    public static func < (a: MergeKey, b: MergeKey) -> Bool {
        a.index != b.index ? a.index < b.index : (a.isPlus && !b.isPlus)
    }
}
