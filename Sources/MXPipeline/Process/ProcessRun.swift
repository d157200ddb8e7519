// ProcessRun: `mxflow process`, the decision graph over every step, run
// in-process. Each node reads the previous node's models, runs its step with
// the retry rules written out below, writes its files, and records what it
// decided and why. A node completed by an earlier run with the same inputs
// and parameters is resumed from its files instead of being run again.
import Dispatch
import Foundation
import MXFormats
import MXIndexing
import MXIntegration
import MXLogging
import MXMath
import MXModel
import MXRefinement
import MXScaling
import MXSpotFinding
import MXSymmetry
import MXSymmetryAnalysis

public final class ProcessRun {
    public struct Options: Sendable {
        public var inputs: [String]
        public var outputDir: String
        public var nproc: Int
        public var preset: PipelinePreset
        public var force = false
        public var dMin: Double?
        public var anomalous: Bool?
        public var spaceGroup: String?
        public var unitCell: [Double]?
        /// `<step>.<parameter>=value` given by the user, by step.
        public var stepParameters: [String: [String]] = [:]
        public init(inputs: [String], outputDir: String, nproc: Int, preset: PipelinePreset) {
            self.inputs = inputs; self.outputDir = outputDir; self.nproc = nproc; self.preset = preset
        }
    }

    public let options: Options
    let logger: Logger
    public private(set) var summary: ProcessSummary
    var checkpoints: ProcessCheckpoints
    /// Steps of an earlier run that may be resumed, with that run's summary.
    private var resumable: Set<String> = []
    private var previous: ProcessSummary?
    private var canResume = true
    private let started = DispatchTime.now()
    /// Where the per-sweep nodes write, relative to the output folder: "" for
    /// one sweep, "sweep_N" when several are processed.
    var sweepFolder = ""
    /// Plots come from the first sweep only.
    var recordsPlots = true
    /// Several sweeps: each must index as one lattice, in the first sweep's Bravais lattice.
    var referenceLattice: (lattice: BravaisLattice, cell: UnitCell)?
    var multiSweep = false
    /// Bytes mxflow.json holds while the run goes on (see writeSummary).
    var summaryReserve = 0

    /// Node names in order; a preset's stop_after names one of them.
    public static let nodes = ["import", "find_spots", "index", "refine", "integrate", "symmetry", "scale", "merge"]

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        summary = ProcessSummary(mxflowVersion: MXFlowVersion.string, status: "running", inputs: options.inputs,
                                 pipeline: options.preset.name, outputDir: options.outputDir)
        summary.timings.started = ISO8601DateFormatter().string(from: Date())
        checkpoints = ProcessCheckpoints(key: ProcessCheckpoints.key(options))
    }

    func path(_ name: String) -> String { options.outputDir + "/" + name }
    /// A per-sweep file, relative to the output folder.
    func sweepFile(_ name: String) -> String { sweepFolder.isEmpty ? name : sweepFolder + "/" + name }

    /// Runs the graph. Never throws: a failure is recorded in the summary
    /// (status "failed", the step and the reason), which is returned and written.
    @discardableResult
    public func run() -> ProcessSummary {
        prepareResume()
        writeSummary()
        var failedStep = "import"
        do {
            try runGraph(current: { failedStep = $0 })
            summary.status = "success"
        } catch {
            summary.status = "failed"
            var reason = String(describing: error)
            if reason.contains(String(cString: strerror(ENOSPC))) {
                reason += ". The disk holding \(options.outputDir) is full: free some space (or choose output_dir= elsewhere) "
                    + "and run the same command again; the steps already completed are resumed"
            }
            summary.failure = .init(step: failedStep, reason: reason)
            summary.steps.append(.init(name: failedStep, status: "failed", seconds: 0))
            logger.error("mxflow process failed at \(failedStep): \(error)")
        }
        summary.timings.totalSeconds = elapsedSeconds(since: started)
        summary.timings.finished = ISO8601DateFormatter().string(from: Date())
        writeSummary()
        return summary
    }

    // MARK: the graph

    private func runGraph(current: (String) -> Void) throws {
        let stop = options.preset.stopAfter
        guard Self.nodes.contains(stop) else {
            throw ProcessError.badPreset("stop_after '\(stop)' is not a step (\(Self.nodes.joined(separator: ", ")))")
        }
        func done(_ name: String) -> Bool { name == stop }

        current("import")
        let imported = try node("import", outputs: ["imported.expt"], load: {
            try ExperimentListCodec.read(path: self.path("imported.expt"))
        }, compute: {
            let list = try importImages(self.options.inputs)
            for (i, e) in list.experiments.enumerated() {
                self.logger.info("Sweep \(i): \(e.imageSet?.template ?? "?"), \(e.scan?.imageRange.count ?? 0) images")
            }
            try ExperimentListCodec.write(list, to: self.path("imported.expt"))
            return list
        })
        if done("import") { return }

        let integrated: (ExperimentList, ReflectionTable)
        var refined: (ExperimentList, ReflectionTable)?
        if imported.count > 1 {
            guard let combined = try runSweeps(imported, current: current) else { return }
            integrated = combined
        } else {
            guard let one = try runSweep(imported, current: current) else { return }
            integrated = one.integrated
            refined = one.refined
        }
        if done("integrate") { return }

        current("symmetry")
        let symmetrized = try node("symmetry", outputs: ["symmetrized.expt", "symmetrized.refl"], load: { try self.readPair("symmetrized") },
                           compute: { try self.symmetry(integrated.0, integrated: integrated.1, refined: refined) })
        if done("symmetry") { return }

        current("scale")
        let scaled = try node("scale", outputs: ["scaled.expt", "scaled.refl"], load: { try self.readPair("scaled") },
                           compute: { try self.scale(symmetrized.0, symmetrized: symmetrized.1) })
        if done("scale") { return }

        current("merge")
        try node("merge", outputs: ["merged.mtz", "scaled_unmerged.mtz"], load: {
            if self.summary.result == nil {
                try self.merge(scaled.0, scaled: scaled.1)
            }
        }, compute: { try self.merge(scaled.0, scaled: scaled.1) })
    }

    /// One sweep from spot finding to integration, in `sweepFolder`; nil when
    /// the preset stops before integration is done.
    func runSweep(_ imported: ExperimentList, current: (String) -> Void)
        throws -> (refined: (ExperimentList, ReflectionTable), integrated: (ExperimentList, ReflectionTable))? {
        let stop = options.preset.stopAfter
        func name(_ step: String) -> String { sweepFile(step) }
        current(name("find_spots"))
        let strong = try node(name("find_spots"), outputs: [sweepFile("strong.refl")], load: {
            try ReflectionTableCodec.read(path: self.path(self.sweepFile("strong.refl")))
        }, compute: { try self.findSpots(imported) })
        if stop == "find_spots" { return nil }

        current(name("index"))
        let indexed = try node(name("index"), outputs: [sweepFile("indexed.expt"), sweepFile("indexed.refl")],
                               load: { try self.readPair(self.sweepFile("indexed")) },
                               compute: { try self.index(imported, strong: strong) })
        if stop == "index" {
            try screeningSummary(indexed.0, indexed: indexed.1, strong: strong)
            return nil
        }

        current(name("refine"))
        let refined = try node(name("refine"), outputs: [sweepFile("refined.expt"), sweepFile("refined.refl")],
                               load: { try self.readPair(self.sweepFile("refined")) },
                               compute: { try self.chooseLatticeAndRefine(indexed.0, indexed: indexed.1) })
        if stop == "refine" { return nil }

        current(name("integrate"))
        let integrated = try node(name("integrate"), outputs: [sweepFile("integrated.expt"), sweepFile("integrated.refl")],
                                  load: { try self.readPair(self.sweepFile("integrated")) },
                                  compute: { try self.integrate(refined.0, refined: refined.1) })
        return (refined, integrated)
    }

    // MARK: nodes

    /// Spot finding; too few spots → lower sigma_strong in turn.
    func findSpots(_ list: ExperimentList) throws -> ReflectionTable {
        var set = try parameterSet("find_spots", SpotFindingParameterDefinitions.all, extra: ["spotfinder.mp.nproc=\(options.nproc)"])
        var (table, frames) = try FindSpotsStep.run(list, parameters: SpotFindingParameterDefinitions.parameters(from: set),
                                                    logger: logger)
        let minimum = options.preset.spotFinding.minSpots
        for sigma in options.preset.spotFinding.retrySigmaStrong where table.count < minimum {
            decide(sweepFile("find_spots"), "retry with sigma_strong=\(sigma)",
                   "\(table.count) strong spots found, fewer than the \(minimum) indexing needs")
            try set.set("spotfinder.threshold.dispersion.sigma_strong", String(sigma))
            (table, frames) = try FindSpotsStep.run(list, parameters: SpotFindingParameterDefinitions.parameters(from: set),
                                                    logger: logger)
        }
        if table.count == 0 { throw ProcessError.noSpots }
        let first = list.experiments.first?.scan?.imageRange.lowerBound ?? 1
        if recordsPlots { summary.plots.spotsPerImage = (frames.first ?? []).map { .init(image: first + $0.image, value: Double($0.spots)) } }
        try ReflectionTableCodec.write(table, path: path(sweepFile("strong.refl")))
        return table
    }

    /// The first lattice after the first whose setting is no rotation of the
    /// first's (another cell, not another orientation), or nil.
    static func latticeOfAnotherMetric(_ settings: [Mat3]) -> Int? {
        guard let first = settings.first else { return nil }
        return settings.indices.dropFirst().first { LatticeComparison.rotation(from: first, to: settings[$0]) == nil }
    }

    /// The strong spots less those piled up on ice rings (`IceRingSpots`),
    /// which index on no lattice; strong.refl keeps them.
    func indexableSpots(_ imported: ExperimentList, strong: ReflectionTable) -> ReflectionTable {
        guard let experiment = imported.experiments.first, imported.experiments.count == 1 else { return strong }
        let dStarSquared = spotResolutions(strong, experiment: experiment).map { 1 / ($0 * $0) }
        let bands = IceRingSpots.bands(dStarSquared: dStarSquared)
        guard !bands.isEmpty, dStarSquared.count == strong.count else { return strong }
        let keep = dStarSquared.map { s in !bands.contains { s >= $0.low && s < $0.high } }
        let left = keep.filter { !$0 }.count
        decide(sweepFile("index"), "index without the \(left) spots on ice rings",
               "of \(strong.count) strong spots, " + bands.map {
                   String(format: "%d lie within %.4f Å⁻² of the %.2f Å ice ring (%.0f× the density beside it)",
                          $0.spots, ($0.high - $0.low) / 2, $0.d, $0.excess)
               }.joined(separator: ", "))
        return strong.select(keep)
    }

    /// Indexing with the retry rules: beam-centre search, further lattices,
    /// larger maximum cells; the attempt indexing most spots wins.
    func index(_ imported: ExperimentList, strong found: ReflectionTable) throws -> (ExperimentList, ReflectionTable) {
        let strong = indexableSpots(imported, strong: found)
        let set = try parameterSet("index", IndexingParameterDefinitions.all, extra: ["indexing.nproc=\(options.nproc)"])
        var base = IndexingParameterDefinitions.parameters(from: set)
        if let symbol = options.spaceGroup { base.spaceGroupHall = try SpaceGroup(symbol).hall }
        if let cell = options.unitCell { base.unitCell = cell }
        let rules = options.preset.indexing
        var best: IndexingResult?
        var bestFraction = 0.0
        var failures: [String] = []
        var list = imported
        /// Positional RMSD of the first lattice, px.
        func rmsd(_ r: IndexingResult?) -> Double {
            guard let l = r?.lattices.first else { return .infinity }
            return (l.rmsd.x * l.rmsd.x + l.rmsd.y * l.rmsd.y).squareRoot()
        }
        /// `byFit`: a solution also wins on the indexer's own terms (the fraction weighted twice, the
        /// fit once), so a closer fit of slightly fewer spots beats a distorted lattice.
        @discardableResult
        func attempt(_ label: String, _ p: IndexingParameters, _ l: ExperimentList, continuing: IndexingResult? = nil,
                     byFit: Bool = false) -> Bool {
            do {
                let r = try IndexStep.run(l, strong: strong, parameters: p, continuing: continuing, logger: logger)
                let f = IndexStep.indexedFraction(r)
                logger.info(String(format: "Indexing attempt (%@): %.1f%% of spots indexed in %d lattice(s), rmsd %.2f px",
                                   label, 100 * f, r.lattices.count, rmsd(r)))
                let fitWins = byFit && f > 0 && best != nil
                    && 2 * log2(bestFraction / f) + log2(max(rmsd(r), 1e-3) / max(rmsd(best), 1e-3)) < 0
                if f > bestFraction || fitWins { best = r; bestFraction = f; return true }
            } catch {
                failures.append("\(label): \(error)")
                logger.info("Indexing attempt (\(label)) failed: \(error)")
            }
            return false
        }
        func satisfied() -> Bool { best != nil && bestFraction >= rules.minIndexedFraction }
        func evidence() -> String {
            best == nil ? "no lattice found (\(failures.last ?? "?"))"
                : String(format: "only %.0f%% of the spots indexed (goal %.0f%%)", 100 * bestFraction, 100 * rules.minIndexedFraction)
        }

        attempt("defaults", base, list)
        // The beam-centre search starts by indexing from the header's centre with one lattice and the
        // shift refined: with such parameters, that is the attempt just made.
        let atHeaderCentre = base.maxLattices == 1 && base.refineBeamCentre ? best : nil
        let looseFit = best != nil && rmsd(best) > rules.beamCentreSearchRMSDPixels
        if (!satisfied() || looseFit) && rules.beamCentreSearch {
            let why = satisfied() ? String(format: "the lattice fits its spots to %.2f px only (goal %.1f px)",
                                           rmsd(best), rules.beamCentreSearchRMSDPixels) : evidence()
            do {
                let moved = try BeamCentreStep.run(list, strong: strong, parameters: base, atHeaderCentre: atHeaderCentre,
                                                   logger: logger)
                let shift = moved.search.shiftPx
                if max(abs(shift.x), abs(shift.y)) < rules.beamCentreMinShiftPixels {
                    // Indexing is deterministic: at (nearly) the same centre it would find the same lattice.
                    decide(sweepFile("index"), "keep the beam centre",
                           why + String(format: ", but the beam-centre search moved it by only %.2f, %.2f px (less than %.1f px)",
                                        shift.x, shift.y, rules.beamCentreMinShiftPixels))
                } else {
                    decide(sweepFile("index"), String(format: "search the beam centre (shift %.2f, %.2f mm) and index again",
                                           moved.search.shiftMm.x, moved.search.shiftMm.y), why)
                    if attempt("after beam-centre search", base, moved.list, byFit: true) { list = moved.list }
                }
            } catch {
                failures.append("beam-centre search: \(error)")
            }
        }
        var lattices = base.maxLattices
        while let b = best, 1 - bestFraction >= rules.secondLatticeUnindexedFraction,
              b.lattices.count >= lattices, lattices < rules.maxLatticesLimit, !multiSweep {
            lattices += 1
            decide(sweepFile("index"), "look for up to \(lattices) lattices",
                   String(format: "%.0f%% of the spots are unindexed after %d lattice(s)", 100 * (1 - bestFraction),
                          b.lattices.count))
            var p = base; p.maxLattices = lattices
            let before = (best?.lattices.count ?? 0, bestFraction)
            // `best` was indexed from `list`: keep its lattices and search the spots it left.
            attempt("max_lattices=\(lattices)", p, list, continuing: b)
            if best?.lattices.count == before.0 && bestFraction == before.1 { break }
            // One sample's lattices are one crystal form, rotated: a lattice of another metric (a
            // supercell fitted to overlapping spots, or a distorted fit) cannot be merged with the
            // first, whose indices it does not share.
            if let r = best, let k = Self.latticeOfAnotherMetric(r.lattices.map(\.crystal.A)) {
                let c = r.lattices[k].crystal.cellParameters
                decide(sweepFile("index"), "keep \(b.lattices.count) lattice(s)",
                       String(format: "the further lattice's cell %.1f %.1f %.1f %.1f %.1f %.1f is no rotation of lattice 1's, "
                              + "so its reflections could not be merged with lattice 1's", c.a, c.b, c.c, c.alpha, c.beta, c.gamma))
                best = b; bestFraction = before.1
                break
            }
        }
        if !satisfied() {
            let estimate = best?.maxCell
            for factor in rules.maxCellFactors where !satisfied() {
                guard let estimate else { break }
                var p = base; p.maxCell = estimate * factor
                decide(sweepFile("index"), String(format: "index with max_cell=%.0f Å", estimate * factor),
                       evidence() + String(format: " with the estimated max_cell %.0f Å", estimate))
                attempt(String(format: "max_cell=%.0f", estimate * factor), p, list)
            }
        }
        guard let result = best else {
            throw ProcessError.indexingFailed(failures)
        }
        if bestFraction < rules.minIndexedFraction {
            decide(sweepFile("index"), "continue with the best solution", evidence() + " after every retry")
        }
        let ids = result.reflections.ints(ReflectionTable.Name.id) ?? []
        if recordsPlots { summary.plots.indexing = .init(
            lattices: result.lattices.enumerated().map { l, lattice in
                .init(unitCell: cellArray(lattice.crystal), indexed: ids.filter { $0 == Int32(l) }.count)
            },
            unindexed: ids.filter { $0 < 0 }.count) }
        try ReflectionTableCodec.write(result.reflections, path: path(sweepFile("indexed.refl")))
        try ExperimentListCodec.write(result.experiments, to: path(sweepFile("indexed.expt")))
        return (result.experiments, result.reflections)
    }

    /// Bravais settings; the highest-symmetry recommended one is refined
    /// (static then scan-varying); a setting whose RMSD jumps is eliminated
    /// and the next taken, as xia2 does.
    func chooseLatticeAndRefine(_ indexed: ExperimentList,
                                indexed table: ReflectionTable) throws -> (ExperimentList, ReflectionTable) {
        let parameters = try RefinementParameterDefinitions.parameters(from: try refineParameterSet())
        var list = indexed, reflections = table
        if options.spaceGroup == nil && indexed.count == 1 {
            let solutions = try BravaisStep.run(indexed, indexed: table, maxDeltaDegrees: 5, nproc: options.nproc, logger: logger)
            let summaryJSON = try JSONSerialization.data(withJSONObject: BravaisStep.summary(solutions),
                                                         options: [.prettyPrinted, .sortedKeys])
            try AtomicFile.write(Array(summaryJSON), to: path(sweepFile("bravais_summary.json")))
            var candidates = solutions.filter(\.recommended).sorted { $0.number > $1.number }
            if let reference = referenceLattice {
                // Later sweeps take the first sweep's lattice, in the setting closest to its cell.
                candidates = solutions.filter { $0.setting.lattice == reference.lattice }.sorted {
                    Self.cellDistance($0.cell, reference.cell) < Self.cellDistance($1.cell, reference.cell)
                }
                guard !candidates.isEmpty else {
                    throw ProcessError.latticeMismatch(sweep: sweepFolder, lattice: reference.lattice.rawValue,
                                                       found: solutions.filter(\.recommended).map(\.setting.lattice.rawValue))
                }
            }
            let reference = triclinicYardstick(indexed, table, parameters: parameters)
            var chosen = false
            for s in candidates {
                let (l, r) = try BravaisStep.reindex(indexed, table, by: s.setting.changeOfBasis,
                                                     group: try SpaceGroup(s.setting.lattice.lowestSymmetrySpaceGroupSymbol),
                                                     logger: logger)
                guard let l else { continue }
                let run = try RefineStep.run(l, indexed: r, parameters: parameters, logger: logger)
                let rmsd = positionalRMSD(run.staticResult)
                if s.setting.lattice != .aP && referenceLattice == nil {
                    if let jump = rmsdJump(rmsd, from: try reference()) {
                        decide(sweepFile("refine"), "eliminate \(s.setting.lattice) (solution \(s.number))", "refined " + jump)
                        continue
                    }
                }
                decide(sweepFile("refine"), "lattice \(s.setting.lattice) (solution \(s.number), cb_op \(s.setting.changeOfBasis))",
                       String(format: "%@: metric fit %.2f°, RMSD %.3f mm%@",
                              referenceLattice == nil ? "highest-symmetry recommended setting" : "the lattice of sweep 1",
                              s.setting.maxDeltaDegrees, s.rmsd,
                              s.minCC.map { String(format: ", min CC %.2f", $0) } ?? ""))
                list = run.final.experiments; reflections = run.final.reflections
                record(run.final)
                chosen = true
                break
            }
            if !chosen {
                decide(sweepFile("refine"), "keep the triclinic lattice", "no recommended setting survived refinement")
                let run = try RefineStep.run(indexed, indexed: table, parameters: parameters, logger: logger)
                list = run.final.experiments; reflections = run.final.reflections
                record(run.final)
            }
        } else if options.spaceGroup == nil && indexed.count > 1 && referenceLattice == nil,
                  let run = try refineInCommonLattice(indexed, indexed: table, parameters: parameters) {
            list = run.final.experiments; reflections = run.final.reflections
            record(run.final)
        } else {
            let run = try RefineStep.run(indexed, indexed: table, parameters: parameters, logger: logger)
            list = run.final.experiments; reflections = run.final.reflections
            record(run.final)
        }
        try ReflectionTableCodec.write(reflections, path: path(sweepFile("refined.refl")))
        try ExperimentListCodec.write(list, to: path(sweepFile("refined.expt")))
        return (list, reflections)
    }

    func integrate(_ refined: ExperimentList, refined table: ReflectionTable) throws -> (ExperimentList, ReflectionTable) {
        var extra = ["nproc=\(options.nproc)"]
        if let d = options.dMin { extra.append("prediction.d_min=\(d)") }
        let set = try parameterSet("integrate", IntegrationParameterDefinitions.all, extra: extra)
        let result = try IntegrateStep.run(refined, refined: table,
                                           parameters: try IntegrationParameterDefinitions.parameters(from: set), logger: logger)
        try ReflectionTableCodec.write(result.reflections, path: path(sweepFile("integrated.refl")))
        try ExperimentListCodec.write(result.experiments, to: path(sweepFile("integrated.expt")))
        let ice = result.iceRings.flatMap { $0 }
        if !ice.isEmpty {
            let spacings = Set(ice.map(\.d)).sorted(by: >).map { String(format: "%.2f", $0) }.joined(separator: ", ")
            decide("integrate", "backgrounds across the ice rings follow the sweep's radial background profile",
                   "ice rings at \(spacings) Å stand "
                   + String(format: "%.1f–%.1f×", ice.map(\.excess).min()!, ice.map(\.excess).max()!)
                   + " above the background beside them; a constant background under their crests and flanks "
                   + "would bias the reflections there by several σ")
        }
        return (result.experiments, result.reflections)
    }

    /// Symmetry; a Laue group whose lattice differs from the refined one →
    /// re-refine and re-integrate in the new setting, then decide again.
    /// `refined` is nil for several sweeps: they are analysed together and
    /// only reindexed.
    func symmetry(_ integrated: ExperimentList, integrated table: ReflectionTable,
                  refined: (ExperimentList, ReflectionTable)?) throws -> (ExperimentList, ReflectionTable) {
        var extra: [String] = []
        if let g = options.spaceGroup { extra.append("space_group=\(g)") }
        let set = try parameterSet("symmetry", SymmetryParameterDefinitions.all, extra: extra)
        let parameters = SymmetryParameterDefinitions.parameters(from: set)
        var out = try SymmetryStep.run(integrated, integrated: excludingOverlapsBetweenLattices(integrated, table),
                                       parameters: parameters, allExperiments: refined == nil, logger: logger)
        let chosen = out.result.spaceGroup
        // A different crystal system means the refinement's lattice constraints were wrong;
        // another setting of the same lattice (I 2 → C 2) needs only the reindexing done above.
        if chosen.crystalSystem != out.inputGroup.crystalSystem, let refined {
            decide("symmetry", "re-refine and re-integrate in \(chosen.xHM) (cb_op \(out.result.changeOfBasis))",
                   "the intensities' Laue group \(out.result.chosenLaueClass.pattersonGroupName) differs from the indexed lattice (\(out.inputGroup.xHM))")
            let (l, r) = try BravaisStep.reindex(refined.0, refined.1, by: out.result.changeOfBasis, group: chosen,
                                                 logger: logger)
            if let l {
                let run = try RefineStep.run(l, indexed: r,
                                             parameters: try RefinementParameterDefinitions.parameters(from: try refineParameterSet()),
                                             logger: logger)
                record(run.final)
                let again = try integrate(run.final.experiments, refined: run.final.reflections)
                out = try SymmetryStep.run(again.0, integrated: excludingOverlapsBetweenLattices(again.0, again.1),
                                           parameters: parameters, logger: logger)
            }
        } else if chosen.crystalSystem != out.inputGroup.crystalSystem {
            decide("symmetry", "reindex every sweep into \(chosen.xHM) (cb_op \(out.result.changeOfBasis)) without re-refining",
                   "the intensities' Laue group \(out.result.chosenLaueClass.pattersonGroupName) differs from the indexed lattice "
                   + "(\(out.inputGroup.xHM)); with several sweeps the refinements keep the indexed lattice's constraints")
        }
        decide("symmetry", "space group \(out.result.spaceGroup.xHM)",
               String(format: "Laue group %@ with likelihood %.3f (confidence %.3f)%@",
                      out.result.chosenLaueClass.pattersonGroupName, out.result.chosenLaueClass.likelihood,
                      out.result.laue.confidence, out.result.userImposed ? "; imposed by space_group=" : ""))
        try ReflectionTableCodec.write(out.reflections, path: path("symmetrized.refl"))
        try ExperimentListCodec.write(out.experiments, to: path("symmetrized.expt"))
        return (out.experiments, out.reflections)
    }

    /// The table with reflections that overlap another lattice's spots
    /// marked user_excluded_in_scaling (symmetry and scaling leave them out),
    /// logged as a decision when there are any.
    func excludingOverlapsBetweenLattices(_ list: ExperimentList, _ table: ReflectionTable,
                                          step: String = "symmetry") -> ReflectionTable {
        var table = table
        let excluded = ScaleStep.excludeOverlapsBetweenLattices(list, &table)
        if excluded > 0 {
            decide(step, "leave out \(excluded) reflections whose spots overlap another's from symmetry analysis and scaling",
                   "several lattices on the same images: their overlapped_fg reflections share photons with the other lattice's spots")
        }
        return table
    }

    /// Scaling at the data's limit, the CC½ resolution estimate, and a rescale
    /// at the estimate when it differs materially.
    func scale(_ symmetrized: ExperimentList, symmetrized table: ReflectionTable) throws -> (ExperimentList, ReflectionTable) {
        var extra = ["nproc=\(options.nproc)"]
        if let a = options.anomalous { extra.append("anomalous=\(a ? "True" : "False")") }
        if let d = options.dMin { extra.append("d_min=\(d)") }
        var set = try parameterSet("scale", ScalingParameterDefinitions.all, extra: extra)
        // symmetry() marked them already; a resumed older run may not have.
        let table = excludingOverlapsBetweenLattices(symmetrized, table, step: "scale")
        var out = try ScaleStep.run(symmetrized, integrated: table, set: set, logger: logger)
        let rules = options.preset.resolution
        if options.dMin == nil && rules.ccHalf > 0 {
            var rset = ParameterSet(MergingParameterDefinitions.estimateResolution)
            try rset.set("cc_half", String(rules.ccHalf))
            let estimate = try ResolutionStep.run(symmetrized, scaled: out.reflections, set: rset, logger: logger)
            let current = out.statistics.overall.dMin
            if let e = estimate.ccHalf {
                summary.plots.resolutionFit = .init(dStarSquared: e.dStarSquared, observed: e.observed, fitted: e.fitted,
                                                    limit: rules.ccHalf, dMin: e.dMin)
            }
            if let d = estimate.ccHalf?.dMin, d - current > rules.rescaleThreshold {
                decide("scale", String(format: "rescale with d_min=%.2f Å", d),
                       String(format: "CC½ falls to %.2f at %.2f Å; the data extend to %.2f Å", rules.ccHalf, d, current))
                try set.set("d_min", String(format: "%.3f", d))
                out = try ScaleStep.run(symmetrized, integrated: table, set: set, logger: logger)
            } else {
                decide("scale", String(format: "keep the resolution limit %.2f Å", current),
                       estimate.ccHalf?.dMin.map { String(format: "CC½ = %.2f is reached at %.2f Å, within %.2f Å of the data's limit",
                                                          rules.ccHalf, $0, rules.rescaleThreshold) }
                       ?? "CC½ stays above \(rules.ccHalf) to the edge of the data")
            }
        }
        recordScales(out.models, list: symmetrized)
        try ReflectionTableCodec.write(out.reflections, path: path("scaled.refl"))
        try AtomicFile.write(try out.experimentsText(symmetrized), to: path("scaled.expt"))
        return (symmetrized, out.reflections)
    }

    func merge(_ scaled: ExperimentList, scaled table: ReflectionTable) throws {
        var extra: [String] = []
        if let a = options.anomalous { extra.append("anomalous=\(a ? "True" : "False")") }
        let set = try parameterSet("merge", MergingParameterDefinitions.merge, extra: extra)
        let out = try MergeStep.run(scaled, scaled: table, set: set, logger: logger)
        try MTZWriter.write(out.merged, to: path("merged.mtz"))
        let unmerged = try MergeStep.unmerged(scaled, scaled: table, partialityThreshold: set.double("partiality_threshold") ?? 0.4)
        try MTZWriter.write(unmerged, to: path("scaled_unmerged.mtz"))
        logger.info("Wrote \(out.merged.reflectionCount) merged reflections to \(path("merged.mtz")) and "
                    + "\(unmerged.reflectionCount) unmerged observations to \(path("scaled_unmerged.mtz"))")
        summary.files.mergedMtz = "merged.mtz"
        summary.files.unmergedMtz = "scaled_unmerged.mtz"
        summary.files.experiments = "scaled.expt"
        summary.files.reflections = "scaled.refl"
        let stats = out.statistics
        let anomalousStats = MergingStatistics(out.data, bins: stats.shells.count, binningMethod: .volume, anomalous: true)
        let crystal = scaled.experiments.first?.crystal
        let anomalous = options.anomalous ?? (set.bool("anomalous") ?? false)
        summary.result = .init(
            spaceGroup: out.data.spaceGroup.xHM, spaceGroupNumber: out.data.spaceGroup.number,
            unitCell: crystal.map(cellArray) ?? [], dMin: stats.overall.dMin, dMax: stats.overall.dMax,
            anomalous: anomalous, overall: shell(stats.overall, anomalousStats.overall),
            inner: shell(stats.innerShell, anomalousStats.innerShell), outer: shell(stats.outerShell, anomalousStats.outerShell),
            shells: zip(stats.shells, anomalousStats.shells).map { shell($0.0, $0.1) },
            wavelength: scaled.experiments.first?.beam.wavelength ?? 0)
        summary.plots.wilson = stats.shells.compactMap { s in
            let dMid = 2 / (1 / s.dMax + 1 / s.dMin)
            guard s.meanIntensity > 0, dMid.isFinite else { return nil }
            return .init(x: 1 / (dMid * dMid), y: log(s.meanIntensity))
        }
    }

    /// Screening: the lattice the Bravais table recommends and the spots'
    /// resolution, instead of integration.
    func screeningSummary(_ indexed: ExperimentList, indexed table: ReflectionTable, strong: ReflectionTable) throws {
        let solutions = try BravaisStep.run(indexed, indexed: table, maxDeltaDegrees: 5, nproc: options.nproc, logger: logger)
        if let best = solutions.filter(\.recommended).max(by: { $0.number < $1.number }) {
            let p = best.cell.parameters
            decide(sweepFile("index"), "screening result: lattice \(best.setting.lattice), cell "
                   + String(format: "%.2f %.2f %.2f %.1f %.1f %.1f", p[0], p[1], p[2], p[3], p[4], p[5]),
                   String(format: "highest-symmetry recommended Bravais setting (metric fit %.2f°, RMSD %.3f mm); chiral space groups: %@",
                          best.setting.maxDeltaDegrees, best.rmsd, best.setting.spaceGroupSymbol))
        }
    }

    // MARK: plumbing

    /// The node's value: resumed from its files when an earlier run completed
    /// it with the same key, otherwise computed and checkpointed.
    @discardableResult
    func node<T>(_ name: String, outputs: [String], load: () throws -> T, compute: () throws -> T) throws -> T {
        let fm = FileManager.default
        if canResume && resumable.contains(name) && outputs.allSatisfy({ fm.fileExists(atPath: path($0)) }) {
            let start = DispatchTime.now()
            let value = try load()
            logger.info("\n=== \(name): resumed from the files of an earlier run")
            summary.steps.append(.init(name: name, status: "resumed", seconds: elapsedSeconds(since: start)))
            checkpoints.completed.append(name)
            return value
        }
        canResume = false  // every later node depends on this one
        logger.info("\n=== \(name)")
        let start = DispatchTime.now()
        let value = try compute()
        let seconds = elapsedSeconds(since: start)
        summary.steps.append(.init(name: name, status: "done", seconds: seconds))
        logger.info(String(format: "=== %@ done in %.2f s", name, seconds))
        checkpoints.completed.append(name)
        writeSummary()
        do { try checkpoints.write(to: path(ProcessCheckpoints.fileName)) } catch {
            logger.warning("could not record the completed step in \(ProcessCheckpoints.fileName) (a rerun will redo it): \(error)")
        }
        return value
    }

    /// STEM.expt and STEM.refl of the output folder: a completed node's models.
    func readPair(_ stem: String) throws -> (ExperimentList, ReflectionTable) {
        (try ExperimentListCodec.read(path: path(stem + ".expt")), try ReflectionTableCodec.read(path: path(stem + ".refl")))
    }

    /// Loads an earlier run's checkpoints when their key matches this run's.
    func prepareResume() {
        let file = path(ProcessCheckpoints.fileName)
        if options.force {
            try? FileManager.default.removeItem(atPath: file)
            return
        }
        guard let old = ProcessCheckpoints.read(file), old.key == checkpoints.key,
              let data = FileManager.default.contents(atPath: path("mxflow.json")),
              let summaryBefore = try? ProcessSummary.decode(data) else { return }
        resumable = Set(old.completed)
        previous = summaryBefore
        checkpoints.completed = []
        // Decisions and plots of the nodes about to be resumed come from that run.
        summary.decisions = summaryBefore.decisions.filter { resumable.contains($0.step) }
        summary.plots = summaryBefore.plots
        if resumable.contains("merge") { summary.result = summaryBefore.result; summary.files = summaryBefore.files }
        logger.info("Resuming: an earlier run in \(options.outputDir) completed " + old.completed.joined(separator: ", ") + " with the same inputs and parameters (force=True redoes them)")
    }

    /// A step's parameter set: defaults, then the preset's values, then
    /// `extra` (process-level values), then the user's `<step>.` overrides.
    /// The refine step's parameters, refinement on process's nproc threads.
    func refineParameterSet() throws -> ParameterSet {
        try parameterSet("refine", RefinementParameterDefinitions.all, extra: ["refinement.mp.nproc=\(options.nproc)"])
    }

    func parameterSet(_ step: String, _ definitions: [ParameterDefinition], extra: [String] = []) throws -> ParameterSet {
        var set = ParameterSet(definitions)
        try set.parse(options.preset.parameters[step] ?? [])
        try set.parse(extra)
        try set.parse(options.stepParameters[step] ?? [])
        return set
    }

    func decide(_ step: String, _ decision: String, _ reason: String) {
        summary.decisions.append(.init(step: step, decision: decision, reason: reason))
        logger.info("Decision (\(step)): \(decision) — \(reason)")
    }

    func record(_ refinement: RefinementResult) {
        guard recordsPlots else { return }
        summary.plots.rmsdPerImage = ProcessPlots.rmsdPerImage(refinement.reflections, experiments: refinement.experiments)
    }

    func recordScales(_ models: [PhysicalScalingModel], list: ExperimentList) {
        guard let m = models.first, let scan = list.experiments.first?.scan else { return }
        summary.plots.scalePerImage = scan.imageRange.map { image in
            let phi = (scan.oscillationStartDegrees + (Double(image - scan.imageRange.lowerBound) + 0.5)
                       * scan.oscillationWidthDegrees)
            let s = m.scale.value(at: m.scale.coordinate(degrees: phi))
            let b = m.decay.map { $0.value(at: $0.coordinate(degrees: phi)) } ?? 0
            return .init(image: image, scale: s, b: b)
        }
    }

    func shell(_ s: ShellStatistics, _ a: ShellStatistics) -> ProcessSummary.Shell {
        .init(dMax: s.dMax, dMin: s.dMin, nObs: s.observations, nUnique: s.unique, multiplicity: s.multiplicity,
              completeness: s.completeness, iOverSigma: s.meanIOverSigma, rMerge: s.rMerge, rMeas: s.rMeas, rPim: s.rPim,
              ccHalf: s.ccHalf, ccAno: a.ccAnomalous, anomalousCompleteness: a.anomalousCompleteness,
              anomalousMultiplicity: a.anomalousMultiplicity)
    }

    /// Writes mxflow.json and mxflow.html (atomically; a failure to write
    /// them is logged, never fatal). While the run goes on, mxflow.json is
    /// padded with trailing spaces (still valid JSON): should the disk fill
    /// up, the final record of the failure is written in place into that
    /// reserve.
    func writeSummary() {
        summary.files.log = "mxflow.log"
        summary.files.html = "mxflow.html"
        let file = path("mxflow.json")
        do {
            let json = Array(try summary.jsonData())
            var padded = json
            if summary.status == "running" {
                summaryReserve = max(summaryReserve, 2 * json.count, 1 << 16)
                padded += [UInt8](repeating: 0x20, count: summaryReserve - json.count - 1) + [0x0A]
            }
            do {
                try AtomicFile.write(padded, to: file)
            } catch {
                try AtomicFile.overwriteInPlace(json, at: file)
                logger.warning("mxflow.json written in place into its reserve: \(error)")
            }
        } catch {
            logger.warning("could not write \(file): \(error)")
        }
        do {
            try AtomicFile.write(HTMLReport.render(summary), to: path("mxflow.html"))
        } catch {
            logger.warning("could not write \(path("mxflow.html")): \(error)")
        }
    }

    /// Largest relative difference of the cell lengths plus that of the angles (in radians).
    static func cellDistance(_ a: UnitCell, _ b: UnitCell) -> Double {
        let d = a.maxParameterDifference(b)
        return d.length / max(b.a, b.b, b.c) + d.angleDegrees * .pi / 180
    }

    /// The triclinic refinement's positional RMSD (px), the yardstick of an
    /// RMSD jump in the Bravais choice, refined on first use only.
    func triclinicYardstick(_ indexed: ExperimentList, _ table: ReflectionTable,
                            parameters: RefinementParameters) -> () throws -> Double {
        var cached: Double?
        return {
            if let r = cached { return r }
            let r = self.positionalRMSD(try RefineStep.run(indexed, indexed: table, parameters: parameters,
                                                           logger: Logger { _, m in self.logger.debug(m) }).staticResult)
            cached = r
            return r
        }
    }

    /// The evidence when a setting's refined RMSD jumps against the triclinic
    /// one by the preset's rule; nil when it does not.
    func rmsdJump(_ rmsd: Double, from triclinic: Double) -> String? {
        let rules = options.preset.bravais
        guard rmsd > rules.rmsdJumpFactor * triclinic && rmsd - triclinic > rules.rmsdJumpMinPixels else { return nil }
        return String(format: "RMSD %.3f px is more than %.1f× (and %.2f px above) the triclinic %.3f px",
                      rmsd, rules.rmsdJumpFactor, rules.rmsdJumpMinPixels, triclinic)
    }

    /// RMS of the x and y residuals (px) over every experiment's reflections.
    func positionalRMSD(_ r: RefinementResult) -> Double {
        let n = r.rmsds.reduce(0) { $0 + $1.count }
        guard n > 0 else { return .infinity }
        let sum = r.rmsds.reduce(0.0) { $0 + Double($1.count) * ($1.xPixel * $1.xPixel + $1.yPixel * $1.yPixel) }
        return (sum / Double(2 * n)).squareRoot()
    }
}

public enum ProcessError: Error, CustomStringConvertible {
    case badPreset(String)
    case noSpots
    case indexingFailed([String])
    case latticeMismatch(sweep: String, lattice: String, found: [String])
    public var description: String {
        switch self {
        case .badPreset(let why): return "the pipeline preset is not usable: \(why)"
        case .noSpots:
            return "no strong spots were found on any image, even at the lowest threshold; check the images hold diffraction (mxflow show) and the detector mask"
        case .indexingFailed(let tried):
            return "no lattice indexes the spots. Tried: " + tried.joined(separator: "; ")
                + ". Try find_spots.d_min= to drop ice or noise, index.max_cell=, or give unit_cell= and space_group="
        case .latticeMismatch(let sweep, let lattice, let found):
            return "\(sweep) has no Bravais setting of the first sweep's lattice \(lattice) (its recommended lattices: "
                + found.joined(separator: ", ") + "); are these sweeps of one crystal form? Process them separately, or give space_group= and unit_cell="
        }
    }
}

/// a, b, c, α, β, γ of a crystal as an array.
func cellArray(_ c: Crystal) -> [Double] {
    let p = c.cellParameters
    return [p.a, p.b, p.c, p.alpha, p.beta, p.gamma]
}
