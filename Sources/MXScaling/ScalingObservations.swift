// ScalingObservations: the per-observation inputs of scaling (intensity, group, rotation, resolution, beam harmonics).

/// Observations prepared for scaling, as parallel arrays: each has its
/// experiment (sweep), symmetry-equivalent group, rotation angle (degrees),
/// 1/d², the absorption harmonic terms ½[Y(−s0ᶜ) + Y(s1ᶜ)] (`harmonicCount`
/// values each), the profile-fitted and summed intensities with variances
/// (already corrected by lp/qe, the summed ones also by partiality), and
/// whether it may be used at all (`usable`: not excluded by the filters).
public struct ScalingObservations: Sendable {
    public var experiment: [Int]
    public var group: [Int]
    public var groupCount: Int
    public var rotation: [Double]
    public var dStarSquared: [Double]
    public var harmonics: [Double]
    public var harmonicCount: Int
    public var profileIntensity: [Double?]
    public var profileVariance: [Double?]
    public var summedIntensity: [Double]
    public var summedVariance: [Double]
    public var usable: [Bool]
    /// Groups keeping I(+) and I(−) apart (centric ones together), as DIALS
    /// forms them for the error model; equal to `group` when scaling is anomalous.
    public var errorModelGroup: [Int]
    public var errorModelGroupCount: Int

    public init(experiment: [Int], group: [Int], groupCount: Int, rotation: [Double], dStarSquared: [Double],
                harmonics: [Double], harmonicCount: Int, profileIntensity: [Double?], profileVariance: [Double?],
                summedIntensity: [Double], summedVariance: [Double], usable: [Bool],
                errorModelGroup: [Int]? = nil, errorModelGroupCount: Int? = nil) {
        precondition(group.count == experiment.count && rotation.count == experiment.count
                     && dStarSquared.count == experiment.count && harmonics.count == experiment.count * harmonicCount
                     && profileIntensity.count == experiment.count && summedIntensity.count == experiment.count
                     && usable.count == experiment.count, "ScalingObservations: arrays differ in length")
        self.experiment = experiment; self.group = group; self.groupCount = groupCount
        self.rotation = rotation; self.dStarSquared = dStarSquared
        self.harmonics = harmonics; self.harmonicCount = harmonicCount
        self.profileIntensity = profileIntensity; self.profileVariance = profileVariance
        self.summedIntensity = summedIntensity; self.summedVariance = summedVariance; self.usable = usable
        self.errorModelGroup = errorModelGroup ?? group
        self.errorModelGroupCount = errorModelGroupCount ?? groupCount
    }

    public var count: Int { experiment.count }

    /// The harmonic terms of observation `i`.
    @inlinable public func harmonics(of i: Int) -> ArraySlice<Double> {
        harmonics[(i * harmonicCount)..<((i + 1) * harmonicCount)]
    }
}

/// Which intensity scaling uses: profile-fitted, summed, or DIALS' smooth
/// combination I = w·I_prf + (1−w)·I_sum, σ² = w·σ²_prf + (1−w)·σ²_sum,
/// with w = 1/(1 + (I_sum/I_mid)³)
/// (profile fitting for weak reflections, summation for strong ones).
public enum IntensityChoice: Sendable, Equatable {
    case profile
    case summed
    case combined(midpoint: Double)

    /// The intensity and variance of observation `i` under this choice
    /// (summed where no profile-fitted value exists).
    public func intensity(_ o: ScalingObservations, _ i: Int) -> (value: Double, variance: Double) {
        let s = o.summedIntensity[i], sv = o.summedVariance[i]
        guard let p = o.profileIntensity[i], let pv = o.profileVariance[i] else { return (s, sv) }
        switch self {
        case .profile: return (p, pv)
        case .summed: return (s, sv)
        case .combined(let mid):
            let r = s / mid
            let w = 1 / (1 + max(r, 0) * max(r, 0) * max(r, 0))
            // DIALS combines the variances linearly with the same weight (the two
            // estimates come from the same pixels, so they are far from independent).
            return (w * p + (1 - w) * s, w * pv + (1 - w) * sv)
        }
    }

    /// DIALS' name of the choice in logs.
    public var label: String {
        switch self {
        case .profile: return "prf only"
        case .summed: return "sum only"
        case .combined(let m): return "Imid = \(String(format: "%.2f", m))"
        }
    }
}
