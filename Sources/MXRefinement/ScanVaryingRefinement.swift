// ScanVaryingRefinement: crystal orientation and cell as smooth functions of the image number, refined at each reflection's own angle.
import MXLogging
import MXMath
import MXModel
import MXPrediction
import MXSymmetry

/// One free parameter of scan-varying refinement: a static beam or detector
/// parameter (its index among `base.slots`), or one sample point's value of
/// a crystal's orientation angle or metric parameter.
enum ScanVaryingSlot: Equatable {
    case fixedModel(Int)
    case orientation(crystal: Int, sample: Int, k: Int)
    case cell(crystal: Int, sample: Int, k: Int)
}

/// The scan-varying parameterisation, as DIALS' default for dials.refine's
/// scan-varying macrocycle: beam and detector static (refined jointly),
/// each crystal's three orientation angles (mrad, about the static U) and
/// its constrained G* parameters held at the sample points of a
/// `GaussianSmoother` over the scan's image-number range, so that at image
/// coordinate z the crystal is U(φ̄(z))·B(p̄(z)) with φ̄, p̄ the smoothed values.
struct ScanVaryingModel: Sendable {
    /// Beams and detectors free, crystals at the static result (orientation 0, static cell).
    var base: ParameterisedModel
    /// Per crystal: its smoother and scan.
    var smoothers: [GaussianSmoother]
    var scans: [Scan]
    /// Per crystal, per sample point: orientation angles (mrad) and metric parameters.
    var orientation: [[[Double]]]
    var cell: [[[Double]]]
    var slots: [(kind: ScanVaryingSlot, name: String)] = []
    /// Free index of each base slot, and of each crystal sample parameter (nil = fixed).
    var baseIndex: [Int] = []
    var orientationIndex: [[[Int?]]] = []
    var cellIndex: [[[Int?]]] = []

    init(_ experiments: ExperimentList, parameters: RefinementParameters, logger warn: (String) -> Void) throws {
        var fixedCrystal = parameters
        fixedCrystal.fixCrystalOrientation = true
        fixedCrystal.fixCrystalCell = true
        base = try ParameterisedModel(experiments, parameters: fixedCrystal, logger: warn)
        smoothers = []; scans = []; orientation = []; cell = []
        for c in base.orientations.indices {
            let members = base.experimentModels.indices.filter { base.experimentModels[$0].crystal == c }
            let scan = experiments[members[0]].scan!
            // One smoother per crystal: its experiments must share the scan (as DIALS requires).
            for e in members.dropFirst() where experiments[e].scan! != scan {
                throw RefinementError.crystalInSeveralScans(crystal: c)
            }
            let lo = Double(scan.arrayRange.lowerBound), hi = Double(scan.arrayRange.upperBound)
            let width = abs(scan.oscillationWidthDegrees) * Double(scan.numberOfImages)
            let smoother = GaussianSmoother(range: lo...hi, intervals: GaussianSmoother.intervals(
                scanWidthDegrees: width, intervalWidthDegrees: parameters.intervalWidthDegrees))
            smoothers.append(smoother); scans.append(scan)
            orientation.append(Array(repeating: [0, 0, 0], count: smoother.valueCount))
            cell.append(Array(repeating: base.cells[c].values, count: smoother.valueCount))
        }
        // Free parameters in DIALS' order: beams, crystals (orientation, cell), detectors.
        baseIndex = Array(repeating: -1, count: base.slots.count)
        func addBase(_ keep: (ParameterOwner) -> Bool) {
            for (j, s) in base.slots.enumerated() where keep(s.owner) {
                baseIndex[j] = slots.count
                slots.append((.fixedModel(j), s.name))
            }
        }
        addBase { if case .beam = $0 { return true }; return false }
        for c in smoothers.indices {
            let n = smoothers[c].valueCount, nCell = base.cells[c].values.count
            orientationIndex.append(Array(repeating: Array(repeating: nil, count: 3), count: n))
            cellIndex.append(Array(repeating: Array(repeating: nil, count: nCell), count: n))
            if !parameters.fixCrystalOrientation {
                for k in 0..<3 { for i in 0..<n {
                    orientationIndex[c][i][k] = slots.count
                    slots.append((.orientation(crystal: c, sample: i, k: k),
                                  "Crystal\(c + 1)\(CrystalOrientationParameterisation.names[k])_sample\(i)"))
                } }
            }
            if !parameters.fixCrystalCell {
                for (k, name) in base.cells[c].names.enumerated() { for i in 0..<n {
                    cellIndex[c][i][k] = slots.count
                    slots.append((.cell(crystal: c, sample: i, k: k), "Crystal\(c + 1)\(name)_sample\(i)"))
                } }
            }
        }
        addBase { if case .detector = $0 { return true }; return false }
    }

    var values: [Double] {
        get {
            let b = base.values
            return slots.map { s in
                switch s.kind {
                case .fixedModel(let j): return b[j]
                case .orientation(let c, let i, let k): return orientation[c][i][k]
                case .cell(let c, let i, let k): return cell[c][i][k]
                }
            }
        }
        set {
            var b = base.values
            for (s, v) in zip(slots, newValue) {
                switch s.kind {
                case .fixedModel(let j): b[j] = v
                case .orientation(let c, let i, let k): orientation[c][i][k] = v
                case .cell(let c, let i, let k): cell[c][i][k] = v
                }
            }
            base.values = b
        }
    }

    /// Static states of beam and detector per experiment, derivative indices in this model's free vector.
    func fixedStates() -> [ExperimentState]? {
        guard var states = base.states() else { return nil }
        for e in states.indices {
            states[e].ds0 = states[e].ds0.map { (baseIndex[$0.0], $0.1) }
            states[e].dd = states[e].dd.map { $0.map { (baseIndex[$0.0], $0.1) } }
            states[e].da = []
        }
        return states
    }

    /// Smoothed orientation angles and metric parameters of crystal c at image coordinate z.
    func smoothedValues(crystal c: Int, at z: Double) -> (weights: [(index: Int, weight: Double)], phi: [Double], p: [Double]) {
        let w = smoothers[c].weights(at: z)
        var phi = [0.0, 0, 0], p = [Double](repeating: 0, count: base.cells[c].values.count)
        for (i, wi) in w {
            for k in 0..<3 { phi[k] += wi * orientation[c][i][k] }
            for k in p.indices { p[k] += wi * cell[c][i][k] }
        }
        return (w, phi, p)
    }

    /// A of crystal c at image coordinate z; nil when the smoothed metric is not a cell.
    func settingMatrix(crystal c: Int, at z: Double) -> Mat3? {
        let s = smoothedValues(crystal: c, at: z)
        var op = base.orientations[c], cp = base.cells[c]
        op.values = s.phi; cp.values = s.p
        guard let b = cp.bAndDerivatives()?.b else { return nil }
        return op.uAndDerivatives().u * b
    }

    /// `fixed` with A and dA/d(sample parameters) of the experiment's crystal at image coordinate z.
    func state(experiment e: Int, at z: Double, fixed: ExperimentState) -> ExperimentState? {
        let c = base.experimentModels[e].crystal
        let s = smoothedValues(crystal: c, at: z)
        var op = base.orientations[c], cp = base.cells[c]
        op.values = s.phi; cp.values = s.p
        let (u, du) = op.uAndDerivatives()
        guard let (b, db) = cp.bAndDerivatives() else { return nil }
        var st = fixed
        st.a = u * b
        var da: [(Int, Mat3)] = []
        da.reserveCapacity(s.weights.count * (3 + db.count))
        for k in 0..<3 {
            let d = du[k] * b
            for (i, w) in s.weights { if let j = orientationIndex[c][i][k] { da.append((j, d * w)) } }
        }
        for k in db.indices {
            let d = u * db[k]
            for (i, w) in s.weights { if let j = cellIndex[c][i][k] { da.append((j, d * w)) } }
        }
        st.da = da
        return st
    }

    /// The experiments with refined beams and detectors, each crystal's static
    /// A kept, and A at every frame boundary of its scan (`A_at_scan_points`).
    func refinedExperiments() throws -> ExperimentList {
        var out = base.refinedExperiments()
        for (e, m) in base.experimentModels.enumerated() {
            let scan = scans[m.crystal]
            var points: [Mat3] = []
            for k in 0...scan.numberOfImages {
                guard let a = settingMatrix(crystal: m.crystal, at: Double(scan.arrayRange.lowerBound + k)) else {
                    throw RefinementError.invalidCell(crystal: m.crystal)
                }
                points.append(a)
            }
            out[e].crystal?.aAtScanPoints = points
        }
        return out
    }
}

/// Scan-varying refinement of `experiments` (normally the result of static
/// refinement) against the indexed centroids of `reflections`, as dials.refine's
/// scan-varying macrocycle: each crystal's orientation and cell vary smoothly
/// with the image number (sample points every `intervalWidthDegrees`, see
/// `GaussianSmoother`), beam and detector refined as static models. Each
/// reflection is predicted with the crystal at its observed image coordinate;
/// the derivatives with respect to a sample point's value are the static
/// derivatives times that point's smoothing weight. Reflection selection,
/// outlier rejection and Levenberg–Marquardt are those of `refine`.
///
/// The result's crystals keep their static A and gain `aAtScanPoints` (one A
/// per frame boundary); its cells are those at the middle of the scan.
/// - Throws: `RefinementError`, as `refine`, and when a crystal is shared by
///   experiments of different scans.
public func refineScanVarying(experiments: ExperimentList, reflections: ReflectionTable,
                              parameters: RefinementParameters = RefinementParameters(),
                              logger: Logger = .silent) throws -> RefinementResult {
    guard !experiments.isEmpty else { throw RefinementError.noExperiments }
    var model = try ScanVaryingModel(experiments, parameters: parameters, logger: { logger.warning($0) })
    let nFree = model.slots.count
    let selection = try selectObservations(experiments: experiments, reflections: reflections, model: model.base,
                                           parameters: parameters, logger: logger)
    let observations = selection.observations
    try requireEnoughObservations(observations.count, freeParameters: nFree, parameters: parameters)
    let intervals = model.smoothers.map { "\($0.intervals) intervals, \($0.valueCount) sample points" }
    logger.info("Refining \(nFree) parameters (scan-varying crystal: \(intervals.joined(separator: "; "))) against \(observations.count) reflections")

    // Each reflection's image coordinate, at which its crystal is evaluated.
    let frames = observations.map { model.scans[model.base.experimentModels[$0.experiment].crystal].frame(atAngle: $0.observed.z) }
    var engine = NormalEquations(observations: observations, nFree: nFree,
                                 pxScale: pixelScales(observations, experiments), experimentCount: experiments.count)
    engine.threads = parameters.threads
    let names = model.slots.map(\.name)
    let startValues = model.values
    let fit = try levenbergMarquardt(
        start: startValues, parameters: parameters, reflections: observations.count,
        evaluate: { v in
            var m = model
            m.values = v
            guard let fixed = m.fixedStates() else { return nil }
            return engine.evaluate { k in
                let e = observations[k].experiment
                return m.state(experiment: e, at: frames[k], fixed: fixed[e])
            }
        },
        parameterName: { names[$0] })
    logger.debug("Scan-varying refinement stopped after \(fit.history.count - 1) steps: \(fit.stopReason)")
    model.values = fit.values
    let covariance = try parameterCovariance(fit.evaluation, observations: observations.count,
                                             parameterName: { names[$0] })
    let refinedParameters = names.enumerated().map { j, name in
        RefinedParameter(name: name, initial: startValues[j], final: fit.values[j], esd: max(0, covariance[j, j]).squareRoot())
    }
    let refined = try model.refinedExperiments()
    let table = try predictedAndFlagged(refined, selection)
    return RefinementResult(experiments: refined, reflections: table, rmsds: fit.evaluation.perExperiment,
                            history: fit.history, parameters: refinedParameters,
                            cells: scanCentreCells(model, covariance: covariance),
                            outliersRejected: selection.rejectedRows.count, converged: fit.converged,
                            stopReason: fit.stopReason)
}

/// Each crystal's cell at the middle of its scan, e.s.d.s propagated from the
/// covariance of the cell sample parameters (central-difference Jacobian of
/// the cell in the smoothed metric parameters, times the smoothing weights).
private func scanCentreCells(_ model: ScanVaryingModel, covariance: Matrix) -> [CellWithUncertainty] {
    var out: [CellWithUncertainty] = []
    for c in model.smoothers.indices {
        let scan = model.scans[c]
        let z = Double(scan.arrayRange.lowerBound + scan.arrayRange.upperBound) / 2
        let s = model.smoothedValues(crystal: c, at: z)
        let param = model.base.cells[c]
        guard let cell = param.cell(s.p) else { continue }
        let value = cell.parameters + [cell.volume]
        // Free indices with d(value)/d(free) for each.
        var terms: [(Int, [Double])] = []
        for k in s.p.indices {
            let h = 1e-6 * max(1, abs(s.p[k]))
            var p = s.p, m = s.p
            p[k] += h; m[k] -= h
            guard let cp = param.cell(p), let cm = param.cell(m) else { continue }
            let vp = cp.parameters + [cp.volume], vm = cm.parameters + [cm.volume]
            let d = (0..<7).map { (vp[$0] - vm[$0]) / (2 * h) }
            for (i, w) in s.weights { if let j = model.cellIndex[c][i][k] { terms.append((j, d.map { $0 * w })) } }
        }
        let esd = (0..<7).map { q -> Double in
            var s2 = 0.0
            for (a, da) in terms { for (b, db) in terms { s2 += da[q] * covariance[a, b] * db[q] } }
            return max(0, s2).squareRoot()
        }
        out.append(CellWithUncertainty(crystal: c, parameters: Array(value.prefix(6)), esds: Array(esd.prefix(6)),
                                       volume: value[6], volumeEsd: esd[6]))
    }
    return out
}

/// Static refinement and, where it applies, scan-varying refinement after it.
public struct StaticAndScanVaryingResult: Sendable {
    public var staticResult: RefinementResult
    /// Nil when scan-varying refinement was off or did not apply.
    public var scanVaryingResult: RefinementResult?
    /// Why scan-varying refinement was or was not done, in words.
    public var scanVaryingNote: String
    /// The result to write: scan-varying when done, else static.
    public var final: RefinementResult { scanVaryingResult ?? staticResult }
}

/// dials.refine's default sequence: static refinement, then (for
/// `scanVarying` `.on`, or `.auto` when every scan spans at least
/// `scanVaryingMinimumWidthDegrees` and enough reflections remain for the
/// sample-point parameters) scan-varying refinement starting from the static
/// result, with outliers rejected afresh against the static model.
public func refineStaticThenScanVarying(experiments: ExperimentList, reflections: ReflectionTable,
                                        parameters: RefinementParameters = RefinementParameters(),
                                        logger: Logger = .silent) throws -> StaticAndScanVaryingResult {
    let staticResult = try refine(experiments: experiments, reflections: reflections, parameters: parameters, logger: logger)
    switch parameters.scanVarying {
    case .off:
        return StaticAndScanVaryingResult(staticResult: staticResult, scanVaryingResult: nil,
                                          scanVaryingNote: "scan-varying refinement is off (scan_varying=False)")
    case .auto:
        let widths = experiments.experiments.map { e in e.scan.map { abs($0.oscillationWidthDegrees) * Double($0.numberOfImages) } ?? 0 }
        if let narrow = widths.min(), narrow < parameters.scanVaryingMinimumWidthDegrees {
            return StaticAndScanVaryingResult(
                staticResult: staticResult, scanVaryingResult: nil,
                scanVaryingNote: String(format: "scan-varying refinement skipped: a scan spans %.1f°, under the %.1f° minimum (scan_varying=True forces it)",
                                        narrow, parameters.scanVaryingMinimumWidthDegrees))
        }
    case .on: break
    }
    logger.info("")
    logger.info("Scan-varying refinement")
    do {
        let sv = try refineScanVarying(experiments: staticResult.experiments, reflections: staticResult.reflections,
                                       parameters: parameters, logger: logger)
        return StaticAndScanVaryingResult(staticResult: staticResult, scanVaryingResult: sv,
                                          scanVaryingNote: "scan-varying refinement done")
    } catch let error as RefinementError where parameters.scanVarying == .auto {
        if case .tooFewReflections = error {
            logger.warning("Scan-varying refinement skipped: \(error); keeping the static result")
            return StaticAndScanVaryingResult(staticResult: staticResult, scanVaryingResult: nil,
                                              scanVaryingNote: "scan-varying refinement skipped: \(error)")
        }
        throw error
    }
}
