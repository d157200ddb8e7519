// ProcessSummarySample: made-up but plausible process summaries (a tetragonal S-SAD-like sweep) as test fixtures.
import Foundation
import MXMath
import MXPipeline

/// Fixtures for report tests. The numbers follow the usual shapes (⟨I/σ⟩
/// falling exponentially in d*², CC½ a tanh fall-off, a Wilson slope of
/// B = 18 Å²) but describe no real data set and no result of mxflow.
enum ProcessSummarySample {
    static let cell = [78.91, 78.91, 37.08, 90.0, 90.0, 90.0]

    /// CC½ model used for the shells and the resolution fit: falls to 0.30 at 1.80 Å.
    static func ccHalfModel(_ s2: Double) -> Double { (1 - tanh((s2 - 0.2874) / 0.05)) / 2 }

    /// A successful run over `images` images, with `shellCount` shells from 39.45 to 1.80 Å.
    static func full(images: Int = 3600, anomalous: Bool = true, shellCount: Int = 20) -> ProcessSummary {
        var rng = SplitMix64(seed: 20_250_115)
        var s = ProcessSummary(mxflowVersion: MXFlowVersion.string, status: "success",
                               inputs: ["/data/visit/lyso_1_master.h5"], pipeline: "default", outputDir: "/data/out/lyso_1")
        s.decisions = [
            .init(step: "import", decision: "one sweep of \(images) images", reason: "0.1° per image, 360° in all"),
            .init(step: "index", decision: "fft3d, 1 lattice", reason: "93.2 % of 904 432 spots indexed"),
            .init(step: "refine-bravais-settings", decision: "tP", reason: "highest symmetry with δ 0.08° < 2.5° and RMSD ratio 1.02"),
            .init(step: "symmetry", decision: "P 43 21 2", reason: "Laue group P 4/mmm (likelihood 0.98); 00l absent for l ≠ 4n"),
            .init(step: "scale", decision: "anomalous", reason: "pipeline \"default\" keeps I(+) & I(-) apart when CCano > 0.3 at low resolution"),
            .init(step: "estimate-resolution", decision: "d_min = 1.80 Å", reason: "fitted CC½ < 0.30 beyond 1.80 Å"),
        ]
        s.steps = [("import", "done", 0.4), ("find-spots", "resumed", 62.1), ("index", "done", 8.3),
                   ("refine-bravais-settings", "done", 3.1), ("refine", "done", 14.2), ("integrate", "done", 410.5),
                   ("symmetry", "done", 6.0), ("scale", "done", 52.3), ("estimate-resolution", "done", 0.8),
                   ("merge", "done", 2.2)].map { ProcessSummary.StepRecord(name: $0.0, status: $0.1, seconds: $0.2) }

        // Shells equal in d*²; unique reflections grow as the shell's reciprocal-space volume (∝ d*³).
        let s2lo = 1 / (39.45 * 39.45), s2hi = 1 / (1.8 * 1.8), totalUnique = 11_500.0
        var shells: [ProcessSummary.Shell] = []
        for i in 0..<shellCount {
            let a = s2lo + (s2hi - s2lo) * Double(i) / Double(shellCount)
            let b = s2lo + (s2hi - s2lo) * Double(i + 1) / Double(shellCount)
            let mid = (a + b) / 2
            let unique = Int(totalUnique * (pow(b, 1.5) - pow(a, 1.5)) / (pow(s2hi, 1.5) - pow(s2lo, 1.5)))
            let mult = 12.6 - 0.8 * Double(i) / Double(shellCount)
            let iOverSigma = 42 * exp(-10 * mid)
            let rMerge = 0.9 / iOverSigma + 0.01
            let completeness = i == shellCount - 1 ? 0.981 : 0.999
            shells.append(.init(dMax: 1 / a.squareRoot(), dMin: 1 / b.squareRoot(), nObs: Int(Double(unique) * mult),
                                nUnique: unique, multiplicity: mult, completeness: completeness, iOverSigma: iOverSigma,
                                rMerge: rMerge, rMeas: rMerge * (mult / (mult - 1)).squareRoot(),
                                rPim: rMerge * (1 / (mult - 1)).squareRoot(),
                                ccHalf: min(0.999, ccHalfModel(mid) + 0.01 * rng.nextNormal()),
                                ccAno: 0.55 * exp(-12 * mid), anomalousCompleteness: completeness - 0.004,
                                anomalousMultiplicity: mult / 2))
        }
        let nObs = shells.map(\.nObs).reduce(0, +), nUnique = shells.map(\.nUnique).reduce(0, +)
        func weighted(_ f: (ProcessSummary.Shell) -> Double) -> Double {
            shells.map { f($0) * Double($0.nObs) }.reduce(0, +) / Double(nObs)
        }
        let overall = ProcessSummary.Shell(
            dMax: 39.45, dMin: 1.8, nObs: nObs, nUnique: nUnique, multiplicity: Double(nObs) / Double(nUnique),
            completeness: weighted(\.completeness), iOverSigma: weighted(\.iOverSigma), rMerge: 0.061, rMeas: 0.064,
            rPim: 0.018, ccHalf: 0.998, ccAno: 0.31, anomalousCompleteness: weighted(\.anomalousCompleteness),
            anomalousMultiplicity: weighted(\.anomalousMultiplicity))
        s.result = .init(spaceGroup: "P 43 21 2", spaceGroupNumber: 96, unitCell: cell, dMin: 1.8, dMax: 39.45,
                         anomalous: anomalous, overall: overall, inner: shells[0], outer: shells[shellCount - 1],
                         shells: shells, wavelength: 0.97625)

        s.plots.spotsPerImage = (1...images).map { i in
            .init(image: i, value: (250 + 40 * sin(2 * .pi * Double(i) / 1800) + 12 * rng.nextNormal()).rounded())
        }
        s.plots.indexing = .init(lattices: [.init(unitCell: [78.88, 78.95, 37.06, 90.02, 89.97, 90.01], indexed: 842_911)],
                                 unindexed: 61_521)
        s.plots.rmsdPerImage = (1...images).map { i in
            .init(image: i, x: 0.34 + 0.03 * rng.nextNormal(), y: 0.31 + 0.03 * rng.nextNormal(),
                  phi: 0.18 + 0.02 * rng.nextNormal(), count: 200 + rng.next(below: 60))
        }
        s.plots.scalePerImage = (1...images).map { i in
            let t = Double(i) / Double(images)
            return .init(image: i, scale: 1.0 - 0.08 * t + 0.05 * sin(2 * .pi * 2 * t), b: -3.5 * t)
        }
        // Wilson: ln⟨I⟩ = ln K − B d*²/2 with B = 18 Å², plus the protein dip near 5 Å (d*² ≈ 0.04).
        s.plots.wilson = (0..<60).map { i in
            let x = 0.003 + 0.36 * Double(i) / 59
            return .init(x: x, y: 11.5 - 9 * x - 0.6 * exp(-pow((x - 0.04) / 0.015, 2)) + 0.03 * rng.nextNormal())
        }
        let fitX = (0..<24).map { 0.005 + 0.362 * Double($0) / 23 }
        s.plots.resolutionFit = .init(dStarSquared: fitX,
                                      observed: fitX.map { min(0.999, ccHalfModel($0) + 0.02 * rng.nextNormal()) },
                                      fitted: fitX.map(ccHalfModel), limit: 0.3, dMin: 1.8)
        s.files.mergedMtz = "merged.mtz"; s.files.unmergedMtz = "scaled_unmerged.mtz"; s.files.log = "mxflow.log"
        s.files.html = "mxflow.html"; s.files.experiments = "scaled.expt"; s.files.reflections = "scaled.refl"
        s.timings = { var t = ProcessSummary.Timings(); t.totalSeconds = 561.9
            t.started = "2025-01-15T10:02:11Z"; t.finished = "2025-01-15T10:11:33Z"; return t }()
        return s
    }

    /// The failure reason of `failedEarly()`: it holds every character HTML must escape.
    static let failureReason = "no lattice found from 1204 strong spots (< 20 % indexed by any basis); "
        + "try max_cell=\"250\" & d_min=4, or check the beam centre <x,y>"

    /// A run that stopped in indexing: spots were found, nothing after.
    static func failedEarly() -> ProcessSummary {
        var rng = SplitMix64(seed: 7)
        var s = ProcessSummary(mxflowVersion: MXFlowVersion.string, status: "failed",
                               inputs: ["/data/visit/weak_#####.cbf"], pipeline: "default", outputDir: "/data/out/weak")
        s.failure = .init(step: "index", reason: failureReason)
        s.decisions = [.init(step: "import", decision: "one sweep of 90 images", reason: "1.0° per image")]
        s.steps = [.init(name: "import", status: "done", seconds: 0.2), .init(name: "find-spots", status: "done", seconds: 3.4),
                   .init(name: "index", status: "failed", seconds: 11.9)]
        s.plots.spotsPerImage = (1...90).map { .init(image: $0, value: (13 + 4 * rng.nextNormal()).rounded()) }
        s.files.log = "mxflow.log"; s.files.html = "mxflow.html"
        s.timings.totalSeconds = 15.6; s.timings.started = "2025-01-15T11:00:02Z"; s.timings.finished = "2025-01-15T11:00:18Z"
        return s
    }
}
