// ProcessSummary: everything `mxflow process` reports about a run, as one
// value. It is written as mxflow.json (for machines: LIMS, beamline hooks,
// `mxflow batch`) and rendered as mxflow.html (for people).
import Foundation

/// The record of one run of the decision graph. Field names in JSON are the
/// snake_case forms of these names.
public struct ProcessSummary: Codable, Sendable, Equatable {
    public var mxflowVersion: String
    /// "success", "failed" or "running" (written while the run goes on).
    public var status: String
    public var failure: Failure?
    public var inputs: [String]
    public var pipeline: String
    public var outputDir: String
    public var decisions: [Decision] = []
    public var steps: [StepRecord] = []
    public var result: Result?
    public var plots = Plots()
    public var files = Files()
    public var timings = Timings()

    public init(mxflowVersion: String, status: String, inputs: [String], pipeline: String, outputDir: String) {
        self.mxflowVersion = mxflowVersion; self.status = status; self.inputs = inputs
        self.pipeline = pipeline; self.outputDir = outputDir
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var step: String
        public var reason: String
        public init(step: String, reason: String) { self.step = step; self.reason = reason }
    }

    /// One choice the graph made, with the evidence for it.
    public struct Decision: Codable, Sendable, Equatable {
        public var step: String
        public var decision: String
        public var reason: String
        public init(step: String, decision: String, reason: String) {
            self.step = step; self.decision = decision; self.reason = reason
        }
    }

    public struct StepRecord: Codable, Sendable, Equatable {
        public var name: String
        /// "done", "resumed" (taken from an earlier run), "failed", "skipped".
        public var status: String
        public var seconds: Double
        public init(name: String, status: String, seconds: Double) {
            self.name = name; self.status = status; self.seconds = seconds
        }
    }

    /// Merging statistics of one resolution shell (or all data).
    public struct Shell: Codable, Sendable, Equatable {
        public var dMax: Double
        public var dMin: Double
        public var nObs: Int
        public var nUnique: Int
        public var multiplicity: Double
        public var completeness: Double
        public var iOverSigma: Double
        public var rMerge: Double
        public var rMeas: Double
        public var rPim: Double
        public var ccHalf: Double
        public var ccAno: Double
        public var anomalousCompleteness: Double
        public var anomalousMultiplicity: Double
        public init(dMax: Double, dMin: Double, nObs: Int, nUnique: Int, multiplicity: Double, completeness: Double,
                    iOverSigma: Double, rMerge: Double, rMeas: Double, rPim: Double, ccHalf: Double, ccAno: Double,
                    anomalousCompleteness: Double, anomalousMultiplicity: Double) {
            self.dMax = dMax; self.dMin = dMin; self.nObs = nObs; self.nUnique = nUnique
            self.multiplicity = multiplicity; self.completeness = completeness; self.iOverSigma = iOverSigma
            self.rMerge = rMerge; self.rMeas = rMeas; self.rPim = rPim; self.ccHalf = ccHalf; self.ccAno = ccAno
            self.anomalousCompleteness = anomalousCompleteness; self.anomalousMultiplicity = anomalousMultiplicity
        }
    }

    /// The crystallographer's answer.
    public struct Result: Codable, Sendable, Equatable {
        /// Hermann–Mauguin symbol, e.g. "P 41 21 2".
        public var spaceGroup: String
        public var spaceGroupNumber: Int
        public var unitCell: [Double]
        public var dMin: Double
        public var dMax: Double
        public var anomalous: Bool
        public var overall: Shell
        public var inner: Shell
        public var outer: Shell
        public var shells: [Shell]
        public var wavelength: Double
        public init(spaceGroup: String, spaceGroupNumber: Int, unitCell: [Double], dMin: Double, dMax: Double,
                    anomalous: Bool, overall: Shell, inner: Shell, outer: Shell, shells: [Shell], wavelength: Double) {
            self.spaceGroup = spaceGroup; self.spaceGroupNumber = spaceGroupNumber; self.unitCell = unitCell
            self.dMin = dMin; self.dMax = dMax; self.anomalous = anomalous; self.overall = overall
            self.inner = inner; self.outer = outer; self.shells = shells; self.wavelength = wavelength
        }
    }

    /// Series for the report's plots; each is empty until its step has run.
    public struct Plots: Codable, Sendable, Equatable {
        /// Strong spots found on each image.
        public var spotsPerImage: [ImageValue] = []
        /// Lattices found by indexing and the spots each indexes.
        public var indexing: Indexing?
        /// Positional RMSDs of the refined spots, by image (px, px, images).
        public var rmsdPerImage: [ImageRMSD] = []
        /// Scale factor and relative B of the scaling model, by image.
        public var scalePerImage: [ImageScale] = []
        /// ⟨I⟩ by resolution for the Wilson plot: d*² (Å⁻²) and ln⟨I⟩.
        public var wilson: [XY] = []
        /// CC½ by shell with the fitted curve and the limit chosen.
        public var resolutionFit: ResolutionFit?
        public init() {}
    }

    public struct ImageValue: Codable, Sendable, Equatable {
        public var image: Int
        public var value: Double
        public init(image: Int, value: Double) { self.image = image; self.value = value }
    }

    public struct ImageRMSD: Codable, Sendable, Equatable {
        public var image: Int
        public var x: Double
        public var y: Double
        public var phi: Double
        public var count: Int
        public init(image: Int, x: Double, y: Double, phi: Double, count: Int) {
            self.image = image; self.x = x; self.y = y; self.phi = phi; self.count = count
        }
    }

    public struct ImageScale: Codable, Sendable, Equatable {
        public var image: Int
        public var scale: Double
        public var b: Double
        public init(image: Int, scale: Double, b: Double) { self.image = image; self.scale = scale; self.b = b }
    }

    public struct XY: Codable, Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    public struct Indexing: Codable, Sendable, Equatable {
        public struct Lattice: Codable, Sendable, Equatable {
            public var unitCell: [Double]
            public var indexed: Int
            public init(unitCell: [Double], indexed: Int) { self.unitCell = unitCell; self.indexed = indexed }
        }
        public var lattices: [Lattice]
        public var unindexed: Int
        public init(lattices: [Lattice], unindexed: Int) { self.lattices = lattices; self.unindexed = unindexed }
    }

    public struct ResolutionFit: Codable, Sendable, Equatable {
        /// d*² (Å⁻²), observed CC½ and the fitted curve at each shell.
        public var dStarSquared: [Double]
        public var observed: [Double]
        public var fitted: [Double]
        public var limit: Double
        public var dMin: Double?
        public init(dStarSquared: [Double], observed: [Double], fitted: [Double], limit: Double, dMin: Double?) {
            self.dStarSquared = dStarSquared; self.observed = observed; self.fitted = fitted
            self.limit = limit; self.dMin = dMin
        }
    }

    /// Output file names, relative to outputDir; nil until written.
    public struct Files: Codable, Sendable, Equatable {
        public var mergedMtz: String?
        public var unmergedMtz: String?
        public var log: String?
        public var html: String?
        public var experiments: String?
        public var reflections: String?
        public init() {}
    }

    public struct Timings: Codable, Sendable, Equatable {
        public var totalSeconds: Double = 0
        public var started: String = ""
        public var finished: String = ""
        public init() {}
    }

    /// mxflow.json's bytes: snake_case keys, sorted, non-finite numbers as null.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return try encoder.encode(self)
    }

    /// Reads mxflow.json.
    public static func decode(_ data: Data) throws -> ProcessSummary {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        return try decoder.decode(ProcessSummary.self, from: data)
    }
}
