// ProfileFittingPass: reference profiles learnt from the strong spots, then one streamed pass — each shoebox summed and fitted as it completes.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

/// Hands the heap's free pages back to the system. Shoeboxes of every size
/// are made and freed on several threads' heaps as the frames stream by; the
/// freed pages would otherwise stay resident and the process would look
/// (and, to a batch system, be) several times the size of what it holds.
func releaseFreedMemory() {
    #if canImport(Glibc)
    _ = mallocTrim?(0)
    #endif
}

#if canImport(Glibc)
/// glibc's `malloc_trim` (not in Swift's Glibc module; looked up once, nil elsewhere).
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
}()
#endif

/// What the integration pass measured, and how.
struct IntegrationPassOutput {
    var results: [IntegratedReflection]
    /// Peak bytes of open shoeboxes plus the reference profiles.
    var peakBytes: Int
}

/// Which predictions are candidate references: those of a modelling spot
/// (`modellingSpots`) of experiment `index` in `reflections` (same Miller index, predicted frame
/// within the spot's frames ± 2), as DIALS takes its references from the
/// strong spots. Nil when the table has no such spots (every prediction is then a candidate).
func referenceCandidates(_ predicted: [PredictedReflection], reflections: ReflectionTable, index: Int) -> [Bool]? {
    guard let hkl = reflections.millerIndices(ReflectionTable.Name.millerIndex),
          let boxes = reflections.boxes(ReflectionTable.Name.bbox) else { return nil }
    let chosen = modellingSpots(reflections, index: index)
    var frames: [MillerIndex: [(Double, Double)]] = [:]
    for i in 0..<reflections.count where chosen[i] {
        frames[hkl[i], default: []].append((Double(boxes[i].z0) - 2, Double(boxes[i].z1) + 2))
    }
    guard !frames.isEmpty else { return nil }
    return predicted.map { p in
        frames[MillerIndex(p.miller.h, p.miller.k, p.miller.l)]?.contains { p.frame >= $0.0 && p.frame <= $0.1 } ?? false
    }
}

/// Runs of consecutive frames of `zRange` that some box needs.
func frameRuns(_ boxes: [BoundingBox], zRange: Range<Int>) -> [Range<Int>] {
    var needed = [Bool](repeating: false, count: zRange.count)
    for b in boxes { for z in max(Int(b.z0), zRange.lowerBound)..<min(Int(b.z1), zRange.upperBound) {
        needed[z - zRange.lowerBound] = true
    } }
    var runs: [Range<Int>] = []
    var z = 0
    while z < needed.count {
        guard needed[z] else { z += 1; continue }
        var e = z
        while e < needed.count && needed[e] { e += 1 }
        runs.append((z + zRange.lowerBound)..<(e + zRange.lowerBound)); z = e
    }
    return runs
}

/// Integrates every requested shoebox in one streamed pass over the frames,
/// each as soon as its last frame is read: background, summation and
/// profile fitting, then the shoebox is freed. The reference profiles it is
/// fitted to are learnt before, in a pass over the shoeboxes of the
/// candidate references only (`candidates`, the strong indexed spots; nil =
/// all): those fully recorded, clean and with summation I/σ ≥
/// `referenceMinIOverSigma` are added to the profile of their region
/// (`ReferenceProfileLearner`). No shoebox waits for its profile, so memory
/// is the frame block, the open shoeboxes and the profiles, never the sweep.
/// `others`: reflections of other lattices on the same images, whose
/// foregrounds are masked like this lattice's own neighbours'.
func integrationPass(_ predicted: [PredictedReflection], frames: [KabschFrame], requests: [ShoeboxRequest],
                     others: [(request: ShoeboxRequest, frame: KabschFrame)] = [], candidates: [Bool]? = nil,
                     integrator: ReflectionIntegrator, source: ImageSource, zRange: Range<Int>, frameOffset: Int,
                     blockFrames: Int, hotPixels: [Int] = [], radial: RadialBackgroundShape? = nil,
                     progress: ProgressCounter? = nil,
                     logger: Logger) throws -> IntegrationPassOutput {
    let parameters = integrator.parameters
    let detector = integrator.detector, scan = integrator.scan
    let n = requests.count
    let results = UnsafeMutableBufferPointer<IntegratedReflection>.allocate(capacity: n)
    results.initialize(repeating: IntegratedReflection())
    defer { results.deallocate() }
    // Own reflections first, then the other lattices' (indices ≥ n are never integrated here).
    // (No copy of this lattice's frames: they are a large share of the memory.)
    let allRequests = others.isEmpty ? requests : requests + others.map(\.request)
    let foregrounds = allRequests.map { foregroundBox($0.bbox, multiplier: parameters.sigmaBMultiplier) }
    let neighbours = parameters.maskOverlaps ? Array(overlappingBoxes(allRequests, foregrounds: foregrounds).prefix(n))
        : [[Int32]](repeating: [], count: n)
    func neighbourList(_ i: Int) -> [(KabschFrame, BoundingBox)] {
        neighbours[i].map { j in (Int(j) < n ? frames[Int(j)] : others[Int(j) - n].frame, foregrounds[Int(j)]) }
    }
    let learnt = parameters.profileFitting && parameters.referenceProfiles
    guard learnt else {
        let peak = try streamShoeboxes(requests, source: source, detector: detector, zRange: zRange,
                                       frameOffset: frameOffset, blockFrames: blockFrames,
                                       threads: parameters.nproc, excluded: hotPixels, radial: radial,
                                       progress: progress) { i, pixels in
            results[i] = integrator.integrate(pixels, frame: frames[i], neighbours: neighbourList(i))
        }
        return IntegrationPassOutput(results: Array(results), peakBytes: peak)
    }

    // Reference profiles, from the candidates' shoeboxes read on the frames they span.
    let grid = ReferenceGrid(gridSize: parameters.referenceGridSize, halfWidthSigma: 1.5 * parameters.nSigma,
                             sigmaB: integrator.sigmaB, sigmaM: integrator.sigmaM)
    let regions = ProfileRegions(detector: detector, scan: scan, scanStepDegrees: parameters.referenceScanStepDegrees)
    let learner = ReferenceProfileLearner(grid: grid, regions: regions, minReferences: parameters.minReferencesPerProfile)
    let range = scan.oscillationRange
    // Only a fully recorded reflection can be a reference: the others are not read.
    let full = (0..<n).map { frames[$0].rockingFraction(from: range.lowerBound, to: range.upperBound,
                                                        sigmaM: integrator.sigmaM) > 0.99 }
    let chosen = (0..<n).filter { full[$0] && candidates?[$0] ?? true }
    let isReference = UnsafeMutableBufferPointer<Bool>.allocate(capacity: n)
    isReference.initialize(repeating: false)
    defer { isReference.deallocate() }
    let runs = frameRuns(chosen.map { requests[$0].bbox }, zRange: zRange)
    var learningPeak = 0
    let learning = logger.progress("reference profiles", total: runs.reduce(0) { $0 + $1.count })
    defer { learning.finish() }
    for run in runs {
        let members = chosen.filter { Int(requests[$0].bbox.z0) >= run.lowerBound && Int(requests[$0].bbox.z1) <= run.upperBound }
        let peak = try streamShoeboxes(members.map { requests[$0] }, source: source, detector: detector, zRange: run,
                                       frameOffset: frameOffset, blockFrames: blockFrames, threads: parameters.nproc,
                                       excluded: hotPixels, radial: radial, progress: learning) { k, pixels in
            let i = members[k]
            let g = integrator.geometry(frames[i], panel: pixels.panel, bbox: pixels.bbox, withModel: false)
            let (r, input) = integrator.summation(pixels, geometry: g, neighbours: neighbourList(i))
            guard let input else { return }
            let clean = r.flags.isDisjoint(with: [.overloaded, .foregroundIncludesBadPixels, .overlappedFg])
            guard clean && r.sum.variance > 0
                && r.sum.value >= parameters.referenceMinIOverSigma * r.sum.variance.squareRoot() else { return }
            learner.add(integrator.gridProfile(pixels, geometry: g, input: input, grid: grid),
                        x: predicted[i].px.x, y: predicted[i].px.y, z: predicted[i].frame)
            isReference[i] = true
        }
        learningPeak = max(learningPeak, peak)
    }
    learning.finish()
    releaseFreedMemory()
    learner.finalise(throughBlock: regions.nz - 1)
    let profiles = (0..<regions.count).map { learner.profile(region: $0) }
    let learntRegions = profiles.filter { $0 != nil }.count
    logger.info("Reference profiles: \(learner.totalReferences) references (\(chosen.count) "
                + (candidates == nil ? "fully recorded reflections" : "fully recorded strong indexed spots") + " read on "
                + "\(runs.reduce(0) { $0 + $1.count }) frames; summation I/σ ≥ "
                + String(format: "%.0f", parameters.referenceMinIOverSigma) + ", clean) over "
                + "\(regions.nx)×\(regions.ny) detector regions × \(regions.nz) scan blocks of "
                + String(format: "%.0f°", parameters.referenceScanStepDegrees) + "; grid \(grid.size)³")
    if learntRegions < regions.count {
        logger.info("\(regions.count - learntRegions) of \(regions.count) regions have fewer than "
                    + "\(parameters.minReferencesPerProfile) references: their reflections are fitted with the Gaussian model")
    }

    // Integration: each shoebox summed and fitted as it completes.
    let lock = NSLock()
    var fittedLearnt = 0, fittedModel = 0
    let openPeak = try streamShoeboxes(requests, source: source, detector: detector, zRange: zRange,
                                       frameOffset: frameOffset, blockFrames: blockFrames, threads: parameters.nproc,
                                       excluded: hotPixels, radial: radial, progress: progress, finish: { i, pixels in
        let reference = profiles[regions.nearest(x: predicted[i].px.x, y: predicted[i].px.y, z: predicted[i].frame)]
        let g = integrator.geometry(frames[i], panel: pixels.panel, bbox: pixels.bbox, withModel: reference == nil)
        let (summed, input) = integrator.summation(pixels, geometry: g, neighbours: neighbourList(i))
        var r = summed
        if isReference[i] { r.flags.insert(.usedInModelling) }
        if let input {
            let prof = reference.map { integrator.referenceProfile(g, reference: $0, grid: grid) } ?? integrator.modelProfile(g)
            integrator.fit(pixels, input: input, profile: prof, into: &r)
            lock.lock()
            if reference == nil { fittedModel += 1 } else { fittedLearnt += 1 }
            lock.unlock()
        }
        results[i] = r
    }, afterBlock: { _ in releaseFreedMemory() })
    progress?.finish()
    logger.info("Profile fitting: \(fittedLearnt) reflections with learnt references, \(fittedModel) with the model, "
                + "each as its shoebox completes")
    let profileBytes = learntRegions * grid.count * MemoryLayout<Float>.size
    return IntegrationPassOutput(results: Array(results), peakBytes: max(openPeak, learningPeak) + profileBytes)
}
