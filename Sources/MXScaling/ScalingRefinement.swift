// ScalingRefinement: least-squares fit of the scaling models to equivalent intensities (Gauss–Newton, normal equations by LAPACK Cholesky).
import Foundation
import MXMath

/// Fits the models of all sweeps together by minimising (Hamilton, Rollett
/// & Sparks 1965; Fox & Holmes 1966)
///   Φ = Σ_h Σ_l w_hl (I_hl − g_hl·Ĩ_h)² + Σ_p λ_p p²,
/// where Ĩ_h = Σ_l w g I / Σ_l w g² is the current best estimate of the
/// group's intensity and w = 1/σ'². Each cycle recomputes Ĩ_h, then takes a
/// damped Gauss–Newton step in the parameters with Ĩ_h held (normal
/// equations JᵀWJ δ = JᵀW r solved by Cholesky, LAPACK dpotrf/dpotrs);
/// a step that raises Φ is retried with more damping (Levenberg–Marquardt).
/// Only groups with two or more usable observations constrain the fit.
public struct ScalingRefinement {
    public var models: [PhysicalScalingModel]
    public let observations: ScalingObservations
    /// Intensity and variance of each observation (after any error model).
    public var intensities: [Double]
    public var variances: [Double]
    /// Observations taking part (usable and not outliers).
    public var use: [Bool]

    public init(models: [PhysicalScalingModel], observations: ScalingObservations, intensities: [Double],
                variances: [Double], use: [Bool]) {
        self.models = models; self.observations = observations
        self.intensities = intensities; self.variances = variances; self.use = use
    }

    var offsets: [Int] {
        var o: [Int] = [], s = 0
        for m in models { o.append(s); s += m.parameterCount }
        return o
    }
    var parameterCount: Int { models.reduce(0) { $0 + $1.parameterCount } }

    /// Inverse scale factor of every observation under the current models.
    public func inverseScales() -> [Double] {
        var grads = models.map { [Double](repeating: 0, count: $0.parameterCount) }
        let o = observations
        return (0..<o.count).map { i in
            let e = o.experiment[i]
            return models[e].inverseScale(rotation: o.rotation[i], dStarSquared: o.dStarSquared[i],
                                          harmonics: o.harmonics(of: i), gradient: &grads[e])
        }
    }

    /// Ĩ_h of each group from the observations in use and inverse scales `g`.
    public func groupIntensities(_ g: [Double]) -> [Double] {
        var num = [Double](repeating: 0, count: observations.groupCount), den = num
        for i in 0..<observations.count where use[i] && variances[i] > 0 {
            let w = 1 / variances[i], h = observations.group[i]
            num[h] += w * g[i] * intensities[i]; den[h] += w * g[i] * g[i]
        }
        return zip(num, den).map { $1 > 0 ? $0 / $1 : 0 }
    }

    /// Observations in use whose group has at least two in use.
    func constraining() -> [Int] {
        var n = [Int](repeating: 0, count: observations.groupCount)
        for i in 0..<observations.count where use[i] && variances[i] > 0 { n[observations.group[i]] += 1 }
        return (0..<observations.count).filter { use[$0] && variances[$0] > 0 && n[observations.group[$0]] >= 2 }
    }

    /// Number of observations that constrain the fit.
    public var constrainingCount: Int { constraining().count }

    /// Φ and, if `normal` is requested, the normal matrix and right-hand
    /// side at the current parameters with Ĩ held at `ih`.
    func evaluate(_ rows: [Int], ih: [Double], normal: Bool) -> (phi: Double, a: [Double], b: [Double]) {
        let np = parameterCount, offs = offsets
        var a = normal ? [Double](repeating: 0, count: np * np) : []
        var b = normal ? [Double](repeating: 0, count: np) : []
        var grads = models.map { [Double](repeating: 0, count: $0.parameterCount) }
        var phi = 0.0
        let o = observations, models = self.models
        // Each experiment's block of JᵀWJ (the blocks between experiments are 0).
        var gram = normal ? models.map { GramAccumulator(n: $0.parameterCount) } : []
        for i in rows {
            let e = o.experiment[i]
            let g = models[e].inverseScale(rotation: o.rotation[i], dStarSquared: o.dStarSquared[i],
                                           harmonics: o.harmonics(of: i), gradient: &grads[e])
            let w = 1 / variances[i], ihv = ih[o.group[i]]
            let r = intensities[i] - g * ihv
            phi += w * r * r
            guard normal else { continue }
            // J = −Ĩ ∂g/∂p: JᵀWJ += w Ĩ² ∇g∇gᵀ, JᵀW r → −(−Ĩ) w r ∇g
            let off = offs[e]
            grads[e].withUnsafeBufferPointer { gr in
                // JᵀW r over the parameters this observation depends on (a few of each smooth function's).
                for p in gr.indices where gr[p] != 0 { b[off + p] += w * r * ihv * gr[p] }
                gram[e].add(gr, scale: w * ihv * ihv)
            }
        }
        for e in gram.indices {
            gram[e].flush()
            let off = offs[e], n = gram[e].n, block = gram[e].lower
            for p in 0..<n { for q in 0...p { a[(off + p) * np + off + q] = block[p * n + q] } }
        }
        // restraints λ p² towards 0
        for (k, m) in models.enumerated() {
            let weights = m.restraintWeights, params = m.parameters
            for p in 0..<m.parameterCount where weights[p] > 0 {
                phi += weights[p] * params[p] * params[p]
                if normal {
                    let j = offs[k] + p
                    a[j * np + j] += weights[p]
                    b[j] -= weights[p] * params[p]
                }
            }
        }
        if normal { for p in 0..<np { for q in 0..<p { a[q * np + p] = a[p * np + q] } } }
        return (phi, a, b)
    }

    /// Runs up to `cycles` cycles; stops when Φ changes by less than
    /// `tolerance` relatively. Returns the final Φ.
    @discardableResult
    public mutating func refine(cycles: Int = 15, tolerance: Double = 1e-5) throws -> Double {
        let rows = constraining()
        let np = parameterCount
        var lastPhi = Double.infinity
        var damping = 1e-4
        for _ in 0..<cycles {
            let ih = groupIntensities(inverseScales())
            let (phi, a, b) = evaluate(rows, ih: ih, normal: true)
            if lastPhi.isFinite, abs(lastPhi - phi) <= tolerance * max(phi, 1e-300) { lastPhi = phi; break }
            lastPhi = phi
            var accepted = false
            for _ in 0..<8 {
                var damped = a
                for p in 0..<np { damped[p * np + p] *= 1 + damping; damped[p * np + p] += 1e-12 }
                let step = try Matrix(rows: np, cols: np, storage: damped).cholesky().solve(b)
                let saved = models
                var offset = 0
                for k in models.indices {
                    let n = models[k].parameterCount
                    var p = models[k].parameters
                    for j in 0..<n { p[j] += step[offset + j] }
                    models[k].parameters = p
                    offset += n
                }
                let trial = evaluate(rows, ih: ih, normal: false).phi
                if trial <= phi { damping = max(damping / 10, 1e-7); accepted = true; break }
                models = saved
                damping *= 10
            }
            if !accepted { break }
        }
        return lastPhi
    }

    /// Variance of each observation's inverse scale from the parameter
    /// covariance C = (JᵀWJ)⁻¹ scaled by the reduced χ², ∇gᵀ·C·∇g,
    /// and each parameter's standard deviation sqrt(Cᵢᵢ).
    public func inverseScaleVariances() throws -> (variances: [Double], parameterSDs: [Double]) {
        let rows = constraining()
        let np = parameterCount
        let ih = groupIntensities(inverseScales())
        let (phi, a, _) = evaluate(rows, ih: ih, normal: true)
        let chol = try Matrix(rows: np, cols: np, storage: a.enumerated().map { $0.offset % (np + 1) == 0 ? $0.element + 1e-12 : $0.element }).cholesky()
        var cov = [Double](repeating: 0, count: np * np)
        for j in 0..<np {
            var e = [Double](repeating: 0, count: np); e[j] = 1
            let c = try chol.solve(e)
            for i in 0..<np { cov[i * np + j] = c[i] }
        }
        let scale = phi / Double(max(rows.count - np, 1))
        var grads = models.map { [Double](repeating: 0, count: $0.parameterCount) }
        let o = observations, offs = offsets
        let sds = (0..<np).map { (max(cov[$0 * np + $0], 0) * scale).squareRoot() }
        let v: [Double] = (0..<o.count).map { i in
            let e = o.experiment[i]
            _ = models[e].inverseScale(rotation: o.rotation[i], dStarSquared: o.dStarSquared[i],
                                       harmonics: o.harmonics(of: i), gradient: &grads[e])
            let gr = grads[e], off = offs[e]
            let nz = gr.indices.filter { gr[$0] != 0 }
            var v = 0.0
            for p in nz { for q in nz { v += gr[p] * cov[(off + p) * np + off + q] * gr[q] } }
            return v * scale
        }
        return (v, sds)
    }
}
