// SymmetryDetermination: Laue group, then space group, then the reindexing of crystal and reflections into the chosen setting.
import MXLogging
import MXModel
import MXSymmetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings of symmetry determination (dials.symmetry's names and defaults).
public struct SymmetryParameters: Sendable {
    /// High-resolution limit (Å); nil: Auto, where binned ⟨I/σ⟩ first drops below `minMeanIOverSigma`.
    public var dMin: Double? = nil
    /// ⟨I/σ⟩ that sets the Auto resolution limit (dials: 4).
    public var minMeanIOverSigma = 4.0
    /// Le Page tolerance for the lattice group, degrees (dials: 2).
    public var latticeSymmetryMaxDelta = LatticeSymmetry.symmetryMaxDelta
    /// Observations below this partiality are left out (dials: 0.4).
    public var partialityThreshold = 0.4
    /// A space group the user imposes (skips the choice but keeps the tables).
    public var spaceGroup: String? = nil
    /// Test screw axes (dials: absences check on).
    public var checkAbsences = true
    /// Resolution shells for the normalisation.
    public var normalisationBins = 20
    /// Seed for the random unrelated pairs.
    public var seed: UInt64 = 230
    /// Fewest unique reflections to attempt a decision.
    public var minUniqueReflections = 50
    public init() {}
}

/// The outcome: analyses, the chosen group, and the change of basis.
public struct SymmetryResult: Sendable {
    public let laue: LaueGroupAnalysis
    /// The Laue-class candidate chosen (best, or the one matching the user's group).
    public let chosenLaueClass: LaueGroupCandidate
    public let absences: AbsenceAnalysis?
    /// The final space group, reference setting.
    public let spaceGroup: SpaceGroup
    /// Change of basis from the input indexing to the final setting.
    public let changeOfBasis: ChangeOfBasis
    /// The resolution limit used for the analysis (Å).
    public let dMin: Double
    /// Observations used and the source of their intensities.
    public let observations: Int
    public let userImposed: Bool
}

public enum SymmetryDetermination {
    /// Determines the symmetry of `observations` (indices on `cell`).
    /// - Throws: `SymmetryAnalysisError` for too little data or a user space
    ///   group the lattice cannot have.
    /// `centring` is the lattice centring of the input indexing (the
    /// crystal's space group letter): a centred cell is first made primitive.
    public static func determine(_ observations: [IntensityObservation], cell: UnitCell, centring: Character = "P",
                                 parameters: SymmetryParameters = SymmetryParameters(),
                                 table: SpaceGroupTable, logger: Logger) throws -> SymmetryResult {
        let toPrimitive = try primitiveBasis(centring)
        let reduction = try cell.changeBasis(toPrimitive).niggliReduction()
        let toReduced = reduction.changeOfBasis * toPrimitive
        let reducedCell = reduction.reducedCell
        let onReduced = IntensityObservation.reindexed(observations, by: toReduced)
        let dMin = parameters.dMin ?? autoResolution(onReduced, cell: reducedCell,
                                                      minMeanIOverSigma: parameters.minMeanIOverSigma)
        let limit = 1 / (dMin * dMin) * (1 + 1e-9)
        let selected = onReduced.filter { reducedCell.oneOverDSquared($0.miller) <= limit }
        let data = NormalisedIntensities(selected, cell: reducedCell, bins: parameters.normalisationBins)
        guard data.count >= parameters.minUniqueReflections else {
            throw SymmetryAnalysisError.tooFewReflections(usable: data.count, needed: parameters.minUniqueReflections)
        }
        logger.info(String(format: "Using %d observations (%d unique in P 1, Friedel pairs merged) with d ≥ %.2f Å; "
                           + "%d Wilson outliers (E² ≥ 16) left out",
                           selected.count, data.count, dMin, data.wilsonOutliers))
        let laue = try LaueGroupAnalysis.analyse(data, reducedCell: reducedCell, toReduced: toReduced,
                                                 maxDeltaDegrees: parameters.latticeSymmetryMaxDelta,
                                                 seed: parameters.seed, table: table)
        var chosen = laue.best
        var userGroup: SpaceGroup? = nil
        if let symbol = parameters.spaceGroup {
            guard let g = try? table.spaceGroup(symbol) else { throw SymmetryAnalysisError.unknownSpaceGroup(symbol) }
            let reference = try g.referenceSetting(table: table)
            let pattern = Set(reference.pointGroupRotations.map(\.rotation))
            guard let match = laue.candidates.first(where: {
                Set($0.spaceGroup.pointGroupRotations.map(\.rotation)) == pattern
                    && $0.spaceGroup.centringType == reference.centringType
            }) else {
                let possible = Array(Set(laue.candidates.map { $0.pattersonGroupName })).sorted()
                throw SymmetryAnalysisError.incompatibleSpaceGroup(
                    given: reference.xHM, lattice: laue.candidates.max { $0.rotations.count < $1.rotations.count }?
                        .pattersonGroupName ?? "P -1", possible: possible)
            }
            chosen = match
            userGroup = reference
        }
        // Absences: observations (all resolutions) in the chosen Laue class's reference setting.
        var absences: AbsenceAnalysis? = nil
        var group = userGroup ?? chosen.spaceGroup
        var cb = chosen.changeOfBasis
        if userGroup == nil && parameters.checkAbsences {
            let a = AbsenceAnalysis.analyse(IntensityObservation.reindexed(observations, by: cb), laueClass: chosen.spaceGroup, table: table)
            absences = a
            group = try a.best.referenceSetting(table: table)
            cb = a.best.changeOfBasisToReference * cb
        }
        if group.crystalSystem == .monoclinic {
            cb = bestMonoclinicBasis(group: group, cell: try cell.changeBasis(cb), table: table) * cb
        }
        return SymmetryResult(laue: laue, chosenLaueClass: chosen, absences: absences, spaceGroup: group,
                              changeOfBasis: cb, dMin: dMin, observations: selected.count,
                              userImposed: userGroup != nil)
    }

    /// The change of basis from a cell with centring `letter` to a primitive
    /// cell of the same lattice (the standard choices of ITfC A Table 5.1.3.1;
    /// R is the obverse hexagonal setting).
    /// - Throws: `SymmetryAnalysisError.unknownSpaceGroup` for an unknown letter.
    public static func primitiveBasis(_ letter: Character) throws -> ChangeOfBasis {
        let text: String
        switch letter {
        case "P": return .identity
        case "C": text = "1/2*a-1/2*b,1/2*a+1/2*b,c"
        case "A": text = "a,1/2*b-1/2*c,1/2*b+1/2*c"
        case "B": text = "1/2*a-1/2*c,b,1/2*a+1/2*c"
        case "I": text = "-1/2*a+1/2*b+1/2*c,1/2*a-1/2*b+1/2*c,1/2*a+1/2*b-1/2*c"
        case "F": text = "1/2*b+1/2*c,1/2*a+1/2*c,1/2*a+1/2*b"
        case "R", "H": text = "2/3*a+1/3*b+1/3*c,-1/3*a+1/3*b+1/3*c,-1/3*a-2/3*b+1/3*c"
        default: throw SymmetryAnalysisError.unknownSpaceGroup("centring \(letter)")
        }
        return try ChangeOfBasis(parsing: text)
    }

    /// For a monoclinic group in its reference (b-unique) setting on `cell`,
    /// the change of basis a′ = i·a + j·c, c′ = k·a + l·c (b kept, det 1) that
    /// keeps the group's operators and brings β nearest 90° (β ≥ 90°; the
    /// syminfo basis change from I 1 2 1 to C 1 2 1 can give β ≈ 157°).
    static func bestMonoclinicBasis(group: SpaceGroup, cell: UnitCell, table: SpaceGroupTable) -> ChangeOfBasis {
        var best: (score: (Double, Double), op: ChangeOfBasis) = ((abs(cell.betaDegrees - 90), cell.a + cell.c), .identity)
        for i in -2...2 { for j in -2...2 { for k in -2...2 { for l in -2...2 where i * l - j * k == 1 {
            guard let op = try? ChangeOfBasis(basisIntegers: [i, 0, k, 0, 1, 0, j, 0, l]),
                  let moved = try? group.changedBasis(op, table: table), moved.hall == group.hall,
                  let c = try? cell.changeBasis(op), c.betaDegrees >= 90 - 1e-6 else { continue }
            let score = (abs(c.betaDegrees - 90), c.a + c.c)
            if score < best.score { best = (score, op) }
        } } } }
        return best.op
    }

    /// dials.symmetry's Auto d_min, simplified: the high-resolution edge of the
    /// last of 20 equal-count shells (low resolution first) before ⟨I/σ⟩
    /// first drops below `minMeanIOverSigma`; all data if the first shell does.
    public static func autoResolution(_ observations: [IntensityObservation], cell: UnitCell,
                                      minMeanIOverSigma: Double) -> Double {
        let s = observations.map { cell.oneOverDSquared($0.miller) }.sorted()
        guard let last = s.last, last > 0 else { return 1 }
        let order = observations.indices.sorted { cell.oneOverDSquared(observations[$0].miller)
            < cell.oneOverDSquared(observations[$1].miller) }
        let bins = 20
        var edge = last
        for b in 0..<bins {
            let lo = b * order.count / bins, hi = (b + 1) * order.count / bins
            guard hi > lo else { continue }
            let mean = order[lo..<hi].reduce(0.0) {
                $0 + observations[$1].intensity / observations[$1].variance.squareRoot() } / Double(hi - lo)
            if mean < minMeanIOverSigma {
                edge = b == 0 ? last : s[lo - 1]
                break
            }
        }
        return 1 / edge.squareRoot()
    }

    /// `crystal` in the basis `changeOfBasis`, with space group `group`.
    public static func reindexed(_ crystal: Crystal, by changeOfBasis: ChangeOfBasis, group: SpaceGroup) throws -> Crystal {
        var p1 = crystal
        p1.spaceGroupHall = " P 1"
        var c = try p1.changedBasis(changeOfBasis)
        c.spaceGroupHall = group.hall
        return c
    }
}
