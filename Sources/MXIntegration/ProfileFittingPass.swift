// ProfileFittingPass: the streamed integration pass — summation as shoeboxes complete, reference learning, deferred fitting.
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPrediction

/// For each box, the other boxes on its panel that intersect it in x, y and
/// frames (found through a coarse hash of 32-pixel cells).
func overlappingBoxes(_ requests: [ShoeboxRequest], cell: Int = 32) -> [[Int32]] {
    overlappingBoxes(requests, foregrounds: requests.map(\.bbox), cell: cell)
}

/// The box of a shoebox's possible foreground: the spatial box is n_σ·σ_b·multiplier about the
/// reflection and the foreground n_σ·σ_b, so half the width about the centre, plus a pixel for the corner rule.
func foregroundBox(_ b: BoundingBox, multiplier: Double) -> BoundingBox {
    let cx = Double(b.x0 + b.x1) / 2, cy = Double(b.y0 + b.y1) / 2
    let hx = Double(b.x1 - b.x0) / (2 * max(multiplier, 1)) + 1, hy = Double(b.y1 - b.y0) / (2 * max(multiplier, 1)) + 1
    return BoundingBox(max(Int(b.x0), Int((cx - hx).rounded(.down))), min(Int(b.x1), Int((cx + hx).rounded(.up))),
                       max(Int(b.y0), Int((cy - hy).rounded(.down))), min(Int(b.y1), Int((cy + hy).rounded(.up))),
                       Int(b.z0), Int(b.z1))
}

/// For each box, the other reflections on its panel whose foreground box (`foregrounds`) meets it.
func overlappingBoxes(_ requests: [ShoeboxRequest], foregrounds: [BoundingBox], cell: Int = 32) -> [[Int32]] {
    struct Key: Hashable { var panel: Int, x: Int, y: Int }
    var hash: [Key: [Int32]] = [:]
    for (i, r) in requests.enumerated() {
        let b = foregrounds[i]
        for cy in (Int(b.y0) / cell)...((Int(b.y1) - 1) / cell) { for cx in (Int(b.x0) / cell)...((Int(b.x1) - 1) / cell) {
            hash[Key(panel: r.panel, x: cx, y: cy), default: []].append(Int32(i))
        } }
    }
    var out = [[Int32]](repeating: [], count: requests.count)
    for (i, r) in requests.enumerated() {
        let b = r.bbox
        var seen = Set<Int32>()
        for cy in (Int(b.y0) / cell)...((Int(b.y1) - 1) / cell) { for cx in (Int(b.x0) / cell)...((Int(b.x1) - 1) / cell) {
            for j in hash[Key(panel: r.panel, x: cx, y: cy)] ?? [] where Int(j) != i && !seen.contains(j) {
                let o = foregrounds[Int(j)]
                if o.x0 < b.x1 && b.x0 < o.x1 && o.y0 < b.y1 && b.y0 < o.y1 && o.z0 < b.z1 && b.z0 < o.z1 {
                    seen.insert(j); out[i].append(j)
                }
            }
        } }
    }
    return out
}

/// What the integration pass measured, and how.
struct IntegrationPassOutput {
    var results: [IntegratedReflection]
    /// Peak bytes of open shoeboxes plus those held for deferred fitting.
    var peakBytes: Int
}

/// Integrates every requested shoebox in one streamed pass over the frames.
/// Background and summation run as each shoebox completes; strong, fully
/// recorded, clean ones are added to the reference profiles of their region
/// (`ReferenceProfileLearner`), and each shoebox is held until the profiles
/// it needs — its own scan block's, to which the next block's references
/// also contribute — are final, then profile-fitted and freed. Memory is the
/// open shoeboxes plus about two scan blocks of held ones, not the sweep.
/// `others`: reflections of other lattices on the same images, whose
/// foregrounds are masked like this lattice's own neighbours'.
func integrationPass(_ predicted: [PredictedReflection], frames: [KabschFrame], requests: [ShoeboxRequest],
                     others: [(request: ShoeboxRequest, frame: KabschFrame)] = [],
                     integrator: ReflectionIntegrator, source: ImageSource, zRange: Range<Int>, frameOffset: Int,
                     blockFrames: Int, hotPixels: [Int] = [], progress: ProgressCounter? = nil,
                     logger: Logger) throws -> IntegrationPassOutput {
    let parameters = integrator.parameters
    let detector = integrator.detector, scan = integrator.scan
    let n = requests.count
    let results = UnsafeMutableBufferPointer<IntegratedReflection>.allocate(capacity: n)
    results.initialize(repeating: IntegratedReflection())
    defer { results.deallocate() }
    // Own reflections first, then the other lattices' (indices ≥ n are never integrated here).
    let allRequests = requests + others.map(\.request), allFrames = frames + others.map(\.frame)
    let foregrounds = allRequests.map { foregroundBox($0.bbox, multiplier: parameters.sigmaBMultiplier) }
    let neighbours = parameters.maskOverlaps ? Array(overlappingBoxes(allRequests, foregrounds: foregrounds).prefix(n))
        : [[Int32]](repeating: [], count: n)
    func neighbourList(_ i: Int) -> [(KabschFrame, BoundingBox)] {
        neighbours[i].map { (allFrames[Int($0)], foregrounds[Int($0)]) }
    }
    let learnt = parameters.profileFitting && parameters.referenceProfiles
    guard learnt else {
        let peak = try streamShoeboxes(requests, source: source, detector: detector, zRange: zRange,
                                       frameOffset: frameOffset, blockFrames: blockFrames,
                                       threads: parameters.nproc, excluded: hotPixels,
                                       progress: progress) { i, pixels in
            results[i] = integrator.integrate(pixels, frame: frames[i], neighbours: neighbourList(i))
        }
        return IntegrationPassOutput(results: Array(results), peakBytes: peak)
    }

    let grid = ReferenceGrid(gridSize: parameters.referenceGridSize, halfWidthSigma: 1.5 * parameters.nSigma,
                             sigmaB: integrator.sigmaB, sigmaM: integrator.sigmaM)
    let regions = ProfileRegions(detector: detector, scan: scan, scanStepDegrees: parameters.referenceScanStepDegrees)
    let learner = ReferenceProfileLearner(grid: grid, regions: regions, minReferences: parameters.minReferencesPerProfile)
    let region = predicted.map { regions.nearest(x: $0.px.x, y: $0.px.y, z: $0.frame) }
    // The furthest a box ends beyond its predicted frame: a reference centred
    // in block k is complete once the frames read pass blockEnd(k) + reach.
    let reach = zip(predicted, requests).map { Double($0.1.bbox.z1) - $0.0.frame }.max() ?? 0
    let range = scan.oscillationRange
    let inputs = UnsafeMutableBufferPointer<FitInput?>.allocate(capacity: n)
    inputs.initialize(repeating: nil)
    defer { inputs.deallocate() }
    let geometries = UnsafeMutableBufferPointer<ShoeboxGeometry?>.allocate(capacity: n)
    geometries.initialize(repeating: nil)
    defer { geometries.deallocate() }
    let held = UnsafeMutableBufferPointer<ShoeboxPixels?>.allocate(capacity: n)
    held.initialize(repeating: nil)
    defer { held.deallocate() }
    let lock = NSLock()
    var waiting: [Int] = []
    var heldBytes = 0, heldPeak = 0
    var fittedLearnt = 0, fittedModel = 0
    var finalBlock = -1

    /// A held reflection: its pixels (5 bytes each), foreground and fit masks, and (c₁, c₂, foreground distance) per pixel.
    func heldByteCount(_ b: BoundingBox) -> Int { b.volume * 7 + Int(b.x1 - b.x0) * Int(b.y1 - b.y0) * 24 + 256 }

    func fitReady(throughBlock k: Int) {
        learner.finalise(throughBlock: k)
        let ready = waiting.filter { regions.block(region[$0]) <= k }
        waiting.removeAll { regions.block(region[$0]) <= k }
        var learntCount = 0
        parallelFor(ready.count, threads: parameters.nproc) { m in
            let i = ready[m]
            guard let pixels = held[i], let input = inputs[i], let g = geometries[i] else { return }
            let prof: [Double]
            if let reference = learner.profile(region: region[i]) {
                prof = integrator.referenceProfile(g, reference: reference, grid: grid)
                lock.lock(); learntCount += 1; lock.unlock()
            } else {
                prof = integrator.modelProfile(integrator.geometry(frames[i], panel: pixels.panel, bbox: pixels.bbox))
            }
            var r = results[i]
            integrator.fit(pixels, input: input, profile: prof, into: &r)
            results[i] = r
            held[i] = nil; inputs[i] = nil; geometries[i] = nil
        }
        fittedLearnt += learntCount; fittedModel += ready.count - learntCount
        heldBytes -= ready.reduce(0) { $0 + heldByteCount(requests[$1].bbox) }
    }

    let openPeak = try streamShoeboxes(requests, source: source, detector: detector, zRange: zRange,
                                       frameOffset: frameOffset, blockFrames: blockFrames, threads: parameters.nproc,
                                       excluded: hotPixels, progress: progress, finish: { i, pixels in
        let g = integrator.geometry(frames[i], panel: pixels.panel, bbox: pixels.bbox, withModel: false)
        var (r, input) = integrator.summation(pixels, geometry: g, neighbours: neighbourList(i))
        guard let input else { results[i] = r; return }
        let clean = r.flags.isDisjoint(with: [.overloaded, .foregroundIncludesBadPixels, .overlappedFg])
        let full = frames[i].rockingFraction(from: range.lowerBound, to: range.upperBound,
                                             sigmaM: integrator.sigmaM) > 0.99
        if clean && full && r.sum.variance > 0
            && r.sum.value >= parameters.referenceMinIOverSigma * r.sum.variance.squareRoot() {
            learner.add(integrator.gridProfile(pixels, geometry: g, input: input, grid: grid),
                        x: predicted[i].px.x, y: predicted[i].px.y, z: predicted[i].frame)
            r.flags.insert(.usedInModelling)
        }
        results[i] = r
        var kept = g
        kept.spatialModel = []
        held[i] = pixels; inputs[i] = input; geometries[i] = kept
        lock.lock()
        waiting.append(i); heldBytes += heldByteCount(pixels.bbox); heldPeak = max(heldPeak, heldBytes)
        lock.unlock()
    }, afterBlock: { read in
        // Block k is final once every reference of blocks ≤ k+1 is complete.
        var k = finalBlock
        while k + 1 < regions.nz {
            let next = min(k + 2, regions.nz - 1)
            guard read >= zRange.upperBound || regions.blockEnd(next) + reach <= Double(read) else { break }
            k += 1
        }
        if read >= zRange.upperBound { k = regions.nz - 1 }
        if k > finalBlock { fitReady(throughBlock: k); finalBlock = k }
    })
    if finalBlock < regions.nz - 1 { fitReady(throughBlock: regions.nz - 1) }
    progress?.finish()

    let learntRegions = (0..<regions.count).filter { learner.profile(region: $0) != nil }.count
    logger.info("Reference profiles: \(learner.totalReferences) references (summation I/σ ≥ "
                + String(format: "%.0f", parameters.referenceMinIOverSigma) + ", fully recorded) over "
                + "\(regions.nx)×\(regions.ny) detector regions × \(regions.nz) scan blocks of "
                + String(format: "%.0f°", parameters.referenceScanStepDegrees) + "; grid \(grid.size)³")
    if learntRegions < regions.count {
        let thin = (0..<regions.count).filter { learner.profile(region: $0) == nil }
        logger.info("\(thin.count) of \(regions.count) regions have fewer than \(parameters.minReferencesPerProfile) "
                    + "references: their reflections are fitted with the Gaussian model")
    }
    logger.info("Profile fitting: \(fittedLearnt) reflections with learnt references, \(fittedModel) with the model; "
                + String(format: "%.1f MiB", Double(heldPeak) / 1_048_576) + " of shoeboxes held for fitting at peak")
    return IntegrationPassOutput(results: Array(results), peakBytes: openPeak + heldPeak)
}
