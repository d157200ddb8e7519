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
    /// Threads the inverse scales and their gradients are computed on; sums
    /// are taken in observation order, so results do not depend on it.
    public var threads = 1
    /// Observations computed at once before their sums are taken.
    static let block = 4096

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
        var g = [Double](repeating: 0, count: observations.count)
        g.withUnsafeMutableBufferPointer { out in
            forEachInParallel(0..<observations.count) { i, value, _ in out[i] = value }
        }
        return g
    }

    /// `body(k, g, gradient)` for each position k of `rows` on `threads`
    /// threads, with g the inverse scale of observation rows[k] and `gradient`
    /// its gradient over its experiment's parameters. Each thread has models
    /// of its own and reads the observations' columns through pointers:
    /// shared arrays' reference counts, touched from several threads per
    /// observation, made two threads slower than one.
    func forEachInParallel<Rows: RandomAccessCollection>(_ rows: Rows, _ body: (Int, Double, [Double]) -> Void)
    where Rows.Element == Int, Rows.Index == Int {
        let first = rows.startIndex, o = observations, hc = o.harmonicCount
        let parallel = threads > 1 && rows.count >= 512
        forEachContiguousRun(rows.count, threads: threads, minimumPerThread: 256) { run in
            let local = parallel ? models.map { $0.unshared() } : models
            var buffers = local.map { [Double](repeating: 0, count: $0.parameterCount) }
            o.experiment.withUnsafeBufferPointer { experiment in
            o.rotation.withUnsafeBufferPointer { rotation in
            o.dStarSquared.withUnsafeBufferPointer { dStarSquared in
            o.harmonics.withUnsafeBufferPointer { harmonics in
                for k in run {
                    let i = rows[first + k], e = experiment[i]
                    let g = local[e].inverseScale(rotation: rotation[i], dStarSquared: dStarSquared[i],
                                                  harmonics: UnsafeBufferPointer(rebasing: harmonics[(i * hc)..<((i + 1) * hc)]),
                                                  gradient: &buffers[e])
                    body(k, g, buffers[e])
                }
            }
            }
            }
            }
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
        var phi = 0.0
        let o = observations, models = self.models
        // Each experiment's block of JᵀWJ (the blocks between experiments are 0).
        var gram = normal ? models.map { GramAccumulator(n: $0.parameterCount) } : []
        // A block of observations' g and gradients computed in parallel, then summed in order.
        let width = models.map(\.parameterCount).max() ?? 0
        let block = min(Self.block, max(1, rows.count))
        var gs = [Double](repeating: 0, count: block)
        var gradients = [Double](repeating: 0, count: normal ? block * width : 0)
        for start in stride(from: 0, to: rows.count, by: block) {
            let part = rows[start..<min(rows.count, start + block)]
            gs.withUnsafeMutableBufferPointer { gOut in
            gradients.withUnsafeMutableBufferPointer { gradOut in
                forEachInParallel(part) { k, g, gradient in
                    gOut[k] = g
                    if normal { for p in gradient.indices { gradOut[k * width + p] = gradient[p] } }
                }
            }
            }
            for (k, i) in zip(0..., part) {
                let e = o.experiment[i]
                let g = gs[k]
                let w = 1 / variances[i], ihv = ih[o.group[i]]
                let r = intensities[i] - g * ihv
                phi += w * r * r
                guard normal else { continue }
                // J = −Ĩ ∂g/∂p: JᵀWJ += w Ĩ² ∇g∇gᵀ, JᵀW r → −(−Ĩ) w r ∇g
                let off = offs[e], n = models[e].parameterCount
                gradients.withUnsafeBufferPointer { all in
                    let gr = UnsafeBufferPointer(rebasing: all[k * width..<k * width + n])
                    // JᵀW r over the parameters this observation depends on (a few of each smooth function's).
                    for p in gr.indices where gr[p] != 0 { b[off + p] += w * r * ihv * gr[p] }
                    gram[e].add(gr, scale: w * ihv * ihv)
                }
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
        let o = observations, offs = offsets
        let sds = (0..<np).map { (max(cov[$0 * np + $0], 0) * scale).squareRoot() }
        var v = [Double](repeating: 0, count: o.count)
        v.withUnsafeMutableBufferPointer { out in
            forEachInParallel(0..<o.count) { i, _, gr in
                let off = offs[o.experiment[i]]
                let nz = gr.indices.filter { gr[$0] != 0 }
                var sum = 0.0
                for p in nz { for q in nz { sum += gr[p] * cov[(off + p) * np + off + q] * gr[q] } }
                out[i] = sum * scale
            }
        }
        return (v, sds)
    }
}
