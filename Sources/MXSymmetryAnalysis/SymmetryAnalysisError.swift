// SymmetryAnalysisError: why symmetry determination could not decide, in user sentences.

/// Failures of `mxflow symmetry`, each naming what to change.
public enum SymmetryAnalysisError: Error, Equatable, CustomStringConvertible {
    /// No crystal model in the experiment list.
    case noCrystal
    /// Too few usable reflections (after the integration flags, partiality
    /// and resolution cuts) to measure correlations.
    case tooFewReflections(usable: Int, needed: Int)
    /// The user's space group is not a subgroup of the lattice symmetry.
    case incompatibleSpaceGroup(given: String, lattice: String, possible: [String])
    /// A space group symbol not found in the symmetry table.
    case unknownSpaceGroup(String)
    /// No Miller indices, or neither summation nor profile-fitted intensities, in the table.
    case noIntensities

    public var description: String {
        switch self {
        case .noCrystal:
            return "the experiment list has no crystal model: run indexing and integration first"
        case .tooFewReflections(let n, let needed):
            return "only \(n) usable integrated reflections (at least \(needed) needed) to decide the symmetry: "
                + "integrate more images or to higher resolution, or give space_group= explicitly"
        case .incompatibleSpaceGroup(let g, let lattice, let possible):
            return "space group \(g) is incompatible with the lattice (lattice symmetry \(lattice)); "
                + "choose one whose Laue group is among: \(possible.joined(separator: ", ")) "
                + "(or re-index with a different cell)"
        case .unknownSpaceGroup(let s):
            return "unknown space group '\(s)': give a Hermann–Mauguin symbol such as P41212 or a number"
        case .noIntensities:
            return "the reflection table lacks miller_index or integrated intensities (intensity.sum.*/intensity.prf.*): "
                + "give integrated.refl, not strong.refl or indexed.refl"
        }
    }
}
