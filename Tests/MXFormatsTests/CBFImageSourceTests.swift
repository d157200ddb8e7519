// CBFImageSourceTests: frames of the shared sweep through ImageSource, the trusted mask against DIALS, decode speed.
import Foundation
import XCTest
import MXModel
@testable import MXFormats

final class CBFImageSourceTests: XCTestCase {
    /// DIALS' mask for frame 0 and frame 29 of this sweep (static Pilatus gap
    /// rectangles ∧ trusted range −1 < v < 1048500):
    ///   python3 -c 'from dxtbx.model.experiment_list import ExperimentListFactory as F;
    ///     s = F.from_json_file("imported.expt")[0].imageset; print(s.get_mask(0)[0].count(True))'
    /// → 949644 trusted, 73539 untrusted (the 73533 gap pixels at −1 and the 6 bad pixels at −2).
    func testTrustedMaskAndFramesMatchDials() throws {
        let paths = try cbfSharedSweep()
        let e = try importCBFSeries(paths: paths)
        let src = try CBFImageSource(experiment: e)
        XCTAssertEqual(src.frameCount, 30)
        XCTAssertEqual(src.frameSize.width, 981)
        XCTAssertEqual(src.frameSize.height, 1043)
        XCTAssertEqual(src.trustedMask.reduce(0) { $0 + Int($1) }, 949_644)
        // Gap pixels and the −2 pixels are untrusted and keep their negative values.
        let f0 = try src.readFrame(0)
        XCTAssertEqual(f0[200 * 981 + 100], -1)
        XCTAssertEqual(src.trustedMask[200 * 981 + 100], 0)
        XCTAssertEqual(src.trustedMask[3 * 981 + 851], 1)
        for i in f0.indices where f0[i] == -2 { XCTAssertEqual(src.trustedMask[i], 0) }
        XCTAssertEqual(f0.reduce(0) { $0 + Int($1) }, 318_435)
        let f29 = try src.readFrame(29)
        XCTAssertEqual(f29.reduce(0) { $0 + Int($1) }, 300_601)
        XCTAssertThrowsError(try src.readFrame(30))
    }

    func testForEachFrameVisitsEveryFrameOnce() throws {
        let paths = try cbfSharedSweep()
        let src = try CBFImageSource(experiment: try importCBFSeries(paths: Array(paths[0..<4])))
        let sums = CBFSumBox(count: 4)
        try src.forEachFrame(in: 0..<4, threads: 2) { i, px in sums.set(i, px.reduce(0) { $0 + Int($1) }) }
        let serial = try (0..<4).map { try src.readFrame($0).reduce(0) { $0 + Int($1) } }
        XCTAssertEqual(sums.values, serial)
        XCTAssertEqual(sums.values[0], 318_435)
    }

    /// Decode throughput over the 30 shared frames; run with
    ///   CBF_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing --filter CBFImageSourceTests/testDecodeSpeed
    func testDecodeSpeed() throws {
        guard ProcessInfo.processInfo.environment["CBF_BENCHMARK"] != nil else {
            throw XCTSkip("set CBF_BENCHMARK=1 to measure decode speed")
        }
        let paths = try cbfSharedSweep()
        let src = try CBFImageSource(experiment: try importCBFSeries(paths: paths))
        let fileBytes = try paths.reduce(0) { $0 + (try CBFFile.readWholeFile(path: $1)).count }
        for threads in [1, 2] {
            var best = Double.infinity
            for _ in 0..<3 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try src.forEachFrame(in: 0..<30, threads: threads) { _, _ in }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            let mb = Double(fileBytes) / 1e6
            print(String(format: "CBF decode, %d thread(s): 30 frames in %.3f s = %.1f frames/s, %.0f MB/s of file, %.0f Mpixel/s",
                         threads, best, 30 / best, mb / best, 30 * 1.023183 / best))
        }
        // The codec alone, on bytes already in memory.
        let bytes = try CBFFile.readWholeFile(path: paths[0])
        var out = [Int32](repeating: 0, count: 981 * 1043)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<30 {
            try bytes.withUnsafeBytes { raw in
                let f = try CBFFile.parse(raw, path: paths[0])
                try out.withUnsafeMutableBufferPointer { try f.decodePixels(fileBytes: raw, into: $0) }
            }
        }
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        print(String(format: "CBF byte-offset decode from memory: %.1f frames/s, %.0f MB/s compressed",
                     30 / dt, 30 * Double(bytes.count) / 1e6 / dt))
    }
}

/// Per-frame results written from worker threads.
final class CBFSumBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int]
    init(count: Int) { stored = Array(repeating: 0, count: count) }
    func set(_ i: Int, _ v: Int) { lock.lock(); stored[i] = v; lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return stored }
}
