// MergedIntensities: inverse-variance weighted merging of symmetry equivalents, optionally keeping I(+) and I(−) apart.
import Foundation
import MXSymmetry

/// One merged reflection per `MergeKey`: ⟨I⟩ = ΣwᵢIᵢ / Σwᵢ with wᵢ = 1/σᵢ²
/// and σ(⟨I⟩) = 1/√Σwᵢ (cctbx `merge_equivalents_obs` without internal
/// variance, as dials.merge uses), and how many observations went in.
public struct MergedIntensities: Sendable {
    public var spaceGroup: SpaceGroup
    public var unitCell: UnitCell
    public var anomalous: Bool
    public var keys: [MergeKey]
    public var intensities: [Double]
    public var sigmas: [Double]
    public var multiplicities: [Int]

    public var count: Int { keys.count }
    public var indices: [Miller] { keys.map(\.index) }

    /// Merges `data`, dropping observations with σ ≤ 0 (they carry no weight).
    public init(merging data: UnmergedIntensities, anomalous: Bool) {
        spaceGroup = data.spaceGroup
        unitCell = data.unitCell
        self.anomalous = anomalous
        keys = []; intensities = []; sigmas = []; multiplicities = []
        for (key, members) in data.groups(anomalous: anomalous) {
            var sw = 0.0, swi = 0.0, n = 0
            for i in members where data.sigmas[i] > 0 {
                let w = 1 / (data.sigmas[i] * data.sigmas[i])
                sw += w; swi += w * data.intensities[i]; n += 1
            }
            guard n > 0 else { continue }
            keys.append(key)
            intensities.append(swi / sw)
            sigmas.append(1 / sw.squareRoot())
            multiplicities.append(n)
        }
    }

    /// I(+) and I(−) paired per ASU index of an anomalous merge: for each
    /// acentric index with both present, (index, I+, σ+, I−, σ−).
    public func anomalousPairs() -> [(index: Miller, plus: Double, sigmaPlus: Double, minus: Double, sigmaMinus: Double)] {
        var plus: [Miller: Int] = [:], minus: [Miller: Int] = [:]
        for (i, k) in keys.enumerated() {
            if k.isPlus { plus[k.index] = i } else { minus[k.index] = i }
        }
        return minus.keys.sorted().compactMap { m in
            guard let p = plus[m], let q = minus[m] else { return nil }
            return (m, intensities[p], sigmas[p], intensities[q], sigmas[q])
        }
    }
}
