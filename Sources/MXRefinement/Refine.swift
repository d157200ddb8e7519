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
    var model = try ParameterisedModel(experiments, parameters: parameters, logger: { logger.warning($0) })
    let nFree = model.slots.count
    let selection = try selectObservations(experiments: experiments, reflections: reflections, model: model,
                                           parameters: parameters, logger: logger)
    let observations = selection.observations
    try requireEnoughObservations(observations.count, freeParameters: nFree, parameters: parameters)
    logger.info("Refining \(nFree) parameters against \(observations.count) reflections")

    var engine = NormalEquations(observations: observations, nFree: nFree,
                                 pxScale: pixelScales(observations, experiments), experimentCount: experiments.count)
    engine.threads = parameters.threads
    let startValues = model.values
    let fit = try levenbergMarquardt(start: startValues, parameters: parameters, reflections: observations.count,
                                     evaluate: { v in var m = model; m.values = v; return engine.evaluate(m) },
                                     parameterName: { model.slots[$0].name })
    logger.debug("Refinement stopped after \(fit.history.count - 1) steps: \(fit.stopReason)")
    model.values = fit.values
    let covariance = try parameterCovariance(fit.evaluation, observations: observations.count,
                                             parameterName: { model.slots[$0].name })
    let refinedParameters = model.slots.enumerated().map { j, s in
        RefinedParameter(name: s.name, initial: startValues[j], final: fit.values[j],
                         esd: max(0, covariance[j, j]).squareRoot())
    }
    let cells = cellUncertainties(model, covariance: covariance)
    let refined = model.refinedExperiments()
    let table = try predictedAndFlagged(refined, selection)
    return RefinementResult(experiments: refined, reflections: table, rmsds: fit.evaluation.perExperiment,
                            history: fit.history, parameters: refinedParameters, cells: cells,
                            outliersRejected: selection.rejectedRows.count, converged: fit.converged,
                            stopReason: fit.stopReason)
}

/// The reflections chosen for refinement and those rejected as outliers.
struct ObservationSelection {
    /// The input table, with millimetre centroids added when it had pixel ones only.
    var table: ReflectionTable
    var observations: [RefinementObservation]
    var rejectedRows: Set<Int>
}

/// Chooses the observations refinement uses (see `refine`): indexed, well
/// measured, predictable under `model`'s current values, away from the
/// spindle, inside the scan, not outliers, subsampled per degree.
func selectObservations(experiments: ExperimentList, reflections: ReflectionTable, model: ParameterisedModel,
                        parameters: RefinementParameters, logger: Logger) throws -> ObservationSelection {
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
            for j in MinimumCovarianceDeterminant.outliers(raw, trials: parameters.mcdTrials, seed: parameters.randomSeed,
                                                                      threads: parameters.threads) { out.insert(members[j]) }
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
    return ObservationSelection(table: reflections, observations: observations, rejectedRows: rejectedRows)
}

/// Per observation: pixel size fast, slow (mm) and frame width (rad), for RMSDs in px and frames.
func pixelScales(_ observations: [RefinementObservation], _ experiments: ExperimentList) -> [(Double, Double, Double)] {
    observations.map { o in
        let p = experiments[o.experiment].detector[o.panel]
        return (p.pixelSize.fast, p.pixelSize.slow, abs(experiments[o.experiment].scan!.oscillationWidth))
    }
}

/// Where Levenberg–Marquardt ended.
struct LevenbergMarquardtFit {
    var values: [Double]
    var evaluation: Evaluation
    var history: [RefinementCycle]
    var converged: Bool
    var stopReason: String
}

/// Levenberg–Marquardt from `start` on the normal equations `evaluate`
/// gives at a parameter vector (nil = invalid model there): Marquardt's
/// scaling (μ multiplies diag N), Nielsen's damping update, convergence when
/// every RMSD changes by less than `rmsdTolerance` (relative) between steps.
func levenbergMarquardt(start: [Double], parameters: RefinementParameters, reflections: Int,
                        evaluate: ([Double]) -> Evaluation?,
                        parameterName: (Int) -> String) throws -> LevenbergMarquardtFit {
    let nFree = start.count
    guard var current = evaluate(start) else { throw RefinementError.invalidCell(crystal: 0) }
    do { _ = try current.normal.cholesky() } catch {
        throw RefinementError.singularNormalMatrix(parameter: singularParameterName(error, nFree, parameterName))
    }
    var values = start
    var history = [current.cycle(step: 0, reflections: reflections)]
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
        let trial = zip(values, delta).map(+)
        // Predicted reduction of ½rᵀWr for the linearised model: −gᵀδ − ½δᵀNδ.
        let nd = current.normal * delta
        let predicted = -zip(current.gradient, delta).map(*).reduce(0, +) - 0.5 * zip(delta, nd).map(*).reduce(0, +)
        if let next = evaluate(trial), next.objective < current.objective, predicted > 0 {
            let rho = (current.objective - next.objective) / predicted
            mu *= max(1.0 / 3, 1 - pow3(2 * rho - 1)); nu = 2
            values = trial
            let previous = current
            current = next
            step += 1
            history.append(current.cycle(step: step, reflections: reflections))
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
    return LevenbergMarquardtFit(values: values, evaluation: current, history: history, converged: converged,
                                 stopReason: stopReason)
}

/// Parameter covariance: reduced χ² × N⁻¹ (as DIALS' calculate_esds).
func parameterCovariance(_ evaluation: Evaluation, observations: Int,
                         parameterName: (Int) -> String) throws -> Matrix {
    let nFree = evaluation.gradient.count
    let dof = max(1, 3 * observations - nFree)
    let reducedChi2 = 2 * evaluation.objective / Double(dof)
    do {
        let chol = try evaluation.normal.cholesky()
        var cols: [[Double]] = []
        for j in 0..<nFree { cols.append(try chol.solve((0..<nFree).map { $0 == j ? 1.0 : 0.0 })) }
        return Matrix(rows: nFree, cols: nFree, storage: (0..<nFree).flatMap { r in cols.map { $0[r] * reducedChi2 } })
    } catch {
        throw RefinementError.singularNormalMatrix(parameter: singularParameterName(error, nFree, parameterName))
    }
}

/// The selection's table with predictions from `refined` for every indexed
/// reflection, `used_in_refinement` on the observations used and
/// `centroid_outlier` on those rejected.
func predictedAndFlagged(_ refined: ExperimentList, _ selection: ObservationSelection) throws -> ReflectionTable {
    var table = try predictObserved(refined, selection.table).table
    var f = table.flags
    let used = Set(selection.observations.map(\.row))
    for i in 0..<table.count {
        f[i].remove(.usedInRefinement)
        f[i].remove(.centroidOutlier)
        if used.contains(i) { f[i].insert(.usedInRefinement) }
        if selection.rejectedRows.contains(i) { f[i].insert(.centroidOutlier) }
    }
    table.flags = f
    return table
}

@inline(__always) private func pow3(_ x: Double) -> Double { x * x * x }

/// The name of the parameter at which Cholesky found the normal matrix not positive definite.
private func singularParameterName(_ error: Error, _ count: Int, _ name: (Int) -> String) -> String {
    if case LinearAlgebraError.notPositiveDefinite(let k)? = error as? LinearAlgebraError, k >= 1, k <= count {
        return name(k - 1)
    }
    return count > 0 ? name(0) : "(none)"
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

/// Throws when fewer than `minReflectionsPerParameter` observations per free
/// parameter remain (static and scan-varying refinement alike).
func requireEnoughObservations(_ count: Int, freeParameters nFree: Int, parameters: RefinementParameters) throws {
    let needed = parameters.minReflectionsPerParameter * nFree
    guard count >= max(needed, 1) else {
        throw RefinementError.tooFewReflections(used: count, parameters: nFree,
                                                perParameter: parameters.minReflectionsPerParameter)
    }
}
