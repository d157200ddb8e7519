// Indexer: autoindexing of one rotation sweep's strong spots, one or more lattices, with refinement macro-cycles.
import Dispatch
import Foundation
import MXLogging
import MXMath
import MXModel
import MXPrediction
import MXSymmetry

/// One lattice found by indexing.
public struct IndexedLattice: Sendable {
    public var crystal: Crystal
    /// Standard uncertainties of a, b, c (Å), α, β, γ (°) from the final fit.
    public var cellSigma: [Double]
    /// Spots assigned to this lattice.
    public var indexedCount: Int
    /// The basis search that found it.
    public var method: BasisSearchMethod
    /// RMS deviations of observed from predicted centroids: x, y (px), φ (°).
    public var rmsd: (x: Double, y: Double, phiDegrees: Double)
}

/// What indexing produced: the experiments (one per lattice), the spots with
/// their indices and predictions, and per-lattice summaries.
public struct IndexingResult: Sendable {
    public var experiments: ExperimentList
    public var reflections: ReflectionTable
    public var lattices: [IndexedLattice]
    /// The maximum cell used (Å) and the resolution limits of the search and of all spots (Å).
    public var maxCell: Double
    public var searchDMin: Double
    /// Shift of the detector in its plane found by refinement (mm, along fast and slow).
    public var beamCentreShift: (fast: Double, slow: Double)
    /// Lines of the candidate table and macro-cycle log.
    public var candidateSummaries: [String]
}

/// The observed centroids with the header models: spot geometry for any
/// in-plane shift of the detector.
struct SpotSource {
    var pixels: [Vec3], variances: [Vec3], panels: [Int]
    var base: Experiment

    func experiment(shift: (fast: Double, slow: Double)) -> Experiment {
        var e = base
        for i in e.detector.panels.indices {
            let p = e.detector.panels[i]
            e.detector.panels[i].origin = p.origin + p.fastAxis * shift.fast + p.slowAxis * shift.slow
        }
        return e
    }

    func geometry(shift: (fast: Double, slow: Double), only: [Int]? = nil) -> SpotGeometry {
        let e = experiment(shift: shift)
        guard let only else { return SpotGeometry(pixels: pixels, variances: variances, panels: panels, experiment: e) }
        return SpotGeometry(pixels: only.map { pixels[$0] }, variances: variances.isEmpty ? [] : only.map { variances[$0] },
                            panels: panels.isEmpty ? [] : only.map { panels[$0] }, experiment: e)
    }
}

/// A basis candidate after its quick refinement.
struct ScoredCandidate {
    var setting: Mat3
    var fraction: Double
    var rmsd: Double
    var volume: Double
    var method: BasisSearchMethod
    var score: Double = 0
}

/// Autoindexing (DIALS `dials.index` with `indexing.method` fft3d and fft1d):
/// spots → reciprocal-lattice points → maximum cell → basis-vector search →
/// candidate cells (reduced, refined, scored) → macro-cycles of index
/// assignment and refinement that extend the resolution → further lattices
/// from the unindexed spots.
public struct Indexer {
    public var parameters: IndexingParameters
    public var logger: Logger

    public init(parameters: IndexingParameters = IndexingParameters(), logger: Logger = Logger { _, _ in }) {
        self.parameters = parameters
        self.logger = logger
    }

    /// Indexes the spots of `experiment` (rows of `reflections` with any `id`).
    public func index(experiment: Experiment, reflections: ReflectionTable) throws -> IndexingResult {
        try index(experiment: experiment, reflections: reflections, seed: nil)
    }

    /// Looks for further lattices (up to `parameters.maxLattices`) among the
    /// spots `previous` left unindexed, keeping its lattices, maximum cell and
    /// beam centre: the same as indexing from scratch with more lattices,
    /// without searching for the first ones again. `experiment` and
    /// `reflections` must be those `previous` was indexed from.
    public func index(experiment: Experiment, reflections: ReflectionTable,
                      continuing previous: IndexingResult) throws -> IndexingResult {
        try index(experiment: experiment, reflections: reflections, seed: previous)
    }

    func index(experiment: Experiment, reflections: ReflectionTable, seed: IndexingResult?) throws -> IndexingResult {
        guard let pixels = reflections.vec3s(ReflectionTable.Name.xyzobsPxValue) else {
            throw IndexingError.missingColumn(ReflectionTable.Name.xyzobsPxValue)
        }
        let variances = reflections.vec3s(ReflectionTable.Name.xyzobsPxVariance) ?? []
        let panels = (reflections.sizes(ReflectionTable.Name.panel) ?? []).map { Int($0) }
        let source = SpotSource(pixels: pixels, variances: variances, panels: panels, base: experiment)
        let all = source.geometry(shift: (0, 0))
        let minimumSpots = 10
        let usable = all.d.map { $0.isFinite && $0 >= (parameters.dMin ?? 0) }
        let nUsable = usable.filter { $0 }.count
        guard nUsable >= minimumSpots else { throw IndexingError.tooFewSpots(found: nUsable, needed: minimumSpots) }

        // Maximum cell.
        var maxCell: Double
        if let m = seed?.maxCell {
            maxCell = m
        } else if let m = parameters.maxCell {
            maxCell = m
        } else if let cell = parameters.unitCell {
            maxCell = 1.5 * cell[0..<3].max()!
        } else {
            let sel = all.rlp.indices.filter { usable[$0] }
            maxCell = MaximumCell.estimate(rlp: sel.map { all.rlp[$0] }, phi: sel.map { all.xyzMm[$0].z },
                                           entering: sel.map { all.entering[$0] }) ?? 100
            logger.info(String(format: "Found max_cell: %.1f Å", maxCell))
        }
        let dAll = zip(all.d, usable).filter { $0.1 }.map { $0.0 }.min()!
        let searchDMin = max(5 * maxCell / Double(parameters.fftGridSize), dAll)

        var settings: [Mat3] = seed?.lattices.map(\.crystal.A) ?? []
        var lattices: [IndexedLattice] = seed?.lattices ?? []
        let summaries: [String] = []
        var shift = seed?.beamCentreShift ?? (fast: 0.0, slow: 0.0)
        var geometry = seed == nil ? all : source.geometry(shift: shift)
        // Reciprocal-space rmsd of each lattice so far, to judge further ones by.
        var fitRMSDs: [Double] = []
        if !settings.isEmpty {
            let assignment = IndexAssignment.assign(rlp: geometry.rlp, settings: settings, tolerance: parameters.tolerance,
                                                    eligible: usable)
            for l in settings.indices {
                let idx = geometry.rlp.indices.filter { assignment.lattice[$0] == l }
                let r = SettingMatrixFit.residuals(rlp: idx.map { geometry.rlp[$0] },
                                                   hkl: idx.map { Self.vector(assignment.hkl[$0]) }, setting: settings[l])
                fitRMSDs.append((r.reduce(0) { $0 + $1 * $1 } / Double(max(r.count, 1))).squareRoot())
            }
        }
        for latticeNumber in settings.count..<max(settings.count, parameters.maxLattices) {
            // Spots left for this lattice.
            let assigned = settings.isEmpty ? [Int](repeating: -1, count: geometry.count)
                : IndexAssignment.assign(rlp: geometry.rlp, settings: settings, tolerance: parameters.tolerance).lattice
            let available = geometry.rlp.indices.filter { usable[$0] && assigned[$0] < 0 }
            if latticeNumber > 0 {
                let fraction = Double(available.count) / Double(nUsable)
                if fraction < parameters.recycleUnindexedCutoff || available.count < minimumSpots {
                    logger.info(String(format: "%.1f%% of spots unindexed: no further lattice sought", 100 * fraction))
                    break
                }
                logger.info("\nSearching for lattice \(latticeNumber + 1) among \(available.count) unindexed spots")
            }
            var candidates: [ScoredCandidate] = []
            var tried: [String] = []
            var searchCount = 0
            // A second pass searches again when the beam centre found with the
            // leading candidates moved: the first search saw a distorted lattice.
            for pass in 0..<2 {
                candidates = []; tried = []
                let searchedAt = shift
                let rlp = available.map { geometry.rlp[$0] }
                let search = rlp.enumerated().filter { geometry.d[available[$0.offset]] >= searchDMin }.map(\.element)
                searchCount = search.count
                // The methods search at once on nproc threads (each is one thread's
                // work); their results are logged and pooled in the methods' order.
                let methods = parameters.methods
                let found = ConcurrentResults<(vectors: Int, candidates: [ScoredCandidate])>(count: methods.count)
                let workers = max(1, min(parameters.nproc, methods.count))
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for k in stride(from: w, to: methods.count, by: workers) {
                        let vectors = basisVectors(method: methods[k], rlp: search, dMin: searchDMin, maxCell: maxCell)
                        found.set(k, (vectors.count, evaluateCandidates(vectors: vectors, rlp: search, method: methods[k])))
                    }
                }
                for (method, result) in zip(methods, found.values) {
                    tried.append(method.rawValue)
                    logger.info("\(method.rawValue): \(result.vectors) candidate basis vectors")
                    candidates += result.candidates
                }
                scoreCandidates(&candidates)
                candidates.sort { $0.score < $1.score }
                if parameters.refineBeamCentre && latticeNumber == 0 && !candidates.isEmpty {
                    // A wrong beam centre distorts the lattice: a doubled cell can then index
                    // more spots than the true one. Rescore the leaders with the detector
                    // position refined for each, and carry the winner's position on.
                    let stride = max(1, available.count / 5000)
                    var eligible = [Bool](repeating: false, count: geometry.count)
                    for k in Swift.stride(from: 0, to: available.count, by: stride) where geometry.d[available[k]] >= searchDMin {
                        eligible[available[k]] = true
                    }
                    let total = Double(eligible.filter { $0 }.count)
                    // Leaders of distinct volume (the variants of one cell would crowd out the rest).
                    var leaders: [ScoredCandidate] = []
                    for c in candidates where leaders.count < 4 {
                        if !leaders.contains(where: { abs($0.volume - c.volume) < 0.05 * c.volume }) { leaders.append(c) }
                    }
                    let shifts = ConcurrentResults<(Int, (fast: Double, slow: Double))>(count: leaders.count)
                    let refits = ConcurrentResults<(Int, ScoredCandidate)>(count: leaders.count)
                    DispatchQueue.concurrentPerform(iterations: leaders.count) { k in
                        let start = beamCentreGrid(setting: leaders[k].setting, source: source, eligible: eligible)
                        let fit = refineLattice(setting: start.setting, others: [], source: source, eligible: eligible,
                                                shift: start.shift, refineShift: true)
                        let g = source.geometry(shift: fit.shift)
                        let n = IndexAssignment.assign(rlp: g.rlp, settings: [fit.setting], tolerance: parameters.tolerance,
                                                       eligible: eligible).lattice.filter { $0 == 0 }.count
                        var c = leaders[k]
                        c.setting = fit.setting; c.fraction = Double(n) / max(total, 1); c.rmsd = fit.rmsd
                        c.volume = abs(fit.setting.inverse?.determinant ?? 0)
                        refits.set(k, (k, c)); shifts.set(k, (k, fit.shift))
                    }
                    for (k, c) in refits.values {
                        leaders[k] = c
                        let sh: (fast: Double, slow: Double) = shifts.values.first { $0.0 == k }?.1 ?? (0, 0)
                        logger.debug(String(format: "  leader %d: V %.0f, %.1f%% indexed, rmsd %.2e, shift %.3f %.3f mm",
                                            k, c.volume, 100 * c.fraction, c.rmsd, sh.fast, sh.slow))
                    }
                    let shiftOf = Dictionary(uniqueKeysWithValues: shifts.values.map { ($0.0, $0.1) })
                    var order = Array(leaders.indices)
                    var rescored = leaders
                    scoreCandidates(&rescored)
                    if rescored.count == leaders.count {
                        order.sort { rescored[$0].score < rescored[$1].score }
                        let winner = order[0]
                        if let s = shiftOf[winner], rescored[winner].fraction > 0.2 {
                            shift = s
                            geometry = source.geometry(shift: shift)
                            var best = rescored[winner]
                            best.setting = BasisReduction.niggli(best.setting)
                            candidates.insert(best, at: 0)
                            logger.info(String(format: "Beam centre refined with each leading candidate: best shift %.3f, %.3f mm",
                                               shift.fast, shift.slow))
                        }
                    }
                }
                let moved = ((shift.fast - searchedAt.fast) * (shift.fast - searchedAt.fast)
                             + (shift.slow - searchedAt.slow) * (shift.slow - searchedAt.slow)).squareRoot()
                if pass == 0 && moved > 0.1 {
                    logger.info(String(format: "Searching again with the beam centre moved by %.2f mm", moved))
                    continue
                }
                break
            }
            if latticeNumber == 0 { for line in candidateTable(candidates) { logger.info(line) } }
            // Skip candidates that repeat a lattice already found.
            let pick = candidates.first { c in
                c.fraction > 0.2 && !settings.contains { LatticeComparison.misorientationDegrees(c.setting, $0) < Self.repeatedLatticeDegrees }
            }
            guard let best = pick else {
                if latticeNumber == 0 {
                    throw IndexingError.noLatticeFound(spots: searchCount, maxCell: maxCell, dMin: searchDMin,
                                                       methods: tried, bestFraction: candidates.first?.fraction ?? 0)
                }
                logger.info("No further lattice found among the unindexed spots")
                break
            }
            var setting = best.setting
            if let cell = parameters.unitCell {
                // A centred cell can be out of reach of the ±1 basis changes of the
                // reduced one (C2's a = 2·p₃ − b): with a space group, try its
                // conventional cell too.
                var conventional: Mat3?
                if let hall = parameters.spaceGroupHall, let group = try? SpaceGroup(hall) {
                    conventional = try? UserCell.conventional(setting: setting, group: group)
                }
                guard let matched = UserCell.match(setting: setting, cell: cell)
                        ?? conventional.flatMap({ UserCell.match(setting: $0, cell: cell) }) else {
                    throw IndexingError.cellDoesNotFit(given: cell, found: Self.cellParameters(setting))
                }
                setting = matched
            } else if let hall = parameters.spaceGroupHall, let group = try? SpaceGroup(hall) {
                setting = try UserCell.conventional(setting: setting, group: group)
            }
            // Macro-cycles extending the resolution (DIALS refine_shells).
            let cycles = max(1, parameters.macroCycles)
            var previous: (d: Double, cell: [Double])? = nil
            var lastRMSD = 0.0
            for cycle in 0..<cycles {
                let dCycle = cycles == 1 ? dAll : searchDMin - (searchDMin - dAll) * Double(cycle) / Double(cycles - 1)
                // Nothing new to fit: same resolution as the last cycle, which converged.
                if let p = previous, abs(p.d - dCycle) < 1e-6, cycle > 1 { break }
                let eligible = geometry.rlp.indices.map { usable[$0] && geometry.d[$0] >= dCycle - 1e-9 }
                let fit = refineLattice(setting: setting, others: settings, source: source, eligible: eligible,
                                        shift: shift, refineShift: parameters.refineBeamCentre && latticeNumber == 0)
                setting = fit.setting
                lastRMSD = fit.rmsd
                if fit.shift != shift {
                    shift = fit.shift
                    geometry = source.geometry(shift: shift)
                }
                let line = String(format: "lattice %d macro-cycle %d: d_min %.2f Å, %d spots used, rmsd %.2e Å⁻¹, cell %@",
                                  latticeNumber + 1, cycle + 1, dCycle, fit.used, fit.rmsd,
                                  Self.cellParameters(setting).map { String(format: "%.3f", $0) }.joined(separator: " "))
                logger.info(line)
                let cell = Self.cellParameters(setting)
                if let p = previous, abs(p.d - dCycle) < 1e-6,
                   zip(p.cell, cell).allSatisfy({ abs($0 - $1) < 1e-4 * max(abs($0), 1) }) { break }
                previous = (dCycle, cell)
            }
            // A further lattice among the leftovers must be a crystal's: a cell
            // that refined to an edge shorter than min_cell, or a fit several
            // times worse than the first lattice's, indexes noise (any point
            // lies near a node of a tiny enough cell).
            if latticeNumber > 0,
               let reason = Self.furtherLatticeFault(setting: setting, rmsd: lastRMSD, firstRMSD: fitRMSDs.first,
                                                     minCell: parameters.minCell) {
                logger.info("Lattice \(latticeNumber + 1) rejected: \(reason)")
                break
            }
            fitRMSDs.append(lastRMSD)
            if let hall = parameters.spaceGroupHall, hall.trimmingCharacters(in: .whitespaces) != "P 1" {
                setting = LatticeRefinement.symmetrised(setting, hall: hall) ?? setting
            } else if parameters.unitCell == nil {
                setting = BasisReduction.niggli(setting)
            }
            settings.append(setting)
            lattices.append(IndexedLattice(crystal: Crystal(A: setting, spaceGroupHall: parameters.spaceGroupHall ?? " P 1")!,
                                           cellSigma: [], indexedCount: 0, method: best.method, rmsd: (0, 0, 0)))
        }
        return finish(settings: settings, lattices: lattices, source: source, usable: usable, reflections: reflections, maxCell: maxCell, searchDMin: searchDMin,
                      shift: shift, summaries: summaries)
    }

    /// A candidate within this of a lattice already found (degrees) is that
    /// lattice again, refound from its own unindexed spots. The domains of a
    /// split crystal lie a degree or more apart; 5° passed over them and took
    /// a supercell fitted to their spots instead.
    static let repeatedLatticeDegrees = 0.5

    /// Why a further lattice found among the spots earlier lattices left is
    /// no crystal's, or nil: a reduced cell edge shorter than `minCell`, or a
    /// reciprocal-space rmsd over 3× the first lattice's `firstRMSD` (one
    /// sample's lattices are measured alike).
    static func furtherLatticeFault(setting: Mat3, rmsd: Double, firstRMSD: Double?, minCell: Double) -> String? {
        let edges = cellParameters(BasisReduction.niggli(setting))[0..<3]
        if let shortest = edges.min(), shortest < minCell {
            return String(format: "its cell edge %.2f Å is shorter than min_cell %.1f Å", shortest, minCell)
        }
        if let first = firstRMSD, rmsd > 3 * first {
            return String(format: "rmsd %.2e Å⁻¹ is more than 3× lattice 1's (%.2e Å⁻¹)", rmsd, first)
        }
        return nil
    }

    // MARK: search and candidates

    func basisVectors(method: BasisSearchMethod, rlp: [Vec3], dMin: Double, maxCell: Double) -> [BasisVector] {
        switch method {
        case .fft3d:
            let n = min(parameters.fftGridSize, FFT3D.goodSize(atLeast: Int((5 * maxCell / dMin).rounded(.up))))
            let d = max(dMin, 5 * maxCell / Double(n))
            return BasisVectorSearch.fft3d(rlp: rlp, dMin: d, gridSize: n, minCell: parameters.minCell,
                                           maxCell: 1.5 * maxCell, maxVectors: parameters.maxVectors)
        case .fft1d:
            // Directions are ~0.025 rad apart: keep the phase blur L·θ/d below a quarter period.
            let d = max(dMin, 0.05 * maxCell)
            var points = rlp.filter { $0.lengthSquared * d * d <= 1 }
            if points.count > 3000 {
                let step = Double(points.count) / 3000
                points = (0..<3000).map { points[Int(Double($0) * step)] }
            }
            return BasisVectorSearch.fft1d(rlp: points, dMin: d, minCell: parameters.minCell,
                                           maxCell: 1.5 * maxCell, maxVectors: parameters.maxVectors)
        }
    }

    /// Triples of candidate vectors (DIALS `combinations.py`: strongest first,
    /// no pair within 20° of parallel, the third not within 20° of the plane
    /// of the first two), reduced, deduplicated and refined against the points.
    func evaluateCandidates(vectors: [BasisVector], rlp: [Vec3], method: BasisSearchMethod) -> [ScoredCandidate] {
        let v = vectors.map(\.vector)
        var triples: [(Int, Int, Int)] = []
        let sin20 = sin(20 * Double.pi / 180)
        for i in 0..<v.count {
            for j in (i + 1)..<max(v.count, i + 1) {
                let cij = v[i].cross(v[j])
                if cij.length < sin20 * v[i].length * v[j].length { continue }
                for k in (j + 1)..<max(v.count, j + 1) {
                    if abs(cij.normalized.dot(v[k])) < sin20 * v[k].length { continue }
                    triples.append((i, j, k))
                }
            }
        }
        triples.sort { ($0.0 + $0.1 + $0.2, $0.0, $0.1) < ($1.0 + $1.1 + $1.2, $1.0, $1.1) }
        var seen: [[Double]] = []
        var settings: [Mat3] = []
        for (i, j, k) in triples {
            let r = BasisReduction.reduce(v[i], v[j], v[k]).basis
            guard let greedy = Mat3(rows: r.0, r.1, r.2).inverse else { continue }
            let a = BasisReduction.niggli(greedy)
            let cell = Self.cellParameters(a)
            if seen.contains(where: { s in zip(s, cell).enumerated().allSatisfy { abs($1.0 - $1.1) < ($0 < 3 ? 0.03 * $1.0 : 3) } }) {
                continue
            }
            seen.append(cell)
            settings.append(a)
            if settings.count >= parameters.maxCandidates { break }
        }
        var sample = rlp
        if sample.count > 4000 {
            let step = Double(sample.count) / 4000
            sample = (0..<4000).map { rlp[Int(Double($0) * step)] }
        }
        // Lowest resolution first (`fitCandidate`).
        sample.sort { $0.lengthSquared < $1.lengthSquared }
        let results = ConcurrentResults<ScoredCandidate?>(count: settings.count)
        let tolerance = parameters.tolerance
        let finest = 1 / max(sample.last?.length ?? 1, 1e-6)
        DispatchQueue.concurrentPerform(iterations: settings.count) { c in
            let fit = Self.withoutEmptyNodes(Self.fitCandidate(settings[c], sample: sample, tolerance: tolerance),
                                             sample: sample, tolerance: tolerance,
                                             minEdge: max(parameters.minCell, 2 * finest))
            let (a, assignment, idx) = (fit.setting, fit.assignment, fit.indexed)
            guard idx.count >= 6, let inverse = a.inverse else { results.set(c, nil); return }
            let res = SettingMatrixFit.residuals(rlp: idx.map { sample[$0] },
                                                  hkl: idx.map { Self.vector(assignment.hkl[$0]) }, setting: a)
            let rmsd = (res.reduce(0) { $0 + $1 * $1 } / Double(res.count)).squareRoot()
            results.set(c, ScoredCandidate(setting: a, fraction: Double(idx.count) / Double(sample.count),
                                           rmsd: rmsd, volume: abs(inverse.determinant), method: method))
        }
        return results.values.compactMap { $0 }
    }

    /// Refines a candidate setting against ever more of `sample` (lowest
    /// resolution first: a basis from the search is only good enough to index
    /// the inner spots; each round extends to a further quarter), then indexes
    /// all of it.
    static func fitCandidate(_ setting: Mat3, sample: [Vec3], tolerance: Double) -> CandidateFit {
        var a = setting
        for round in 1...5 {
            let inner = Array(sample.prefix(sample.count * min(round, 4) / 4))
            let assignment = IndexAssignment.assign(rlp: inner, settings: [a], tolerance: tolerance)
            let idx = inner.indices.filter { assignment.lattice[$0] == 0 }
            guard idx.count >= 6, let fitted = SettingMatrixFit.fit(
                rlp: idx.map { inner[$0] }, hkl: idx.map { vector(assignment.hkl[$0]) }) else { break }
            a = fitted
        }
        let assignment = IndexAssignment.assign(rlp: sample, settings: [a], tolerance: tolerance)
        return (a, assignment, sample.indices.filter { assignment.lattice[$0] == 0 })
    }

    typealias CandidateFit = (setting: Mat3, assignment: (lattice: [Int], hkl: [MillerIndex]), indexed: [Int])

    /// The fitted candidate, or the smaller cell whose nodes its indexed points
    /// fill (`SuperCell`). A cell two or three times the true one (two domains a
    /// few degrees apart make such cells fit well) leaves nodes empty in a
    /// regular pattern; the points it indexes off the rule are the other
    /// domain's, anywhere within the tolerance of a node. The smaller cell is
    /// taken when it indexes at least as many points, or when the points off
    /// the rule sit at least twice as far from their nodes as those on it (median
    /// fractional offset) and the smaller cell indexes nearly all of those on
    /// it. A real superstructure (a translational pseudo-symmetry) has its weak
    /// spots on the sparse nodes as exactly as the rest, so it keeps its cell.
    /// The smaller cell's edges must be at least `minEdge`: an edge under twice
    /// the spots' finest spacing leaves every index along it 0, so such a cell
    /// indexes any flat set of points.
    static func withoutEmptyNodes(_ fit: CandidateFit, sample: [Vec3], tolerance: Double,
                                  minEdge: Double) -> CandidateFit {
        var fit = fit
        for _ in 0..<2 {
            guard let rule = SuperCell.sublattice(of: fit.indexed.map { fit.assignment.hkl[$0] }),
                  let inverse = fit.setting.inverse else { break }
            let smaller = BasisReduction.niggli(fit.setting * rule.basis)
            guard cellParameters(smaller)[0..<3].min()! >= minEdge else { break }
            let reduced = fitCandidate(smaller, sample: sample, tolerance: tolerance)
            var on: [Double] = [], off: [Double] = []
            for i in fit.indexed {
                let m = fit.assignment.hkl[i]
                let offset = (inverse * sample[i] - vector(m)).length
                if rule.obeys(m) { on.append(offset) } else { off.append(offset) }
            }
            let median = { (v: [Double]) in v.isEmpty ? 0 : v.sorted()[v.count / 2] }
            let strays = !off.isEmpty && median(off) > 2 * median(on)
            guard reduced.indexed.count >= fit.indexed.count
                    || (strays && Double(reduced.indexed.count) >= 0.95 * Double(on.count)) else { break }
            fit = reduced
        }
        return fit
    }

    /// DIALS' weighted scorer, with the fraction indexed weighted twice so a
    /// sub-cell (half the volume, half the spots) cannot tie with the true cell:
    /// score = log2(V/V_min) + log2(rmsd/rmsd_min) + 2·log2(f_max/f); lowest wins.
    func scoreCandidates(_ candidates: inout [ScoredCandidate]) {
        // Three basis vectors of min_cell or more can still span a lattice with far shorter ones
        // (nearly coplanar triples): such a cell puts a node near any point, and would win on volume.
        candidates = candidates.filter {
            $0.fraction > 0 && $0.rmsd.isFinite
                && Self.cellParameters(BasisReduction.niggli($0.setting))[0..<3].min()! >= parameters.minCell
        }
        guard !candidates.isEmpty else { return }
        let vMin = candidates.map(\.volume).min()!, rMin = max(candidates.map(\.rmsd).min()!, 1e-12)
        let fMax = candidates.map(\.fraction).max()!
        for i in candidates.indices {
            let c = candidates[i]
            candidates[i].score = log2(c.volume / vMin) + log2(max(c.rmsd, 1e-12) / rMin) + 2 * log2(fMax / c.fraction)
        }
    }

    func candidateTable(_ candidates: [ScoredCandidate]) -> [String] {
        var lines = ["Candidate cells (best first):",
                     "  method      a        b        c       alpha   beta    gamma   volume  %indexed  rmsd(Å⁻¹)  score"]
        for c in candidates.prefix(10) {
            let p = Self.cellParameters(c.setting)
            lines.append(String(format: "  %-6@ %8.2f %8.2f %8.2f %7.2f %7.2f %7.2f %9.0f %7.1f %10.2e %7.2f",
                                c.method.rawValue, p[0], p[1], p[2], p[3], p[4], p[5], c.volume, 100 * c.fraction,
                                c.rmsd, c.score))
        }
        return lines
    }

    // MARK: refinement

    struct LatticeFit {
        var setting: Mat3
        var shift: (fast: Double, slow: Double)
        var used: Int
        var rmsd: Double
    }

    /// Index assignment, outlier rejection and least-squares refinement of A
    /// (and, when asked, of the detector's in-plane position) against the
    /// points where `eligible`; points that fit another lattice better go there.
    func refineLattice(setting: Mat3, others: [Mat3], source: SpotSource, eligible: [Bool],
                       shift: (fast: Double, slow: Double), refineShift: Bool) -> LatticeFit {
        var a = setting
        var s = shift
        var g = source.geometry(shift: s)
        var used = 0, rmsd = 0.0
        for iteration in 0..<4 {
            let assignment = IndexAssignment.assign(rlp: g.rlp, settings: [a] + others,
                                                    tolerance: parameters.tolerance, eligible: eligible)
            var idx = g.rlp.indices.filter { assignment.lattice[$0] == 0 }
            guard idx.count >= 6 else { break }
            var hkl = idx.map { Self.vector(assignment.hkl[$0]) }
            // Tukey outlier rejection on the residuals.
            let res = SettingMatrixFit.residuals(rlp: idx.map { g.rlp[$0] }, hkl: hkl, setting: a)
            let sorted = res.sorted()
            let q1 = sorted[sorted.count / 4], q3 = sorted[(3 * sorted.count) / 4]
            let limit = q3 + parameters.outlierIQR * (q3 - q1)
            let keep = res.indices.filter { res[$0] <= limit }
            idx = keep.map { idx[$0] }; hkl = keep.map { hkl[$0] }
            used = idx.count
            if idx.count >= 50 && iteration > 0 {
                // After the first linear fit, DIALS' way: refinement against the observed x, y, φ.
                let stride = max(1, idx.count / max(parameters.maxRefinementObservations, 20))
                let spots = Swift.stride(from: 0, to: idx.count, by: stride).map { k -> LatticeRefinement.Spot in
                    let i = idx[k]
                    return LatticeRefinement.Spot(lattice: 0, hkl: assignment.hkl[i],
                                                  panel: source.panels.isEmpty ? 0 : source.panels[i],
                                                  xyz: g.xyzMm[i], variance: g.xyzMmVariance[i])
                }
                let refined = LatticeRefinement.refine(settings: [a], spaceGroupHall: nil,
                                                       experiment: source.experiment(shift: s), shift: s,
                                                       refineShift: refineShift, spots: spots)
                a = refined.settings[0]
                // A detector far from where the header puts it is for the beam-centre search, not this fit.
                let clamped = (fast: min(max(refined.shift.fast, -5), 5), slow: min(max(refined.shift.slow, -5), 5))
                if clamped != s {
                    s = clamped
                    g = source.geometry(shift: s)
                }
            } else if let fitted = SettingMatrixFit.fit(rlp: idx.map { g.rlp[$0] }, hkl: hkl) {
                a = fitted
            }
            let r = SettingMatrixFit.residuals(rlp: idx.map { g.rlp[$0] }, hkl: hkl, setting: a)
            rmsd = (r.reduce(0) { $0 + $1 * $1 } / Double(max(r.count, 1))).squareRoot()
        }
        return LatticeFit(setting: a, shift: s, used: used, rmsd: rmsd)
    }

    /// The detector shift on a grid of ±2 mm (0.5 mm steps) in the panel
    /// plane at which `setting`, refitted linearly, indexes most spots of a
    /// subsample: the starting point that refinement alone cannot reach when
    /// the header's beam centre is off by more than a few tenths of a mm.
    func beamCentreGrid(setting: Mat3, source: SpotSource, eligible: [Bool]) -> (setting: Mat3, shift: (fast: Double, slow: Double)) {
        var rows = eligible.indices.filter { eligible[$0] }
        if rows.count > 800 {
            let step = Double(rows.count) / 800
            rows = (0..<800).map { rows[Int(Double($0) * step)] }
        }
        var best = (count: -1, rmsd: Double.infinity, setting: setting, shift: (fast: 0.0, slow: 0.0))
        for i in -4...4 {
            for j in -4...4 {
                let shift = (fast: 0.5 * Double(i), slow: 0.5 * Double(j))
                let rlp = source.geometry(shift: shift, only: rows).rlp.sorted { $0.lengthSquared < $1.lengthSquared }
                var a = setting
                var count = 0, rmsd = Double.infinity
                for round in 1...3 {
                    let inner = Array(rlp.prefix(rlp.count * round / 3))
                    let assignment = IndexAssignment.assign(rlp: inner, settings: [a], tolerance: parameters.tolerance)
                    let idx = inner.indices.filter { assignment.lattice[$0] == 0 }
                    let hkl = idx.map { Self.vector(assignment.hkl[$0]) }
                    guard idx.count >= 6, let fitted = SettingMatrixFit.fit(rlp: idx.map { inner[$0] }, hkl: hkl) else { break }
                    a = fitted
                    if round == 3 {
                        let r = SettingMatrixFit.residuals(rlp: idx.map { inner[$0] }, hkl: hkl, setting: a)
                        rmsd = (r.reduce(0) { $0 + $1 * $1 } / Double(r.count)).squareRoot()
                        count = IndexAssignment.assign(rlp: inner, settings: [a], tolerance: parameters.tolerance)
                            .lattice.filter { $0 == 0 }.count
                    }
                }
                if count > best.count || (count == best.count && rmsd < best.rmsd) {
                    best = (count, rmsd, a, shift)
                }
            }
        }
        return (best.setting, best.shift)
    }

    // MARK: output

    func finish(settings: [Mat3], lattices found: [IndexedLattice], source: SpotSource, usable: [Bool],
                reflections: ReflectionTable, maxCell: Double, searchDMin: Double,
                shift startShift: (fast: Double, slow: Double), summaries: [String]) -> IndexingResult {
        var lattices = found
        var final = settings
        var shift = startShift
        var geometry = source.geometry(shift: shift)
        // Final joint assignment over all lattices, one last fit each.
        var assignment = IndexAssignment.assign(rlp: geometry.rlp, settings: final, tolerance: parameters.tolerance,
                                                eligible: usable)
        for l in final.indices {
            let idx = geometry.rlp.indices.filter { assignment.lattice[$0] == l }
            if let a = SettingMatrixFit.fit(rlp: idx.map { geometry.rlp[$0] },
                                            hkl: idx.map { Self.vector(assignment.hkl[$0]) }) {
                final[l] = parameters.spaceGroupHall.flatMap { LatticeRefinement.symmetrised(a, hall: $0) } ?? a
            }
        }
        assignment = IndexAssignment.assign(rlp: geometry.rlp, settings: final, tolerance: parameters.tolerance,
                                            eligible: usable)
        // Refinement against the observed positions and angles, all lattices together with the beam centre.
        let panelsOfSpots = source.panels
        var spots: [LatticeRefinement.Spot] = []
        for l in final.indices {
            let idx = geometry.rlp.indices.filter { assignment.lattice[$0] == l }
            let stride = max(1, idx.count / max(parameters.maxRefinementObservations, 20))
            for k in Swift.stride(from: 0, to: idx.count, by: stride) {
                let i = idx[k]
                spots.append(LatticeRefinement.Spot(lattice: l, hkl: assignment.hkl[i],
                                                    panel: panelsOfSpots.isEmpty ? 0 : panelsOfSpots[i],
                                                    xyz: geometry.xyzMm[i], variance: geometry.xyzMmVariance[i]))
            }
        }
        let refined = LatticeRefinement.refine(settings: final, spaceGroupHall: parameters.spaceGroupHall,
                                               experiment: source.experiment(shift: shift), shift: shift,
                                               refineShift: parameters.refineBeamCentre, spots: spots)
        final = refined.settings
        if refined.shift != shift {
            shift = refined.shift
            geometry = source.geometry(shift: shift)
        }
        assignment = IndexAssignment.assign(rlp: geometry.rlp, settings: final, tolerance: parameters.tolerance,
                                            eligible: usable)
        let experiment = source.experiment(shift: shift)
        let n = geometry.count
        let panels = (reflections.sizes(ReflectionTable.Name.panel) ?? []).map { Int($0) }
        var ids = [Int32](repeating: -1, count: n)
        var millers = [MillerIndex](repeating: MillerIndex(0, 0, 0), count: n)
        var calPx = [Vec3](repeating: .zero, count: n), calMm = [Vec3](repeating: .zero, count: n)
        var flags = reflections.sizes(ReflectionTable.Name.flags) ?? [UInt64](repeating: ReflectionFlags.strong.rawValue, count: n)
        var s1 = geometry.s1
        var experiments: [Experiment] = []
        for l in final.indices {
            let idx = (0..<n).filter { assignment.lattice[$0] == l }
            var withCrystal = experiment
            withCrystal.crystal = Crystal(A: final[l])
            let predictor = try? RotationPredictor(experiment: withCrystal)
            var dx: [Double] = [], dy: [Double] = [], dphi: [Double] = []
            var residualIdx: [Int] = []
            for i in idx {
                let panel = panels.isEmpty ? 0 : panels[i]
                let h = assignment.hkl[i]
                guard let p = predictor?.predictNear(Miller(h.h, h.k, h.l), phiObserved: geometry.xyzMm[i].z,
                                                     panel: panel) else { continue }
                residualIdx.append(i)
                let obs = reflections.vec3s(ReflectionTable.Name.xyzobsPxValue)![i]
                calPx[i] = Vec3(p.px.x, p.px.y, p.frame); calMm[i] = Vec3(p.mm.x, p.mm.y, p.phi); s1[i] = p.s1
                dx.append(p.px.x - obs.x); dy.append(p.px.y - obs.y)
                dphi.append((p.phi - geometry.xyzMm[i].z) * 180 / .pi)
            }
            // Spots predicted far from where they were seen are outliers: left unindexed.
            let bad = Set(Self.outliers(dx: dx, dy: dy, dphi: dphi, iqr: parameters.outlierIQR).map { residualIdx[$0] })
            var kept = 0
            var sx = 0.0, sy = 0.0, sp = 0.0
            for (k, i) in residualIdx.enumerated() where !bad.contains(i) {
                ids[i] = Int32(l); millers[i] = assignment.hkl[i]
                flags[i] |= ReflectionFlags.indexed.rawValue
                sx += dx[k] * dx[k]; sy += dy[k] * dy[k]; sp += dphi[k] * dphi[k]
                kept += 1
            }
            let m = Double(max(kept, 1))
            let identifier = UUID().uuidString.lowercased()
            var e = experiment
            e.identifier = identifier
            e.crystal = Crystal(A: final[l], spaceGroupHall: parameters.spaceGroupHall ?? " P 1")
            experiments.append(e)
            lattices[l].crystal = e.crystal!
            lattices[l].indexedCount = kept
            lattices[l].rmsd = ((sx / m).squareRoot(), (sy / m).squareRoot(), (sp / m).squareRoot())
            lattices[l].cellSigma = refined.cellSigmas[l]
        }
        var table = reflections
        table.set(ReflectionTable.Name.id, .int(ids))
        table.set(ReflectionTable.Name.millerIndex, .miller(millers))
        table.set(ReflectionTable.Name.flags, .size(flags))
        table.set(ReflectionTable.Name.xyzobsMmValue, .vec3(geometry.xyzMm))
        table.set(ReflectionTable.Name.xyzobsMmVariance, .vec3(geometry.xyzMmVariance))
        table.set(ReflectionTable.Name.xyzcalPx, .vec3(calPx))
        table.set(ReflectionTable.Name.xyzcalMm, .vec3(calMm))
        table.set(ReflectionTable.Name.s1, .vec3(s1))
        table.set(ReflectionTable.Name.rlp, .vec3(geometry.rlp))
        table.set(ReflectionTable.Name.entering, .bool(geometry.entering))
        table.experimentIdentifiers = Dictionary(uniqueKeysWithValues: experiments.enumerated().map { ($0.offset, $0.element.identifier) })
        return IndexingResult(experiments: ExperimentList(experiments), reflections: table, lattices: lattices,
                              maxCell: maxCell, searchDMin: searchDMin, beamCentreShift: shift,
                              candidateSummaries: summaries)
    }

    static func outliers(dx: [Double], dy: [Double], dphi: [Double], iqr: Double) -> [Int] {
        var out = Set<Int>()
        for column in [dx, dy, dphi] where column.count >= 8 {
            let a = column.map { abs($0) }.sorted()
            let q1 = a[a.count / 4], q3 = a[(3 * a.count) / 4]
            let limit = q3 + iqr * (q3 - q1)
            for (i, v) in column.enumerated() where abs(v) > limit { out.insert(i) }
        }
        return Array(out)
    }

    // MARK: helpers

    static func vector(_ m: MillerIndex) -> Vec3 { Vec3(Double(m.h), Double(m.k), Double(m.l)) }

    /// a, b, c (Å), α, β, γ (°) of the real cell of setting A.
    public static func cellParameters(_ setting: Mat3) -> [Double] {
        guard let c = Crystal(A: setting) else { return [0, 0, 0, 0, 0, 0] }
        let p = c.cellParameters
        return [p.a, p.b, p.c, p.alpha, p.beta, p.gamma]
    }

}

/// Results written by concurrent iterations, each to its own slot.
final class ConcurrentResults<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [T] { storage.compactMap { $0 } }
}
