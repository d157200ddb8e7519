// IndexingError: why indexing stopped, in sentences that say what was tried and what to change.

/// A failure of indexing, rendered as one sentence naming what was tried and
/// what the user might change.
public enum IndexingError: Error, Equatable, CustomStringConvertible {
    case noExperiments
    case missingColumn(String)
    case tooFewSpots(found: Int, needed: Int)
    case noLatticeFound(spots: Int, maxCell: Double, dMin: Double, methods: [String], bestFraction: Double)
    case cellDoesNotFit(given: [Double], found: [Double])
    /// No Bravais setting of the lattice found within `maxDeltaDegrees` is the
    /// group's `lattice`; `available` lists those there are (e.g. "mC (δ 0.3°)").
    case symmetryDoesNotFit(spaceGroup: String, lattice: String, found: [Double], maxDeltaDegrees: Double, available: [String])

    public var description: String {
        switch self {
        case .noExperiments:
            return "the experiment list holds no experiments"
        case .missingColumn(let c):
            return "the reflection table has no '\(c)' column (is it a strong.refl from find-spots?)"
        case .tooFewSpots(let n, let need):
            return "only \(n) strong spots to index, at least \(need) are needed; find more spots "
                + "(lower spotfinder.threshold.dispersion.sigma_strong, check the image range) and try again"
        case .noLatticeFound(let spots, let maxCell, let dMin, let methods, let best):
            return String(format: "no lattice found from %d spots (tried %@ with max_cell=%.1f Å, d_min=%.2f Å; "
                            + "the best candidate indexed %.0f%% of the spots). Try a larger or smaller max_cell=, "
                            + "a lower-resolution d_min=, or check the beam centre in the image header",
                          spots, methods.joined(separator: " and "), maxCell, dMin, 100 * best)
        case .cellDoesNotFit(let given, let found):
            func f(_ c: [Double]) -> String { c.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
            return "the unit cell given (\(f(given))) does not fit the lattice found (reduced cell \(f(found))) "
                + "within 10% in lengths and 5° in angles; check unit_cell= and space_group=, or leave them out"
        case .symmetryDoesNotFit(let g, let lattice, let found, let delta, let available):
            let others = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "space group \(g) needs lattice type \(lattice), but the lattice found (cell "
                + found.map { String(format: "%.2f", $0) }.joined(separator: ", ")
                + ") has no \(lattice) setting within δ " + String(format: "%.1f°", delta) + " (its settings there: \(others)); "
                + "check space_group= (or give unit_cell= too), or leave it out and choose a setting after indexing "
                + "(mxflow refine-bravais-settings)"
        }
    }
}
