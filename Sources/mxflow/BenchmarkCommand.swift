// `mxflow benchmark read`: times reading and decoding every frame of a sweep, per thread count.
import ArgumentParser
import Dispatch
import MXFormats
import MXPipeline

struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Time how fast mxflow reads the frames of a sweep.",
        discussion: """
        mxflow benchmark read <master.h5> nproc=2
        mxflow benchmark read <master.h5> threads=1,2 repeats=3 path=hdf5
        Reads every frame (decoded to 32-bit pixels) and prints frames/s and MB/s,
        where MB counts decoded pixels at 4 bytes each (10^6 bytes). The best of
        `repeats` runs is reported. path=swift reads raw chunks and decodes them
        in Swift on the threads; path=hdf5 uses HDF5's filter pipeline (H5Dread).
        """)

    @OptionGroup var step: StepArguments

    static let definitions: [ParameterDefinition] = [
        ParameterDefinition("nproc", .int(min: 1), default: "1", help: "Threads decoding frames."),
        ParameterDefinition("threads", .ints(count: nil), default: "None",
                            help: "Several thread counts to time in turn (overrides nproc)."),
        ParameterDefinition("repeats", .int(min: 1), default: "3", help: "Runs per thread count; the best is shown."),
        ParameterDefinition("path", .choice(["swift", "hdf5"]), default: "swift",
                            help: "swift: raw chunks decoded in Swift; hdf5: HDF5's filter pipeline."),
    ]

    func run() throws {
        let params = try step.parameters(Self.definitions)
        var files = step.files
        guard let mode = files.first, mode == "read" || mode == "decode" else {
            throw ValidationError("usage: mxflow benchmark read|decode <master.h5> [nproc=N | threads=1,2]")
        }
        files.removeFirst()
        guard files.count == 1 else { throw ValidationError("give one NXmx master file to read") }
        let counts = params.ints("threads") ?? [params.int("nproc") ?? 1]
        guard counts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("thread counts must be at least 1") }
        let repeats = params.int("repeats") ?? 3
        let swiftPath = (params.string("path") ?? "swift") == "swift"

        if mode == "decode" {
            try runStep("benchmark") { try decodeOnly(files[0], repeats: repeats) }
            return
        }
        try runStep("benchmark") {
            let source = try NXmxImageSource(masterPath: files[0], decodeInSwift: swiftPath)
            let n = source.frameCount
            let megabytes = Double(n * source.frameSize.width * source.frameSize.height * 4) / 1e6
            print("\(source.masterPath): \(n) frames of \(source.frameSize.width)×\(source.frameSize.height), "
                  + "path=\(swiftPath ? "swift" : "hdf5")")
            for threads in counts {
                var best = Double.infinity
                for _ in 0..<repeats {
                    let checksum = Checksum()
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try source.forEachFrame(in: 0..<n, threads: threads) { _, px in checksum.add(px) }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    best = min(best, seconds)
                }
                let fps = Double(n) / best, mbs = megabytes / best
                print("threads=\(threads)  \(fmt(best, 3)) s  \(fmt(fps, 1)) frames/s  \(fmt(mbs, 1)) MB/s")
            }
        }
    }

    /// Decodes the raw chunks of up to 20 frames held in memory, on one thread:
    /// the speed of the codec alone, without HDF5.
    private func decodeOnly(_ master: String, repeats: Int) throws {
        let file = try HDF5File(readingAt: master)
        let data = try file.dataset("/entry/data/data")
        let shape = data.shape
        let frames = min(20, shape[0])
        let n = shape[1] * shape[2]
        var chunks: [[UInt8]] = []
        for f in 0..<frames {
            var raw = [UInt8](repeating: 0, count: try data.chunkStorageSize(at: [f, 0, 0]))
            _ = try raw.withUnsafeMutableBytes { try data.readRawChunk(at: [f, 0, 0], into: $0) }
            chunks.append(raw)
        }
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: n * 4, alignment: 16)
        defer { out.deallocate() }
        var best = Double.infinity
        for _ in 0..<max(repeats, 3) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for c in chunks { try c.withUnsafeBytes { try BitshuffleLZ4.decode($0, into: out, elementSize: 4) } }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        // HDF5's share: reading the stored chunks of every frame, no decoding.
        var scratch = [UInt8](repeating: 0, count: n * 4 + 4096)
        var readBest = Double.infinity
        for _ in 0..<max(repeats, 3) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for f in 0..<shape[0] {
                _ = try scratch.withUnsafeMutableBytes { try data.readRawChunk(at: [f, 0, 0], into: $0) }
            }
            readBest = min(readBest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        print("raw chunk reads (H5Dread_chunk), \(shape[0]) frames: \(fmt(readBest / Double(shape[0]) * 1e3, 3)) ms/frame")
        // Encoding speed (what writers of simulated sweeps pay), on the decoded frames.
        var decoded: [[UInt8]] = []
        for c in chunks { decoded.append(try BitshuffleLZ4.decode(c, count: n, elementSize: 4)) }
        var encodeBest = Double.infinity
        for _ in 0..<max(repeats, 3) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for d in decoded { _ = d.withUnsafeBytes { BitshuffleLZ4.encode($0, elementSize: 4) } }
            encodeBest = min(encodeBest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        print("encode, 1 thread: \(fmt(Double(frames) / encodeBest, 1)) frames/s  "
              + "\(fmt(Double(frames * n * 4) / 1e6 / encodeBest, 1)) MB/s")
        let stored = chunks.reduce(0) { $0 + $1.count }
        print("decode only, 1 thread, \(frames) frames in memory (ratio \(fmt(Double(frames * n * 4) / Double(stored), 2))): "
              + "\(fmt(Double(frames) / best, 1)) frames/s  \(fmt(Double(frames * n * 4) / 1e6 / best, 1)) MB/s")
    }

    private func fmt(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded() / scale
        var s = "\(r)"
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        return s
    }
}

/// Touches one pixel per frame so that the reading cannot be optimised away.
private final class Checksum: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private(set) var total: Int64 = 0
    func add(_ px: UnsafeBufferPointer<Int32>) {
        let v = Int64(px[px.count / 2])
        lock.wait(); total &+= v; lock.signal()
    }
}
