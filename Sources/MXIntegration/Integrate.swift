// Integrate: prediction, profile modelling, and streamed background/summation/profile fitting of a sweep.
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXMath
import MXModel
import MXPrediction
import MXSymmetry

/// What `integrate` returns: experiments with their profile models, the
/// integrated reflection table (DIALS' columns) and the numbers behind the summary.
public struct IntegrationResult: Sendable {
    public var experiments: ExperimentList
    public var reflections: ReflectionTable
    public var estimates: [ProfileEstimate]
    /// Peak bytes of the frame block plus open shoeboxes.
    public var peakBufferBytes: Int
    /// Per experiment, the ice rings its background shows (empty without the radial background).
    public var iceRings: [[IceRing]] = []
}

/// Integrates every experiment: predicts all reflections to d_min, models
/// σ_b and σ_m from the strong indexed spots of `reflections` (unless fixed),
/// then streams the frames in blocks, assembling each reflection's shoebox
/// across the frames it spans and integrating it when complete.
public func integrate(experiments: ExperimentList, reflections: ReflectionTable, parameters: IntegrationParameters,
                      logger: Logger) throws -> IntegrationResult {
    guard !experiments.isEmpty else { throw IntegrationError.noExperiments }
    var outExperiments = experiments
    var tables: [ReflectionTable] = []
    var estimates: [ProfileEstimate] = []
    var iceRings: [[IceRing]] = []
    var peak = 0
    // Each experiment is planned (predictions, profile model, shoeboxes)
    // before any is integrated, so that lattices sharing images can mask one
    // another's spots.
    struct Plan {
        var kept: [PredictedReflection], frames: [KabschFrame], requests: [ShoeboxRequest]
        var integrator: ReflectionIntegrator, source: ImageSource, zRange: Range<Int>, frameOffset: Int
        var blockFrames: Int, frameBytes: Int, estimate: ProfileEstimate, cell: UnitCell
        var images: String, candidates: [Bool]?
        var radial: RadialBackgroundShape?
    }
    // Prediction first, for every experiment: a model that predicts nothing
    // fails before any pixel is read, and lattices sharing images can keep
    // their profile modelling clear of each other's reflections.
    var predictions: [(predictor: RotationPredictor, predicted: [PredictedReflection], dMin: Double)] = []
    for (e, experiment) in experiments.experiments.enumerated() {
        guard experiment.imageSet != nil else { throw IntegrationError.noImages(experiment: e) }
        guard experiment.scan != nil else { throw PredictionError.noScan(experiment: e) }
        guard experiment.goniometer != nil else { throw PredictionError.noGoniometer(experiment: e) }
        let predictor = try RotationPredictor(experiment: experiment, index: e)
        // Resolution limits: d_min defaults to the detector's corners.
        let (dCorner, dLowest) = detectorResolutionRange(experiment.detector, s0: experiment.beam.s0)
        let dMin = parameters.dMin ?? dCorner
        if dMin >= dLowest { throw IntegrationError.dMinOutsideDetector(dMin: dMin, lowestOnDetector: dLowest) }
        // The lattice centring's absences never diffract; measuring them would
        // put zeros into scaling, merging and every statistic (as DIALS' index
        // generator, which skips them). Screw-axis and glide absences are kept:
        // the symmetry step tests them.
        let group = try experiment.crystal.map { try $0.spaceGroup() }
        let predicted = predictor.predict(dMin: dMin, dMax: parameters.dMax ?? .infinity,
                                          spaceGroup: group, centringOnly: true)
        guard !predicted.isEmpty else { throw IntegrationError.nothingPredicted(experiment: e, dMin: dMin) }
        predictions.append((predictor, predicted, dMin))
    }
    func sharesImages(_ a: Experiment, _ b: Experiment) -> Bool {
        a.imageSet?.template == b.imageSet?.template && a.scan?.arrayRange == b.scan?.arrayRange
    }
    var plans: [Plan] = []
    for (e, experiment) in experiments.experiments.enumerated() {
        let imageSet = experiment.imageSet!, scan = experiment.scan!, goniometer = experiment.goniometer!
        let (predictor, predicted, dMin) = predictions[e]
        let detector = experiment.detector
        let s0 = experiment.beam.s0
        let axis = GoniometerFrame(goniometer).labAxis

        let source: ImageSource
        let frameOffset: Int
        switch imageSet.kind {
        case .nexus:
            source = try openImageSource(imageSet); frameOffset = 0
        case .fileSeries:
            source = try openImageSource(imageSet, imageRange: scan.imageRange); frameOffset = scan.arrayRange.lowerBound
        }
        let zRange = scan.arrayRange
        if source.frameCount < zRange.upperBound - frameOffset {
            throw IntegrationError.framesMissing(path: imageSet.template, needed: zRange.upperBound - frameOffset,
                                                 available: source.frameCount)
        }
        let frameBytes = source.frameSize.width * source.frameSize.height * 4
        let budget = parameters.maxMemoryMB * 1_048_576
        let blockFrames = parameters.blockFrames
            // A frame per thread (at least two): enough to keep every thread
            // decoding, no more — the block is the largest buffer of
            // integration, and each shoebox already spans only a few frames.
            ?? max(1, min(max(2, parameters.nproc), min(zRange.count, Int(0.5 * budget) / max(frameBytes, 1))))

        // Profile model.
        var estimate: ProfileEstimate
        if let b = parameters.sigmaBDegrees, let m = parameters.sigmaMDegrees {
            estimate = ProfileEstimate(sigmaB: b * .pi / 180, sigmaM: m * .pi / 180, spots: 0)
        } else {
            let others = experiments.experiments.indices.filter { $0 != e && sharesImages(experiments[$0], experiment) }
                .flatMap { predictions[$0].predicted }
            estimate = try estimateProfile(experiment: experiment, index: e, reflections: reflections, source: source,
                                           frameOffset: frameOffset, blockFrames: blockFrames, parameters: parameters,
                                           axis: axis, avoiding: others, logger: logger)
            if let b = parameters.sigmaBDegrees { estimate.sigmaB = b * .pi / 180 }
            if let m = parameters.sigmaMDegrees { estimate.sigmaM = m * .pi / 180 }
        }
        estimates.append(estimate)
        let profile = ProfileModel(sigmaBDegrees: estimate.sigmaB * 180 / .pi, sigmaMDegrees: estimate.sigmaM * 180 / .pi,
                                   nSigma: parameters.nSigma)
        outExperiments[e].profile = profile
        logger.info(String(format: "Experiment %d profile model: sigma_b = %.4f°, sigma_m = %.4f° (from %d strong spots)",
                           e, profile.sigmaBDegrees, profile.sigmaMDegrees, estimate.spots))

        // Shoeboxes.
        var kept: [PredictedReflection] = []
        var frames: [KabschFrame] = []
        var requests: [ShoeboxRequest] = []
        kept.reserveCapacity(predicted.count); frames.reserveCapacity(predicted.count)
        requests.reserveCapacity(predicted.count)
        var zetaDropped = 0
        for p in predicted {
            let f = KabschFrame(s1: p.s1, s0: s0, axis: axis, phi: p.phi)
            guard abs(f.zeta) >= parameters.minZeta else { zetaDropped += 1; continue }
            guard let box = boundingBox(p, frame: f, detector: detector, scan: scan, sigmaB: estimate.sigmaB,
                                        sigmaM: estimate.sigmaM, parameters: parameters) else { continue }
            kept.append(p); frames.append(f); requests.append(ShoeboxRequest(panel: p.panel, bbox: box))
        }
        guard !kept.isEmpty else { throw IntegrationError.nothingPredicted(experiment: e, dMin: dMin) }
        logger.info("Experiment \(e): \(predicted.count) reflections predicted to d_min = "
                    + String(format: "%.2f Å", dMin) + "; \(zetaDropped) dropped with |zeta| < "
                    + String(format: "%.2f", parameters.minZeta) + "; integrating \(kept.count) in blocks of \(blockFrames) frames")

        let integrator = ReflectionIntegrator(detector: detector, scan: scan, sigmaB: estimate.sigmaB,
                                              sigmaM: estimate.sigmaM, parameters: parameters)
        var radial: RadialBackgroundShape? = nil
        if parameters.radialBackground {
            radial = try RadialBackgroundShape.measure(source: source, detector: detector, s0: s0, zRange: zRange,
                                                       frameOffset: frameOffset, excluded: estimate.hotPixels,
                                                       threads: parameters.nproc)
            let ice = radial?.iceRings(wavelength: experiment.beam.wavelength) ?? []
            iceRings.append(ice)
            if !ice.isEmpty {
                let excess = ice.map(\.excess)
                logger.info("Experiment \(e): ice rings in the background at "
                            + ice.map { String(format: "%.2f", $0.d) }.joined(separator: ", ") + " Å ("
                            + String(format: "%.1f–%.1f×", excess.min()!, excess.max()!)
                            + " the background beside them); the boxes they cross follow the radial background profile")
            }
        }
        plans.append(Plan(kept: kept, frames: frames, requests: requests, integrator: integrator, source: source,
                          zRange: zRange, frameOffset: frameOffset, blockFrames: blockFrames, frameBytes: frameBytes,
                          estimate: estimate, cell: predictor.cell, images: imageSet.template,
                          candidates: referenceCandidates(kept, reflections: reflections, index: e), radial: radial))
    }
    for (e, plan) in plans.enumerated() {
        var others: [(request: ShoeboxRequest, frame: KabschFrame)] = []
        for (o, other) in plans.enumerated() where o != e && other.images == plan.images && other.zRange == plan.zRange {
            others += zip(other.requests, other.frames).map { (request: $0.0, frame: $0.1) }
        }
        if !others.isEmpty {
            logger.info("Experiment \(e): masking the spots of \(others.count) reflections of other lattices on the same images")
        }
        let progress = logger.progress("integrate", total: plan.zRange.count)
        defer { progress.finish() }
        let pass = try integrationPass(plan.kept, frames: plan.frames, requests: plan.requests, others: others,
                                       candidates: plan.candidates,
                                       integrator: plan.integrator, source: plan.source, zRange: plan.zRange,
                                       frameOffset: plan.frameOffset, blockFrames: plan.blockFrames,
                                       hotPixels: plan.estimate.hotPixels, radial: plan.radial, progress: progress,
                                       logger: logger)
        progress.finish()
        peak = max(peak, pass.peakBytes + plan.blockFrames * plan.frameBytes)
        if let radial = plan.radial {
            let shaped = pass.results.filter(\.radialBackground).count
            logger.info("Experiment \(e): radial background profile from \(radial.frames) frames; it changes by more than "
                        + String(format: "%.0f%%", 100 * parameters.radialBackgroundChange)
                        + " across the boxes of \(shaped) reflections, whose background follows it")
        }
        tables.append(integratedTable(plan.kept, frames: plan.frames, boxes: plan.requests.map(\.bbox), results: pass.results,
                                      experiment: experiments[e], index: e, cell: plan.cell, sigmaM: plan.estimate.sigmaM))
    }
    var table = tables[0]
    for t in tables.dropFirst() { table = table.appending(t) ?? table }
    table.experimentIdentifiers = reflections.experimentIdentifiers.isEmpty
        ? Dictionary(uniqueKeysWithValues: experiments.experiments.enumerated().map { ($0.offset, $0.element.identifier) })
        : reflections.experimentIdentifiers
    table.set("partial_id", .size((0..<table.count).map { UInt64($0) }))
    return IntegrationResult(experiments: outExperiments, reflections: table, estimates: estimates, peakBufferBytes: peak,
                             iceRings: iceRings)
}

/// The resolution at the detector's farthest corner and at its point nearest
/// the beam (∞ when the direct beam hits a panel), over all panels.
func detectorResolutionRange(_ detector: Detector, s0: Vec3) -> (corner: Double, lowest: Double) {
    var corner = Double.infinity, lowest = 0.0
    for panel in detector.panels {
        let w = Double(panel.imageSize.fast), h = Double(panel.imageSize.slow)
        // A 17×17 grid over each panel finds the extremes well enough for these limits.
        for i in 0...16 { for j in 0...16 {
            let d = panel.resolution(atPixel: (w * Double(i) / 16, h * Double(j) / 16), s0: s0)
            corner = min(corner, d); lowest = max(lowest, d)
        } }
        if let mm = panel.rayIntersection(s0) {
            let px = panel.pixel(fromMillimetre: mm)
            if panel.contains(pixel: px) { lowest = .infinity }
        }
    }
    return (corner, lowest)
}

/// The shoebox of a prediction: the directions s₁ ± n_σ·σ_b·multiplier along
/// e₁ and e₂ traced to the panel give the x, y extent, and φ ± n_σ·σ_m/|ζ|
/// the frames (DIALS' `BBoxCalculator3D`), clipped to the scan (not to the panel).
func boundingBox(_ p: PredictedReflection, frame f: KabschFrame, detector: Detector, scan: Scan, sigmaB: Double,
                 sigmaM: Double, parameters: IntegrationParameters) -> BoundingBox? {
    let panel = detector.panels[p.panel]
    let delta = parameters.nSigma * sigmaB * parameters.sigmaBMultiplier
    let len = p.s1.length
    var xs: [Double] = [], ys: [Double] = []
    for (a, b) in [(-1.0, -1.0), (-1, 1), (1, -1), (1, 1)] {
        let s = p.s1 + f.e1 * (a * delta * len) + f.e2 * (b * delta * len)
        guard let mm = panel.rayIntersection(s) else { return nil }
        let px = panel.pixel(fromMillimetre: mm)
        xs.append(px.x); ys.append(px.y)
    }
    // Not clipped to the panel (as DIALS): pixels off its edge are read as
    // invalid, so a spot cut by the edge fails summation or is profile-fitted
    // over the part recorded, instead of passing for a whole, weaker spot.
    let x0 = Int(xs.min()!.rounded(.down)), x1 = Int(xs.max()!.rounded(.up)) + 1
    let y0 = Int(ys.min()!.rounded(.down)), y1 = Int(ys.max()!.rounded(.up)) + 1
    guard x1 > 0, x0 < panel.imageSize.fast, y1 > 0, y0 < panel.imageSize.slow else { return nil }
    let dphi = parameters.nSigma * sigmaM / abs(f.zeta)
    let za = scan.frame(atAngle: p.phi - dphi), zb = scan.frame(atAngle: p.phi + dphi)
    let z0 = max(scan.arrayRange.lowerBound, Int(min(za, zb).rounded(.down)))
    let z1 = min(scan.arrayRange.upperBound, Int(max(za, zb).rounded(.down)) + 1)
    guard x1 > x0, y1 > y0, z1 > z0 else { return nil }
    return BoundingBox(x0, x1, y0, y1, z0, z1)
}
