// BravaisSettingsRefinement: each Bravais setting of a triclinic indexing solution refined and scored, as dials.refine_bravais_settings does.
import Dispatch
import Foundation
import MXLogging
import MXMath
import MXModel
import MXSymmetry

/// One row of the Bravais settings table: a lattice symmetry, its refined
/// models and the evidence for it.
public struct BravaisSolution: Sendable {
    /// DIALS' solution number: 1 is the triclinic (aP) row, the highest number the top row.
    public var number: Int
    public var setting: BravaisSetting
    /// The experiments refined in this setting (crystal in the lattice's lowest space group).
    public var experiments: ExperimentList
    /// The reflections reindexed into this setting.
    public var reflections: ReflectionTable
    /// √(rmsd_x² + rmsd_y²) of the refined positions (mm), DIALS' "rmsd".
    public var rmsd: Double
    /// Smallest and largest correlation of symmetry-related I/σ(I) over the
    /// point-group operators other than the identity with more than 10 pairs; nil without them.
    public var minCC: Double?
    public var maxCC: Double?
    /// Pairs matched per operator (identity first).
    public var ccCounts: [Int]
    /// Reflections used in the final refinement.
    public var spotCount: Int
    public var recommended: Bool
    /// The refined cell of this setting.
    public var cell: UnitCell
}

/// What went wrong refining Bravais settings, in a user's words.
public enum BravaisSettingsError: Error, CustomStringConvertible, Equatable {
    case noCrystal
    case noIndexedReflections
    public var description: String {
        switch self {
        case .noCrystal: return "the experiment list has no crystal model: index the sweep first (mxflow index)"
        case .noIndexedReflections: return "the reflection table has no indexed reflections (no non-zero miller_index with id ≥ 0)"
        }
    }
}

/// dials.refine_bravais_settings for one indexed crystal.
public enum BravaisSettingsRefinement {
    /// Refines every Bravais setting of the first experiment's crystal within
    /// `maxDeltaDegrees` (Le Page δ): reindex crystal and spots by the
    /// setting's change of basis, impose the lattice's lowest space group
    /// with its idealised cell, refine (static; DIALS refines with 100
    /// reflections per degree and, when the spots carry
    /// `used_in_refinement`, only those with no further outlier rejection),
    /// then correlate I/σ of pairs related by the rotations of that space
    /// group (the lattice's lowest-symmetry group, e.g. P4 for tP, as DIALS does).
    /// Solutions come back in DIALS' table order (top row first) with the
    /// `recommended` flags of `dials.algorithms.indexing.bravais_settings`.
    /// `threads` settings are refined at once; the result does not depend on it.
    /// - Throws: `BravaisSettingsError`, `RefinementError`, `SymmetryError`.
    public static func run(experiments: ExperimentList, reflections: ReflectionTable,
                           maxDeltaDegrees: Double = LatticeSymmetry.refineBravaisSettingsMaxDelta,
                           parameters: RefinementParameters? = nil, threads: Int = 1,
                           logger: Logger = .silent) throws -> [BravaisSolution] {
        guard let first = experiments.experiments.first, let crystal = first.crystal else { throw BravaisSettingsError.noCrystal }
        guard let hkl = reflections.millerIndices(ReflectionTable.Name.millerIndex) else {
            throw BravaisSettingsError.noIndexedReflections
        }
        let ids = reflections.ints(ReflectionTable.Name.id) ?? Array(repeating: 0, count: reflections.count)
        let keep = (0..<reflections.count).map { ids[$0] == 0 && !hkl[$0].isZero }
        guard keep.contains(true) else { throw BravaisSettingsError.noIndexedReflections }
        var table = reflections.select(keep)
        // Refine from the spots indexing refined against, as DIALS does.
        var params = parameters ?? {
            var p = RefinementParameters()
            p.reflectionsPerDegree = 100
            return p
        }()
        let used = table.hasFlags(.usedInRefinement)
        if parameters == nil {
            if used.contains(true) {
                table = table.select(used)
                params.outlierAlgorithm = .none
            } else {
                params.outlierAlgorithm = .tukey
                params.iqrMultiplier = 3
            }
        }
        let cell = try UnitCell(crystal: crystal)
        let settings = try LatticeSymmetry.bravaisSettings(of: cell, maxDeltaDegrees: maxDeltaDegrees, ordering: .dials)
        // Each setting is refined on its own (threads share nothing but the inputs); logged in order after.
        func solve(_ row: Int) -> Result<(BravaisSolution, String), Error> {
            Result {
                let setting = settings[row]
                let reindexedCrystal = try crystal.inBravaisSetting(setting)
                let reindexed = try reindex(table, by: setting.changeOfBasis)
                var exp = first
                exp.crystal = reindexedCrystal
                let result = try refine(experiments: ExperimentList([exp]), reflections: reindexed, parameters: params)
                let r = result.rmsds.first
                let rmsd = r.map { ($0.xMillimetre * $0.xMillimetre + $0.yMillimetre * $0.yMillimetre).squareRoot() } ?? .nan
                let refinedCrystal = result.experiments.experiments[0].crystal ?? reindexedCrystal
                let refinedCell = try UnitCell(crystal: refinedCrystal)
                // DIALS correlates over the rotations of the imposed space group (its smx), identity first.
                var rotations: [LatticeRotation] = [SymmetryOperation.identity.rotation]
                for op in try setting.spaceGroup().operations where !rotations.contains(op.rotation) { rotations.append(op.rotation) }
                let cc = symmetryCorrelations(reindexed, rotations: rotations)
                let useful = zip(cc.values, cc.counts).dropFirst().filter { $0.1 > 10 }.map(\.0)
                let solution = BravaisSolution(number: settings.count - row, setting: setting,
                                               experiments: result.experiments, reflections: reindexed,
                                               rmsd: rmsd, minCC: useful.min(), maxCC: useful.max(),
                                               ccCounts: cc.counts, spotCount: r?.count ?? 0,
                                               recommended: true, cell: refinedCell)
                return (solution, "Bravais setting \(setting.lattice) (\(setting.changeOfBasis)): rmsd "
                        + String(format: "%.5f", rmsd) + " mm")
            }
        }
        let outcomes = UnsafeMutableBufferPointer<Result<(BravaisSolution, String), Error>?>.allocate(capacity: settings.count)
        outcomes.initialize(repeating: nil)
        defer { outcomes.deinitialize(); outcomes.deallocate() }
        if threads > 1 && settings.count > 1 {
            // The largest settings (triclinic last in DIALS' order) take longest: start from the end.
            DispatchQueue.concurrentPerform(iterations: settings.count) { k in
                let row = settings.count - 1 - k
                outcomes[row] = solve(row)
            }
        } else {
            for row in settings.indices { outcomes[row] = solve(row) }
        }
        var solutions: [BravaisSolution] = []
        for outcome in outcomes {
            let (solution, line) = try outcome!.get()
            logger.debug(line)
            solutions.append(solution)
        }
        markRecommended(&solutions)
        return solutions
    }

    /// DIALS' heuristics (`bravais_settings.py`, `identify_likely_solutions`):
    /// against the triclinic rmsd r₁, a setting is not recommended when
    /// (δ < 0.5° and (min CC < 0.5 or none) and rmsd > 1.5·r₁), or
    /// ((min CC < 0.7 or none) and rmsd > 2·r₁), or rmsd > 3·r₁.
    public static func markRecommended(_ solutions: inout [BravaisSolution]) {
        guard let p1 = solutions.first(where: { $0.setting.lattice == .aP })?.rmsd else { return }
        for i in solutions.indices {
            let s = solutions[i]
            let weakCC = { (limit: Double) in s.minCC.map { $0 < limit } ?? true }
            if s.setting.maxDeltaDegrees < 0.5 && weakCC(0.5) && s.rmsd > 1.5 * p1 {
                solutions[i].recommended = false
            } else if weakCC(0.7) && s.rmsd > 2 * p1 {
                solutions[i].recommended = false
            } else if s.rmsd > 3 * p1 {
                solutions[i].recommended = false
            } else if !s.rmsd.isFinite {
                solutions[i].recommended = false
            }
        }
    }

    /// The table with Miller indices h′ = h·P (rows whose index is not
    /// integral in the new basis become unindexed: (0,0,0), no `indexed` flag).
    /// - Throws: `BravaisSettingsError.noIndexedReflections` without a miller_index column.
    public static func reindex(_ table: ReflectionTable, by op: ChangeOfBasis) throws -> ReflectionTable {
        guard let hkl = table.millerIndices(ReflectionTable.Name.millerIndex) else {
            throw BravaisSettingsError.noIndexedReflections
        }
        var out = table
        var lost = Array(repeating: false, count: table.count)
        let moved: [MillerIndex] = hkl.enumerated().map { i, m in
            guard !m.isZero else { return m }
            guard let n = op.apply(to: Miller(Int(m.h), Int(m.k), Int(m.l))) else {
                lost[i] = true
                return MillerIndex(0, 0, 0)
            }
            return MillerIndex(n.h, n.k, n.l)
        }
        out.set(ReflectionTable.Name.millerIndex, .miller(moved))
        if lost.contains(true), table.contains(ReflectionTable.Name.flags) {
            var flags = out.flags
            for i in lost.indices where lost[i] { flags[i].remove([.indexed, .usedInRefinement]) }
            out.flags = flags
        }
        return out
    }

    /// Correlation of I/σ(I) (summed intensities, positive variance) between
    /// reflections h and h·R for each rotation R (fractional, x′ = R·x, so
    /// Miller indices transform as rows: h′ = h·R), as DIALS'
    /// `get_symop_correlation_coefficients` without binning. Repeated
    /// observations of one index are averaged first. Identity first.
    public static func symmetryCorrelations(_ table: ReflectionTable, rotations: [LatticeRotation]) -> (values: [Double], counts: [Int]) {
        guard let hkl = table.millerIndices(ReflectionTable.Name.millerIndex),
              let i = table.doubles(ReflectionTable.Name.intensitySumValue),
              let v = table.doubles(ReflectionTable.Name.intensitySumVariance) else {
            return (rotations.map { _ in .nan }, rotations.map { _ in 0 })
        }
        var sums: [MillerIndex: (Double, Int)] = [:]
        for k in hkl.indices where !hkl[k].isZero && v[k] > 0 {
            let z = i[k] / v[k].squareRoot()
            let old = sums[hkl[k]] ?? (0, 0)
            sums[hkl[k]] = (old.0 + z, old.1 + 1)
        }
        let mean = sums.mapValues { $0.0 / Double($0.1) }
        var values: [Double] = [], counts: [Int] = []
        for r in rotations {
            var x: [Double] = [], y: [Double] = []
            for (h, value) in mean {
                let hh = [Int(h.h), Int(h.k), Int(h.l)]
                let t = (0..<3).map { j in hh[0] * r[j] + hh[1] * r[3 + j] + hh[2] * r[6 + j] }
                let m = MillerIndex(t[0], t[1], t[2])
                if let other = mean[m] { x.append(value); y.append(other) }
            }
            values.append(pearson(x, y))
            counts.append(x.count)
        }
        return (values, counts)
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for k in x.indices {
            sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx); syy += (y[k] - my) * (y[k] - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }
}
