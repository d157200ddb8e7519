// PhysicalScalingModel: inverse scale g = C(φ)·exp(B(φ)/(2d²))·A(s0, s1) of one sweep, as DIALS' physical model.
import Foundation

/// One sweep's physical scaling model (Evans 2006; DIALS `physical`): the
/// inverse scale factor of an observation at rotation φ and resolution d is
///   g = C(φ) · exp(B(φ)/(2d²)) · (1 + Σ_lm P_lm·½[Y_lm(−s0ᶜ) + Y_lm(s1ᶜ)])
/// with C a smooth overall scale, B a smooth relative temperature factor
/// (radiation damage: B falls as dose accumulates) and the last factor
/// absorption, expanded in spherical harmonics of the incident and
/// diffracted beam directions in the crystal frame.
public struct PhysicalScalingModel: Sendable, Equatable {
    public var scale: SmoothRotationFunction
    public var decay: SmoothRotationFunction?
    /// Absorption coefficients P_lm (l = 1…lmax, m = −l…l), or nil without absorption.
    public var absorption: [Double]?
    public var lmax: Int
    /// Restraint weights: decay parameters towards 0, absorption coefficients towards 0.
    public var decayRestraint: Double
    public var absorptionRestraint: Double
    /// Image range and rotation range the model was fitted on.
    public var imageRange: ClosedRange<Int>
    public var oscillationRangeDegrees: ClosedRange<Double>
    /// Error model σ'² = a²(σ² + (bI)²) fitted after scaling.
    public var errorModel: ErrorModel?
    /// Profile/summation combination midpoint (nil: profile-fitted only;
    /// +∞: summation only).
    public var intensityMidpoint: Double?
    /// Estimated standard deviation of each parameter after the fit (same order as `parameters`).
    public var parameterSDs: [Double] = []

    public struct Options: Sendable, Equatable {
        /// Rotation between parameters; nil: by scan width, as DIALS' auto
        /// (< 5°: 1 and 1.5; < 10°: 2 and 3; < 25°: 4 and 5; < 90°: 8 and 10; else 15 and 20).
        public var scaleIntervalDegrees: Double? = nil
        public var decayIntervalDegrees: Double? = nil
        public var decay = true
        /// nil: absorption for scans wider than 60° (DIALS' auto).
        public var absorption: Bool? = nil
        public var lmax = 4
        public var absorptionRestraint = 5e5
        public var decayRestraint = 0.1
        public init() {}
    }

    public init(imageRange: ClosedRange<Int>, oscillationRangeDegrees range: ClosedRange<Double>,
                options: Options = Options()) {
        let width = range.upperBound - range.lowerBound
        let auto: (Double, Double) = width < 5 ? (1, 1.5) : width < 10 ? (2, 3) : width < 25 ? (4, 5)
            : width < 90 ? (8, 10) : (15, 20)
        self.imageRange = imageRange
        self.oscillationRangeDegrees = range
        scale = SmoothRotationFunction(startDegrees: range.lowerBound, rangeDegrees: width,
                                       intervalDegrees: options.scaleIntervalDegrees ?? auto.0, value: 1)
        decay = options.decay ? SmoothRotationFunction(startDegrees: range.lowerBound, rangeDegrees: width,
                                                       intervalDegrees: options.decayIntervalDegrees ?? auto.1, value: 0) : nil
        let useAbsorption = options.absorption ?? (width > 60)
        lmax = options.lmax
        absorption = useAbsorption && options.lmax > 0
            ? Array(repeating: 0, count: SphericalHarmonics.count(lmax: options.lmax)) : nil
        decayRestraint = options.decayRestraint
        absorptionRestraint = options.absorptionRestraint
    }

    /// Number of refined parameters (scale, then decay, then absorption).
    public var parameterCount: Int { scale.count + (decay?.count ?? 0) + (absorption?.count ?? 0) }

    /// All parameters in refinement order.
    public var parameters: [Double] {
        get { scale.parameters + (decay?.parameters ?? []) + (absorption ?? []) }
        set {
            var i = 0
            scale.parameters = Array(newValue[i..<(i + scale.count)]); i += scale.count
            if let d = decay { decay!.parameters = Array(newValue[i..<(i + d.count)]); i += d.count }
            if let a = absorption { absorption = Array(newValue[i..<(i + a.count)]) }
        }
    }

    /// Restraint weight of each parameter (0: free).
    public var restraintWeights: [Double] {
        Array(repeating: 0, count: scale.count)
            + Array(repeating: decayRestraint, count: decay?.count ?? 0)
            + Array(repeating: absorptionRestraint, count: absorption?.count ?? 0)
    }

    /// Inverse scale factor of one observation and its gradient with respect
    /// to `parameters` (written into `gradient`, which has `parameterCount` entries).
    /// `rotation` is the observation's rotation in degrees, `dStarSquared` = 1/d²,
    /// `harmonics` the ½[Y(−s0ᶜ) + Y(s1ᶜ)] terms (ignored without absorption).
    public func inverseScale(rotation: Double, dStarSquared: Double, harmonics: ArraySlice<Double>,
                             gradient: inout [Double]) -> Double {
        harmonics.withUnsafeBufferPointer {
            inverseScale(rotation: rotation, dStarSquared: dStarSquared, harmonics: $0, gradient: &gradient)
        }
    }

    /// The same with the harmonics in memory the caller holds (threads
    /// reading one shared array through slices contend for its reference count).
    public func inverseScale(rotation: Double, dStarSquared: Double, harmonics: UnsafeBufferPointer<Double>,
                             gradient: inout [Double]) -> Double {
        for k in gradient.indices { gradient[k] = 0 }
        let ws = scale.weights(at: scale.coordinate(degrees: rotation))
        var c = 0.0
        for (j, w) in ws { c += w * scale.parameters[j] }
        var bFactor = 1.0
        var wd = InterpolationWeights()
        if let d = decay {
            wd = d.weights(at: d.coordinate(degrees: rotation))
            var b = 0.0
            for (j, w) in wd { b += w * d.parameters[j] }
            bFactor = exp(b * dStarSquared / 2)
        }
        var a = 1.0
        if let p = absorption {
            var k = harmonics.startIndex
            for q in p { a += q * harmonics[k]; k += 1 }
        }
        let g = c * bFactor * a
        for (j, w) in ws { gradient[j] = w * bFactor * a }
        var offset = scale.count
        if let d = decay {
            for (j, w) in wd { gradient[offset + j] = g * dStarSquared / 2 * w }
            offset += d.count
        }
        if let p = absorption {
            var k = harmonics.startIndex
            for q in 0..<p.count { gradient[offset + q] = c * bFactor * harmonics[k]; k += 1 }
        }
        return g
    }

    /// A copy holding arrays of its own: threads each using their own copy
    /// do not contend for shared arrays' reference counts.
    public func unshared() -> PhysicalScalingModel {
        var c = self
        c.scale.parameters = scale.parameters.map { $0 }
        c.scale.positions = scale.positions.map { $0 }
        if let d = decay {
            c.decay!.parameters = d.parameters.map { $0 }
            c.decay!.positions = d.positions.map { $0 }
        }
        c.absorption = absorption?.map { $0 }
        c.parameterSDs = parameterSDs.map { $0 }
        return c
    }

    /// Removes the gauge freedom of the fit for sweeps scaled together: the
    /// scale parameters of all models are divided by their common mean, and
    /// all decay parameters are shifted by one amount so that B is 0 at the
    /// start of the first sweep — the lowest dose, so that radiation damage
    /// is corrected towards the undamaged crystal. One factor and one shift
    /// for all, so the sweeps keep their relative scale and B.
    public static func normalise(_ models: inout [PhysicalScalingModel]) {
        let scales = models.flatMap { $0.scale.parameters }
        let mean = scales.reduce(0, +) / Double(max(scales.count, 1))
        let start = models.first.flatMap { m in m.decay.map { $0.value(at: 0) } } ?? 0
        for k in models.indices {
            if mean > 0 { models[k].scale.parameters = models[k].scale.parameters.map { $0 / mean } }
            if let d = models[k].decay { models[k].decay!.parameters = d.parameters.map { $0 - start } }
        }
    }
}
