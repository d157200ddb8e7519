// PipelinePreset: the tunable part of `mxflow process`'s decision graph —
// thresholds, retry limits, where to stop, and parameters for each step — as
// data. Presets live in pipelines/*.json; the default is compiled in too, so
// the binary works alone.
import Foundation

public struct PipelinePreset: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    /// The last step to run: "index" for screening, "merge" for everything.
    public var stopAfter: String
    public var spotFinding: SpotFinding
    public var indexing: Indexing
    public var bravais: Bravais
    public var resolution: Resolution
    /// key=value parameters for each step, by step name (find_spots, index,
    /// refine, integrate, symmetry, scale, merge), applied before the user's.
    public var parameters: [String: [String]]

    public struct SpotFinding: Codable, Sendable, Equatable {
        /// Fewer strong spots than this (per sweep) triggers a retry.
        public var minSpots: Int
        /// sigma_strong values tried in turn when too few spots are found.
        public var retrySigmaStrong: [Double]
    }

    public struct Indexing: Codable, Sendable, Equatable {
        /// A solution indexing fewer of the spots than this is retried.
        public var minIndexedFraction: Double
        public var beamCentreSearch: Bool
        /// A beam-centre search moving the centre by less than this (px, in
        /// x and y) leaves the indexing as it was; absent: half a pixel.
        public var beamCentreMinShift: Double?
        public var beamCentreMinShiftPixels: Double { beamCentreMinShift ?? 0.5 }
        /// A solution fitting its spots worse than this (positional RMSD, px)
        /// also triggers the beam-centre search: a centre millimetres off can
        /// still index most spots with a distorted lattice. Absent: 1.5 px.
        public var beamCentreSearchRmsd: Double?
        public var beamCentreSearchRMSDPixels: Double { beamCentreSearchRmsd ?? 1.5 }
        /// Most lattices to look for when many spots stay unindexed.
        public var maxLatticesLimit: Int
        /// Unindexed fraction above which a further lattice is sought.
        public var secondLatticeUnindexedFraction: Double
        /// Factors applied to the estimated maximum cell on the last retries.
        public var maxCellFactors: [Double]
    }

    public struct Bravais: Codable, Sendable, Equatable {
        /// A setting whose refined positional RMSD exceeds the triclinic one
        /// by this factor is eliminated and the next one taken.
        public var rmsdJumpFactor: Double
        /// ... and by at least this much (px), so near-perfect data do not
        /// eliminate the true lattice over hundredths of a pixel.
        public var rmsdJumpMinPixels: Double
    }

    public struct Resolution: Codable, Sendable, Equatable {
        /// CC½ at the resolution limit (0 turns the estimate off).
        public var ccHalf: Double
        /// Rescale at the estimated limit when it is further than this (Å)
        /// from the data's current high-resolution limit.
        public var rescaleThreshold: Double
    }

    /// Reads a preset from JSON (snake_case keys).
    public static func decode(_ data: Data) throws -> PipelinePreset {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(PipelinePreset.self, from: data)
    }

    /// The preset named `nameOrPath`: a path to a JSON file, a name found in
    /// `searchDirectories` as NAME.json, or "default" (compiled in).
    public static func load(_ nameOrPath: String, searchDirectories: [String]) throws -> PipelinePreset {
        let fm = FileManager.default
        var candidates: [String] = []
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") { candidates.append(nameOrPath) }
        candidates += searchDirectories.map { $0 + "/" + nameOrPath + ".json" }
        for path in candidates where fm.fileExists(atPath: path) {
            guard let data = fm.contents(atPath: path) else { throw PresetError.unreadable(path, "cannot be read") }
            do { return try decode(data) } catch {
                throw PresetError.unreadable(path, String(describing: error))
            }
        }
        if nameOrPath == "default" { return try decode(Data(defaultJSON.utf8)) }
        throw PresetError.notFound(nameOrPath, searched: searchDirectories)
    }

    /// pipelines/default.json, compiled in (a test keeps the two identical).
    public static let defaultJSON = """
    {
      "name": "default",
      "description": "Full processing: spots, indexing with retries, Bravais choice, static and scan-varying refinement, integration, symmetry, scaling at a CC1/2 = 0.3 resolution limit, merging.",
      "stop_after": "merge",
      "spot_finding": { "min_spots": 100, "retry_sigma_strong": [2.5, 2.0] },
      "indexing": {
        "min_indexed_fraction": 0.7,
        "beam_centre_search": true,
        "beam_centre_min_shift": 0.5,
        "max_lattices_limit": 3,
        "second_lattice_unindexed_fraction": 0.2,
        "max_cell_factors": [1.5, 2.0]
      },
      "bravais": { "rmsd_jump_factor": 1.5, "rmsd_jump_min_pixels": 0.1 },
      "resolution": { "cc_half": 0.3, "rescale_threshold": 0.05 },
      "parameters": {
        "scale": ["anomalous=False"]
      }
    }

    """
}

public enum PresetError: Error, CustomStringConvertible {
    case notFound(String, searched: [String])
    case unreadable(String, String)
    public var description: String {
        switch self {
        case .notFound(let n, let dirs):
            return "no pipeline preset '\(n)' (looked for \(n).json in \(dirs.joined(separator: ", "))); give a name from pipelines/ or a path to a .json file"
        case .unreadable(let p, let why): return "pipeline preset \(p) cannot be read: \(why)"
        }
    }
}
