// IntegratedTable: profile modelling input from refined spots, and the DIALS columns of integrated reflections.
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXMath
import MXModel
import MXPrediction
import MXSymmetry
#if canImport(Glibc)
import Glibc
#endif

/// σ_b and σ_m from the modelling spots (`modellingSpots`) of experiment `index`, read
/// from the images in one streamed pass over their boxes.
func estimateProfile(experiment: Experiment, index: Int, reflections: ReflectionTable, source: ImageSource,
                     frameOffset: Int, blockFrames: Int, parameters: IntegrationParameters, axis: Vec3,
                     avoiding others: [PredictedReflection] = [], logger: Logger) throws -> ProfileEstimate {
    guard let scan = experiment.scan else { throw PredictionError.noScan(experiment: index) }
    guard reflections.boxes(ReflectionTable.Name.bbox) != nil else {
        throw IntegrationError.missingColumn(ReflectionTable.Name.bbox)
    }
    guard reflections.millerIndices(ReflectionTable.Name.millerIndex) != nil else {
        throw IntegrationError.missingColumn(ReflectionTable.Name.millerIndex)
    }
    // Predicted s₁ and φ of each indexed spot from the (refined) model.
    let single = ExperimentList([experiment])
    var subset = reflections.select(modellingSpots(reflections, index: index))
    subset.set(ReflectionTable.Name.id, .int([Int32](repeating: 0, count: subset.count)))
    let (withPredictions, ok) = try predictObserved(single, subset)
    let s1 = withPredictions.vec3s(ReflectionTable.Name.s1)!, mm = withPredictions.vec3s(ReflectionTable.Name.xyzcalMm)!
    let panels = subset.sizes(ReflectionTable.Name.panel) ?? [UInt64](repeating: 0, count: subset.count)
    let spotBoxes = subset.boxes(ReflectionTable.Name.bbox) ?? []
    var spots: [ModellingSpot] = []
    for i in 0..<subset.count where ok[i] {
        let f = KabschFrame(s1: s1[i], s0: experiment.beam.s0, axis: axis, phi: mm[i].z)
        guard abs(f.zeta) >= parameters.minZeta else { continue }
        spots.append(ModellingSpot(frame: f, panel: Int(panels[i]), spotBox: spotBoxes[i]))
    }
    // Another lattice's reflection inside a spot's box makes it two spots in
    // one: its spread in φ and on the detector is not the profile's.
    if !others.isEmpty {
        let nearby = NearbyPredictions(others)
        let clear = spots.filter { !nearby.any(in: $0.spotBox, panel: $0.panel, margin: 2, frames: 1) }
        if clear.count >= parameters.minSpots {
            logger.info("Profile model of experiment \(index): \(spots.count - clear.count) of \(spots.count) modelling spots "
                        + "left out, another lattice's reflection inside their box")
            spots = clear
        } else {
            logger.warning("Profile model of experiment \(index): only \(clear.count) modelling spots are clear of other "
                           + "lattices' reflections (\(parameters.minSpots) needed); modelling from all \(spots.count)")
        }
    }
    // Read a few wedges of the scan, not all of it: integration reads every
    // frame again, and σ_b, σ_m need a few hundred spots, not every frame's.
    // Spots whose read box (one frame either side) lies inside a wedge are
    // used while the wedges hold enough of them.
    let wedges = modellingWedges(scan.arrayRange, fraction: parameters.modellingFrameFraction)
    if wedges.count > 1 || wedges.first != scan.arrayRange {
        let inside = spots.filter { s in
            wedges.contains { Int(s.spotBox.z0) - 1 >= $0.lowerBound && Int(s.spotBox.z1) + 1 <= $0.upperBound }
        }
        if inside.count >= max(parameters.minSpots, min(spots.count, parameters.maxModellingSpots) / 4) { spots = inside }
    }
    // Spread the sample evenly over the scan when there are more than needed.
    if spots.count > parameters.maxModellingSpots {
        spots.sort { $0.frame.phi < $1.frame.phi }
        let step = Double(spots.count) / Double(parameters.maxModellingSpots)
        spots = (0..<parameters.maxModellingSpots).map { spots[Int(Double($0) * step)] }
    }
    guard spots.count >= parameters.minSpots else {
        throw IntegrationError.tooFewSpotsForProfile(found: spots.count, needed: parameters.minSpots)
    }
    let detector = experiment.detector
    let requests = spots.map {
        ShoeboxRequest(panel: $0.panel, bbox: ProfileModelEstimator.readBox($0.spotBox, panel: detector.panels[$0.panel],
                                                                             zRange: scan.arrayRange, margin: 4))
    }
    let stats = UnsafeMutableBufferPointer<SpotProfileStatistics?>.allocate(capacity: spots.count)
    stats.initialize(repeating: nil)
    defer { stats.deallocate() }
    let spotsCopy = spots
    // Only the frames some read box needs, in runs of consecutive frames.
    let runs = frameRuns(requests.map(\.bbox), zRange: scan.arrayRange)
    let minimum = PixelMinimum(count: source.frameSize.width * source.frameSize.height)
    let progress = logger.progress("profile model", total: runs.reduce(0) { $0 + $1.count })
    defer { progress.finish() }
    for run in runs {
        let members = requests.indices.filter {
            Int(requests[$0].bbox.z0) >= run.lowerBound && Int(requests[$0].bbox.z1) <= run.upperBound
        }
        try streamShoeboxes(members.map { requests[$0] }, source: source, detector: detector, zRange: run,
                            frameOffset: frameOffset, blockFrames: blockFrames, threads: parameters.nproc,
                            minimum: minimum, progress: progress) { k, pixels in
            let i = members[k]
            stats[i] = ProfileModelEstimator.statistics(pixels, spot: spotsCopy[i], detector: detector, scan: scan)
        }
    }
    progress.finish()
    logger.info("Profile model from \(spots.count) spots on \(runs.reduce(0) { $0 + $1.count }) of \(scan.arrayRange.count) frames")
    let good = stats.compactMap { $0 }
    guard good.count >= parameters.minSpots else {
        throw IntegrationError.tooFewSpotsForProfile(found: good.count, needed: parameters.minSpots)
    }
    let hot = minimum.hotPixels(width: source.frameSize.width)
    if !hot.isEmpty {
        let w = source.frameSize.width
        logger.info("\(hot.count) hot pixels (bright on all \(minimum.frames) frames read) left out of integration: "
                    + hot.prefix(8).map { "(\($0 % w), \($0 / w))" }.joined(separator: " ") + (hot.count > 8 ? " …" : ""))
    }
    return ProfileEstimate(sigmaB: ProfileModelEstimator.sigmaB(good), sigmaM: ProfileModelEstimator.sigmaM(good),
                           spots: good.count, hotPixels: hot)
}

/// The spots of experiment `index` that model its profile (σ_b, σ_m and the
/// reference profiles): indexed strong spots, and of those only the ones
/// refinement used when the table says which (DIALS' choice too). Refinement
/// rejects spots whose centroid lies far from its prediction: spots merged
/// with a neighbour, often one of another lattice on the same images, whose
/// counts spread over frames beyond the reflection's own rocking curve and
/// would widen σ_m (split_lattice_p212121: 0.31° for 0.10° with them).
func modellingSpots(_ reflections: ReflectionTable, index: Int) -> [Bool] {
    let n = reflections.count
    guard let hkl = reflections.millerIndices(ReflectionTable.Name.millerIndex) else {
        return [Bool](repeating: false, count: n)
    }
    let ids = reflections.ints(ReflectionTable.Name.id) ?? [Int32](repeating: 0, count: n)
    let flags = reflections.flags
    let mine = (0..<n).map { Int(ids[$0]) == index && !hkl[$0].isZero && flags[$0].contains(.indexed) }
    let refined = (0..<n).contains { mine[$0] && flags[$0].contains(.usedInRefinement) }
    return (0..<n).map { i in
        mine[i] && (refined ? flags[i].contains(.usedInRefinement) : flags[i].contains(.strong))
    }
}

/// Wedges of `range` covering about `fraction` of it: four evenly spaced runs
/// of at least 6 frames (a spot and a frame either side), or the whole range
/// when that would be most of it.
func modellingWedges(_ range: Range<Int>, fraction: Double) -> [Range<Int>] {
    let n = range.count
    let length = max(6, Int((fraction * Double(n) / 4).rounded(.up)))
    guard 4 * length < (3 * n) / 4 else { return [range] }
    return (0..<4).map { w in
        let start = range.lowerBound + Int((Double(w) + 0.5) * Double(n) / 4) - length / 2
        return max(range.lowerBound, start)..<min(range.upperBound, start + length)
    }
}

/// The DIALS columns of the integrated reflections of one experiment.
func integratedTable(_ predicted: [PredictedReflection], frames: [KabschFrame], boxes: [BoundingBox],
                     results: [IntegratedReflection], experiment: Experiment, index: Int, cell: UnitCell,
                     sigmaM: Double) -> ReflectionTable {
    var t = predicted.reflectionTable(cells: [UnitCell?](repeating: nil, count: index) + [cell])
    let n = predicted.count
    let scan = experiment.scan!
    let beam = experiment.beam
    let s0 = beam.s0
    let range = scan.oscillationRange
    var partiality = [Double](repeating: 0, count: n), lp = partiality, qe = partiality
    var flags = [UInt64](repeating: 0, count: n)
    var obs = [Vec3](repeating: .zero, count: n)
    let axis = experiment.goniometer.map { GoniometerFrame($0).labAxis } ?? Vec3(1, 0, 0)
    for i in 0..<n {
        let p = predicted[i], f = frames[i], r = results[i]
        partiality[i] = f.rockingFraction(from: range.lowerBound, to: range.upperBound, sigmaM: sigmaM)
        // Lorentz–polarisation correction (DIALS corrections.h): L = |s₁·(m×s₀)|/(|s₀||s₁|),
        // P = (1−2p)(1−(n·ŝ₁)²) + p(1+(ŝ₀·ŝ₁)²); the column holds L/P.
        let s1u = p.s1.normalized, s0u = s0.normalized
        let l = abs(p.s1.dot(axis.cross(s0))) / (s0.length * p.s1.length)
        let pf = beam.polarizationFraction
        let nd = beam.polarizationNormal.normalized.dot(s1u), cs = s0u.dot(s1u)
        let pol = (1 - 2 * pf) * (1 - nd * nd) + pf * (1 + cs * cs)
        lp[i] = pol > 0 ? l / pol : 0
        // Detector quantum efficiency 1 − exp(−μt/cos θ) (DIALS qe).
        let panel = experiment.detector.panels[p.panel]
        let cosT = abs(s1u.dot(panel.normal))
        qe[i] = panel.mu > 0 && panel.thickness > 0 && cosT > 0 ? 1 - exp(-panel.mu * panel.thickness / cosT) : 1
        var fl = ReflectionFlags.predicted
        fl.formUnion(r.flags)
        flags[i] = fl.rawValue
        obs[i] = r.centroid
    }
    t.set(ReflectionTable.Name.bbox, .int6(boxes))
    t.set(ReflectionTable.Name.flags, .size(flags))
    t.set(ReflectionTable.Name.partiality, .double(partiality))
    t.set(ReflectionTable.Name.lp, .double(lp))
    t.set(ReflectionTable.Name.qe, .double(qe))
    t.set(ReflectionTable.Name.intensitySumValue, .double(results.map(\.sum.value)))
    t.set(ReflectionTable.Name.intensitySumVariance, .double(results.map(\.sum.variance)))
    t.set(ReflectionTable.Name.intensityPrfValue, .double(results.map(\.prf.value)))
    t.set(ReflectionTable.Name.intensityPrfVariance, .double(results.map(\.prf.variance)))
    t.set(ReflectionTable.Name.backgroundMean, .double(results.map(\.backgroundMean)))
    t.set("background.sum.value", .double(results.map(\.backgroundSum.value)))
    t.set("background.sum.variance", .double(results.map(\.backgroundSum.variance)))
    t.set("profile.correlation", .double(results.map(\.correlation)))
    t.set("num_pixels.background", .int(results.map { Int32($0.pixels.background) }))
    t.set("num_pixels.background_used", .int(results.map { Int32($0.pixels.backgroundUsed) }))
    t.set("num_pixels.foreground", .int(results.map { Int32($0.pixels.foreground) }))
    t.set("num_pixels.valid", .int(results.map { Int32($0.pixels.valid) }))
    t.set(ReflectionTable.Name.xyzobsPxValue, .vec3(obs))
    t.set("zeta", .double(frames.map(\.zeta)))
    t.set(ReflectionTable.Name.imagesetId, .int([Int32](repeating: Int32(index), count: n)))
    return t
}
