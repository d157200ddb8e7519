// Refine: static refinement of beam, detector and crystal models against indexed centroids (Levenberg–Marquardt).
import MXLogging
import MXMath
import MXModel
import MXPrediction
import MXSymmetry

/// Refines the models of `experiments` against the observed centroids of the
/// indexed reflections in `reflections`, as dials.refine does for a static
/// model: residuals (x, y mm; φ rad) weighted by the inverse centroid
/// variances (`xyzobs.mm.variance`), analytical derivatives
/// (`predictWithGradients`), Levenberg–Marquardt on the normal equations
/// (Cholesky through LAPACK) with Nielsen's damping update, convergence when
/// every RMSD changes by less than `rmsdTolerance` (relative) between steps.
///
/// Reflections used: Miller index ≠ 0, `id` ≥ 0, positive variances, the
/// `indexed` flag when any row carries it, not overloaded, observed inside
/// the scan, |(s₁ × s₀)·m| above `closeToSpindleCutoff` (DIALS' test), not
/// rejected as outliers (MCD on the raw residuals by default, as DIALS'
/// `auto` for scans, or Tukey on normalised residuals; see
/// `MinimumCovarianceDeterminant`, `TukeyOutliers`), and subsampled per
/// `reflectionsPerDegree`.
///
/// - Throws: `RefinementError` (missing columns, too few reflections per
///   parameter, a singular normal matrix naming the parameter).
public func refine(experiments: ExperimentList, reflections: ReflectionTable,
                   parameters: RefinementParameters = RefinementParameters(),
                   logger: Logger = .silent) throws -> RefinementResult {
    guard !experiments.isEmpty else { throw RefinementError.noExperiments }
    var reflections = reflections
    if !reflections.contains(ReflectionTable.Name.xyzobsMmValue) || !reflections.contains(ReflectionTable.Name.xyzobsMmVariance),
       reflections.contains(ReflectionTable.Name.xyzobsPxValue), reflections.contains(ReflectionTable.Name.xyzobsPxVariance) {
        // Spot finders that write pixel centroids only: convert as DIALS does.
        reflections = try centroidsInMillimetres(experiments, reflections)
    }
    guard let hkl = reflections.millerIndices(ReflectionTable.Name.millerIndex) else {
        throw RefinementError.missingColumn(ReflectionTable.Name.millerIndex)
    }
    guard let obs = reflections.vec3s(ReflectionTable.Name.xyzobsMmValue) else {
        throw RefinementError.missingColumn(ReflectionTable.Name.xyzobsMmValue)
    }
    guard let variance = reflections.vec3s(ReflectionTable.Name.xyzobsMmVariance) else {
        throw RefinementError.missingColumn(ReflectionTable.Name.xyzobsMmVariance)
    }
    let n = reflections.count
    let ids = reflections.ints(ReflectionTable.Name.id) ?? Array(repeating: 0, count: n)
    let panels = reflections.sizes(ReflectionTable.Name.panel) ?? Array(repeating: 0, count: n)
    let flags = reflections.flags
    let requireIndexed = flags.contains { $0.contains(.indexed) }

    var model = try ParameterisedModel(experiments, parameters: parameters, logger: { logger.warning($0) })
    let nFree = model.slots.count

    // Candidate observations.
    var candidates: [RefinementObservation] = []
    for i in 0..<n {
        let id = Int(ids[i])
        guard id >= 0, id < experiments.count, !hkl[i].isZero else { continue }
        if requireIndexed && !flags[i].contains(.indexed) { continue }
        // Overloaded spots have poor centroids (DIALS leaves them out too).
        if flags[i].contains(.overloaded) { continue }
        let v = variance[i]
        guard v.x > 0, v.y > 0, v.z > 0, obs[i].x.isFinite, obs[i].z.isFinite else { continue }
        candidates.append(RefinementObservation(
            row: i, experiment: id, h: Vec3(Double(hkl[i].h), Double(hkl[i].k), Double(hkl[i].l)),
            panel: Int(panels[i]), observed: obs[i], weight: Vec3(1 / v.x, 1 / v.y, 1 / v.z)))
    }
    guard let initialStates = model.states() else { throw RefinementError.invalidCell(crystal: 0) }

    // Drop reflections that cannot be predicted or lie close to the spindle.
    var kept: [RefinementObservation] = [], initialResiduals: [Vec3] = []
    for o in candidates {
        let st = initialStates[o.experiment]
        guard let cal = predictWithGradients(o, st, nFree: nFree, gradients: nil) else { continue }
        let r0 = st.frame.fixed * (st.a * o.h)
        let s1 = st.s0 + st.frame.setting * r0.rotated(around: st.frame.datumAxis, by: cal.z)
        // DIALS' test uses the volume |(s₁ × s₀)·m| of the unnormalised vectors (Å⁻²).
        let volume = abs(s1.cross(st.s0).dot(st.labAxis))
        guard volume > parameters.closeToSpindleCutoff else { continue }
        // Observed outside the scan: not refinable against this scan.
        let range = experiments[o.experiment].scan!.oscillationRange
        guard o.observed.z >= range.lowerBound, o.observed.z <= range.upperBound else { continue }
        kept.append(o)
        initialResiduals.append(Vec3((cal.x - o.observed.x) * o.weight.x.squareRoot(),
                                     (cal.y - o.observed.y) * o.weight.y.squareRoot(),
                                     (cal.z - o.observed.z) * o.weight.z.squareRoot()))
    }
    var rejectedRows = Set<Int>()
    if parameters.outlierAlgorithm == .mcd {
        // DIALS' MCD works on the raw residuals (mm, mm, rad), per experiment.
        var out = Set<Int>()
        for e in 0..<experiments.count {
            let members = kept.indices.filter { kept[$0].experiment == e }
            let raw = members.map { k -> Vec3 in
                let w = kept[k].weight, r = initialResiduals[k]
                return Vec3(r.x / w.x.squareRoot(), r.y / w.y.squareRoot(), r.z / w.z.squareRoot())
            }
            for j in MinimumCovarianceDeterminant.outliers(raw, trials: parameters.mcdTrials, seed: parameters.randomSeed) { out.insert(members[j]) }
        }
        rejectedRows = Set(out.map { kept[$0].row })
        kept = kept.enumerated().filter { !out.contains($0.offset) }.map(\.element)
        logger.info("Removed \(out.count) outliers (MCD, χ²₃ 0.975 cutoff on robust Mahalanobis distances of the residuals)")
    }
    if parameters.outlierAlgorithm == .tukey {
        let out = TukeyOutliers.outliers(residuals: initialResiduals, groups: kept.map(\.experiment),
                                         multiplier: parameters.iqrMultiplier)
        rejectedRows = Set(out.map { kept[$0].row })
        kept = kept.enumerated().filter { !out.contains($0.offset) }.map(\.element)
        logger.info("Removed \(out.count) outliers (Tukey, \(parameters.iqrMultiplier)×IQR on normalised residuals)")
    }
    // Subsample per experiment (DIALS reflections_per_degree).
    var observations: [RefinementObservation] = []
    var rng = SplitMix64(seed: parameters.randomSeed)
    for e in 0..<experiments.count {
        let mine = kept.filter { $0.experiment == e }
        let width = abs(experiments[e].scan!.oscillationWidthDegrees) * Double(experiments[e].scan!.numberOfImages)
        let perDegree = parameters.reflectionsPerDegree ?? (width > 360 ? 100 : nil)
        guard let rpd = perDegree else { observations += mine; continue }
        let target = max(parameters.minimumSampleSize, Int(rpd * width))
        if mine.count <= target { observations += mine; continue }
        var idx = Array(mine.indices)
        for i in 0..<target { idx.swapAt(i, i + Int(rng.next() % UInt64(idx.count - i))) }
        observations += idx.prefix(target).sorted().map { mine[$0] }
    }
    let needed = parameters.minReflectionsPerParameter * nFree
    guard observations.count >= max(needed, 1) else {
        throw RefinementError.tooFewReflections(used: observations.count, parameters: nFree,
                                                perParameter: parameters.minReflectionsPerParameter)
    }
    logger.info("Refining \(nFree) parameters against \(observations.count) reflections")

    // Pixel size and frame width per observation, for RMSDs in px and frames.
    let pxScale: [(Double, Double, Double)] = observations.map { o in
        let p = experiments[o.experiment].detector[o.panel]
        return (p.pixelSize.fast, p.pixelSize.slow, abs(experiments[o.experiment].scan!.oscillationWidth))
    }

    var engine = NormalEquations(observations: observations, nFree: nFree, pxScale: pxScale,
                                 experimentCount: experiments.count)
    guard var current = engine.evaluate(model) else { throw RefinementError.invalidCell(crystal: 0) }
    do { _ = try current.normal.cholesky() } catch {
        throw RefinementError.singularNormalMatrix(parameter: singularParameterName(error, model))
    }
    var history = [current.cycle(step: 0, reflections: observations.count)]
    let startValues = model.values
    // Marquardt's scaling: μ multiplies diag N, so it is dimensionless.
    var mu = 1e-3
    var nu = 2.0
    var converged = false, stopReason = "reached the iteration limit (\(parameters.maxIterations))"
    var step = 0
    iterations: while step < parameters.maxIterations {
        // Solve (N + μ·diag N)·δ = −g.
        var damped = current.normal
        for i in 0..<nFree { damped[i, i] += mu * max(current.normal[i, i], 1e-30) }
        let delta: [Double]
        do { delta = try damped.cholesky().solve(current.gradient.map { -$0 }) } catch {
            mu *= nu; nu *= 2
            if mu > 1e30 { stopReason = "the damped normal matrix stayed singular"; break }
            continue
        }
        let trial = zip(model.values, delta).map(+)
        var trialModel = model
        trialModel.values = trial
        // Predicted reduction of ½rᵀWr for the linearised model: −gᵀδ − ½δᵀNδ.
        let nd = current.normal * delta
        let predicted = -zip(current.gradient, delta).map(*).reduce(0, +) - 0.5 * zip(delta, nd).map(*).reduce(0, +)
        if let next = engine.evaluate(trialModel), next.objective < current.objective, predicted > 0 {
            let rho = (current.objective - next.objective) / predicted
            mu *= max(1.0 / 3, 1 - pow3(2 * rho - 1)); nu = 2
            model = trialModel
            let previous = current
            current = next
            step += 1
            history.append(current.cycle(step: step, reflections: observations.count))
            let changes = [(previous.rmsd.x, current.rmsd.x), (previous.rmsd.y, current.rmsd.y),
                           (previous.rmsd.z, current.rmsd.z)]
            if changes.allSatisfy({ $0.0 > 0 ? abs(($0.1 - $0.0) / $0.0) < parameters.rmsdTolerance : true }) {
                converged = true; stopReason = "RMSDs converged"; break iterations
            }
            // Error-free (synthetic) data: RMSDs at rounding level cannot change by a fraction reliably.
            if max(current.rmsd.x, current.rmsd.y, current.rmsd.z) < 1e-9 {
                converged = true; stopReason = "RMSDs are zero to rounding"; break iterations
            }
        } else {
            mu *= nu; nu *= 2
            if mu > 1e20 {
                converged = true; stopReason = "no step reduces the objective further"; break
            }
        }
    }
    logger.debug("Refinement stopped after \(step) steps: \(stopReason)")

    // Parameter covariance: reduced χ² × N⁻¹ (as DIALS' calculate_esds).
    let dof = max(1, 3 * observations.count - nFree)
    let reducedChi2 = 2 * current.objective / Double(dof)
    let covariance: Matrix
    do {
        let chol = try current.normal.cholesky()
        var cols: [[Double]] = []
        for j in 0..<nFree { cols.append(try chol.solve((0..<nFree).map { $0 == j ? 1.0 : 0.0 })) }
        covariance = Matrix(rows: nFree, cols: nFree, storage: (0..<nFree).flatMap { r in cols.map { $0[r] * reducedChi2 } })
    } catch {
        throw RefinementError.singularNormalMatrix(parameter: singularParameterName(error, model))
    }
    let finalValues = model.values
    let refinedParameters = model.slots.enumerated().map { j, s in
        RefinedParameter(name: s.name, initial: startValues[j], final: finalValues[j],
                         esd: max(0, covariance[j, j]).squareRoot())
    }
    let cells = cellUncertainties(model, covariance: covariance)
    let refined = model.refinedExperiments()

    // Updated predictions for every indexed reflection, and flags.
    var table = try predictObserved(refined, reflections).table
    var f = table.flags
    let used = Set(observations.map(\.row))
    for i in 0..<n {
        f[i].remove(.usedInRefinement)
        if used.contains(i) { f[i].insert(.usedInRefinement) }
        if rejectedRows.contains(i) { f[i].insert(.centroidOutlier) }
    }
    table.flags = f
    return RefinementResult(experiments: refined, reflections: table, rmsds: current.perExperiment,
                            history: history, parameters: refinedParameters, cells: cells,
                            outliersRejected: rejectedRows.count, converged: converged, stopReason: stopReason)
}

@inline(__always) private func pow3(_ x: Double) -> Double { x * x * x }

/// The name of the parameter at which Cholesky found the normal matrix not positive definite.
private func singularParameterName(_ error: Error, _ model: ParameterisedModel) -> String {
    if case LinearAlgebraError.notPositiveDefinite(let k)? = error as? LinearAlgebraError, k >= 1, k <= model.slots.count {
        return model.slots[k - 1].name
    }
    return model.slots.first?.name ?? "(none)"
}

/// Cell parameters and volume with e.s.d.s propagated from the covariance of
/// each crystal's metric parameters (numerical Jacobian of the cell with
/// respect to those parameters, central differences).
private func cellUncertainties(_ model: ParameterisedModel, covariance: Matrix) -> [CellWithUncertainty] {
    var out: [CellWithUncertainty] = []
    for (c, param) in model.cells.enumerated() {
        guard let cell = param.cell() else { continue }
        let value = cell.parameters + [cell.volume]
        let slots = model.slots.enumerated().filter { $0.element.owner == .cell(c) }
        var jac = [[Double]](repeating: [], count: 7)
        for (_, s) in slots {
            let h = 1e-6 * max(1, abs(param.values[s.local]))
            var p = param.values, m = param.values
            p[s.local] += h; m[s.local] -= h
            guard let cp = param.cell(p), let cm = param.cell(m) else { continue }
            let vp = cp.parameters + [cp.volume], vm = cm.parameters + [cm.volume]
            for k in 0..<7 { jac[k].append((vp[k] - vm[k]) / (2 * h)) }
        }
        var esd = [Double](repeating: 0, count: 7)
        if jac[0].count == slots.count {
            for k in 0..<7 {
                var s2 = 0.0
                for (a, sa) in slots.enumerated() { for (b, sb) in slots.enumerated() {
                    s2 += jac[k][a] * covariance[sa.offset, sb.offset] * jac[k][b]
                } }
                esd[k] = max(0, s2).squareRoot()
            }
        }
        out.append(CellWithUncertainty(crystal: c, parameters: Array(value.prefix(6)), esds: Array(esd.prefix(6)),
                                       volume: value[6], volumeEsd: esd[6]))
    }
    return out
}

/// A small deterministic generator for subsampling (SplitMix64, Steele et al. 2014).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
