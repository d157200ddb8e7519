// swift-tools-version:6.0
// mxflow: automatic processing of MX rotation data. Layers (ARCHITECTURE.md):
// system shims, MXBitshuffleKernel (C) → MXMath → MXModel → MXSymmetry → MXFormats → MXThresholdKernel → step algorithms
// → MXPipeline → mxflow. Lower targets never import higher ones.
import PackageDescription

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

// Code generation for Haswell (x86-64-v3: AVX2, FMA, BMI), for the one module
// that is built twice over; the program checks the processor before calling it.
#if arch(x86_64)
let haswell: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let haswell: [SwiftSetting] = []
#endif

let package = Package(
    name: "mxflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mxflow", targets: ["mxflow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: system-library shims (Debian packages; see README "Dependencies")
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CLapacke", pkgConfig: "lapacke",
                       providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // MARK: libraries, lowest layer first
        .target(name: "MXLogging", swiftSettings: v5),
        .target(name: "MXMath", dependencies: ["CLapacke", "CFFTW"], swiftSettings: v5),
        .target(name: "MXModel", dependencies: ["MXMath", "MXLogging"], swiftSettings: v5),
        .target(name: "MXSymmetry", dependencies: ["MXMath", "MXModel"], swiftSettings: v5),
        // The AVX2 bit unshuffle under MXFormats' bitshuffle-LZ4 decoder (C: it needs byte shuffles).
        // DWARF 4: Debian 12's valgrind cannot read the DWARF 5 that the toolchain's clang writes for C.
        .target(name: "MXBitshuffleKernel", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        .target(name: "MXFormats", dependencies: ["MXMath", "MXModel", "MXSymmetry", "CHDF5", "CLZ4", "MXBitshuffleKernel"],
                swiftSettings: v5),
        // The dense pass of the spot-finding threshold, and the same code built for
        // Haswell-class processors (AVX2), chosen at run time.
        .target(name: "MXThresholdKernel", swiftSettings: v5),
        .target(name: "MXThresholdKernelAVX2", dependencies: ["MXThresholdKernel"], swiftSettings: v5 + haswell),
        .target(name: "MXSpotFinding",
                dependencies: ["MXMath", "MXModel", "MXFormats", "MXThresholdKernel", "MXThresholdKernelAVX2"],
                swiftSettings: v5),
        .target(name: "MXPrediction", dependencies: ["MXMath", "MXModel", "MXSymmetry"], swiftSettings: v5),
        .target(name: "MXRefinement",
                dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXPrediction", "MXLogging"], swiftSettings: v5),
        .target(name: "MXIndexing",
                dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXPrediction", "MXRefinement", "MXLogging"],
                swiftSettings: v5),
        .target(name: "MXIntegration",
                dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXPrediction", "MXFormats", "MXLogging"],
                exclude: ["README.md"], swiftSettings: v5),
        .target(name: "MXSymmetryAnalysis",
                dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXLogging"], swiftSettings: v5),
        .target(name: "MXScaling",
                dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXLogging"], swiftSettings: v5),
        .target(name: "MXSimulation", dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXFormats"],
                exclude: ["README.md"], swiftSettings: v5),
        .target(name: "MXPipeline",
                dependencies: ["MXMath", "MXModel", "MXSymmetry", "MXFormats", "MXSpotFinding", "MXSimulation",
                               "MXPrediction", "MXRefinement", "MXIndexing", "MXScaling",
                               "MXIntegration", "MXSymmetryAnalysis"],
                swiftSettings: v5),
        // Batch reprocessing, the beamline watcher and Slurm: runs `mxflow process`
        // as child processes, one per sweep, with state in SQLite.
        .target(name: "MXBatch", dependencies: ["CSQLite", "MXLogging", "MXFormats", "MXPipeline"], swiftSettings: v5),
        .executableTarget(name: "mxflow",
                          dependencies: ["MXPipeline", "MXBatch", "MXFormats", "MXModel", "MXSymmetry", "MXMath",
                                         "MXSpotFinding", "MXSimulation", "MXPrediction", "MXRefinement",
                                         "MXIndexing", "MXScaling", "MXIntegration", "MXSymmetryAnalysis",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: v5),

        // MARK: tests (mirror Sources/)
        .target(name: "MXTestSupport", path: "Tests/MXTestSupport", swiftSettings: v5),
        .testTarget(name: "MXMathTests", dependencies: ["MXTestSupport", "MXMath"], swiftSettings: v5),
        .testTarget(name: "MXModelTests", dependencies: ["MXTestSupport", "MXModel"], swiftSettings: v5),
        .testTarget(name: "MXSymmetryTests", dependencies: ["MXTestSupport", "MXSymmetry"], swiftSettings: v5),
        .testTarget(name: "MXFormatsTests", dependencies: ["MXTestSupport", "MXFormats", "MXModel"], exclude: ["Fixtures"],
                    swiftSettings: v5),
        .testTarget(name: "MXThresholdKernelTests", dependencies: ["MXThresholdKernel", "MXMath"], swiftSettings: v5),
        .testTarget(name: "MXSpotFindingTests", dependencies: ["MXTestSupport", "MXSpotFinding", "MXFormats"], swiftSettings: v5),
        .testTarget(name: "MXPredictionTests", dependencies: ["MXTestSupport", "MXPrediction", "MXFormats"], swiftSettings: v5),
        .testTarget(name: "MXRefinementTests", dependencies: ["MXTestSupport", "MXRefinement", "MXFormats"],
                    exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "MXIndexingTests", dependencies: ["MXTestSupport", "MXIndexing", "MXFormats"], swiftSettings: v5),
        .testTarget(name: "MXIntegrationTests", dependencies: ["MXTestSupport", "MXIntegration", "MXFormats"],
                    exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "MXSymmetryAnalysisTests", dependencies: ["MXTestSupport", "MXSymmetryAnalysis", "MXFormats"],
                    exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "MXScalingTests", dependencies: ["MXTestSupport", "MXScaling", "MXFormats"], swiftSettings: v5),
        .testTarget(name: "MXSimulationTests", dependencies: ["MXTestSupport", "MXSimulation", "MXFormats"], swiftSettings: v5),
        .testTarget(name: "MXPipelineTests", dependencies: ["MXTestSupport", "MXPipeline"], swiftSettings: v5),
        .testTarget(name: "MXBatchTests", dependencies: ["MXTestSupport", "MXBatch", "MXFormats", "mxflow"], swiftSettings: v5),
        .testTarget(name: "mxflowTests", dependencies: ["MXTestSupport", "mxflow", "MXFormats"], swiftSettings: v5),
    ]
)
