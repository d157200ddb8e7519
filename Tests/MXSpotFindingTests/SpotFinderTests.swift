// End-to-end tests of the streaming spot finder on synthetic sweeps with known spot positions.
import XCTest
import MXFormats
import MXMath
import MXModel
@testable import MXSpotFinding

final class SpotFinderTests: XCTestCase {
    /// A grid of well-separated spots across 8 frames; all must be found, with
    /// centroids within 0.3 px (x, y) and 0.3 frames of the truth.
    func testFindsEverySpotWithAccurateCentroids() throws {
        let w = 96, h = 80, n = 8
        var spots: [SyntheticSpot] = []
        var k = 0
        for gy in stride(from: 12, to: 70, by: 18) {
            for gx in stride(from: 12, to: 90, by: 20) {
                k += 1
                spots.append(SyntheticSpot(x: Double(gx) + 0.37 * Double(k % 3), y: Double(gy) + 0.21 * Double(k % 4),
                                           z: 1.5 + Double(k % 5) + 0.3, counts: 4000))
            }
        }
        let sweep = SyntheticSweep.render(width: w, height: h, frames: n, background: 1.5, spots: spots, seed: 11)
        let exp = syntheticExperiment(width: w, height: h, frames: n)
        var p = SpotFindingParameters()
        p.nproc = 2
        let result = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
        let t = result.reflections
        XCTAssertEqual(t.count, spots.count)
        let xyz = try XCTUnwrap(t.vec3s("xyzobs.px.value"))
        for s in spots {
            let nearest = xyz.min { a, b in
                (a - Vec3(s.x, s.y, s.z)).length < (b - Vec3(s.x, s.y, s.z)).length
            }!
            XCTAssertEqual(nearest.x, s.x, accuracy: 0.3)
            XCTAssertEqual(nearest.y, s.y, accuracy: 0.3)
            XCTAssertEqual(nearest.z, s.z, accuracy: 0.3)
        }
        XCTAssertEqual(t.flags, Array(repeating: .strong, count: t.count))
        XCTAssertEqual(t.experimentIdentifiers, [0: "synthetic-0"])
        for name in ["bbox", "id", "panel", "intensity.sum.value", "intensity.sum.variance", "xyzobs.px.variance",
                     "xyzobs.mm.value", "xyzobs.mm.variance", "shoebox", "n_signal"] {
            XCTAssertTrue(t.contains(name), "missing column \(name)")
        }
        // Shoebox data sums to the summed intensity.
        let boxes = try XCTUnwrap(t.shoeboxes("shoebox"))
        let sums = try XCTUnwrap(t.doubles("intensity.sum.value"))
        for (b, s) in zip(boxes, sums) { XCTAssertEqual(Double(b.data.reduce(0, +)), s, accuracy: 1e-6) }
        XCTAssertEqual(result.frames.map(\.image), Array(1...n))
        XCTAssertEqual(result.frames.map(\.spots).reduce(0, +), spots.count)
    }

    /// The answer does not depend on the thread count (nor so on the order frames complete in).
    func testThreadCountDoesNotChangeResult() throws {
        let spots = (0..<6).map { SyntheticSpot(x: 10 + 12 * Double($0), y: 20, z: Double($0) * 3 + 2, counts: 3000) }
        let sweep = SyntheticSweep.render(width: 90, height: 40, frames: 20, background: 1, spots: spots, seed: 5)
        let exp = syntheticExperiment(width: 90, height: 40, frames: 20)
        var p = SpotFindingParameters()
        p.nproc = 1
        let a = try SpotFinder(parameters: p).find(experiment: exp, source: sweep).reflections
        p.nproc = 3
        let b = try SpotFinder(parameters: p).find(experiment: exp, source: sweep).reflections
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 6)
    }

    /// A frame that cannot be read in the middle of the sweep ends spot
    /// finding with that frame's error, on one thread or several (the frames
    /// after it, waiting to be labelled in order, must not hang the run).
    func testUnreadableFrameEndsWithItsError() throws {
        let spots = (0..<6).map { SyntheticSpot(x: 10 + 12 * Double($0), y: 20, z: Double($0) * 5 + 2, counts: 3000) }
        let sweep = SyntheticSweep.render(width: 90, height: 40, frames: 40, background: 1, spots: spots, seed: 5)
        let broken = SyntheticSweep(width: 90, height: 40, frames: sweep.frames, failingFrame: 13)
        let exp = syntheticExperiment(width: 90, height: 40, frames: 40)
        for threads in [1, 3] {
            var p = SpotFindingParameters()
            p.nproc = threads
            XCTAssertThrowsError(try SpotFinder(parameters: p).find(experiment: exp, source: broken)) { e in
                XCTAssertEqual(e as? ImageReadError,
                               ImageReadError.frameUnreadable(path: "synthetic", frame: 13, reason: "a corrupt chunk"))
            }
        }
    }

    /// A sweep of background only gives an empty table, not an error.
    func testNoSpotsGivesEmptyTable() throws {
        let sweep = SyntheticSweep.render(width: 40, height: 40, frames: 3, background: 2, spots: [], seed: 2)
        let r = try SpotFinder(parameters: SpotFindingParameters())
            .find(experiment: syntheticExperiment(width: 40, height: 40, frames: 3), source: sweep)
        XCTAssertEqual(r.reflections.count, 0)
        XCTAssertEqual(r.frames.count, 3)
        // The same columns as a table with spots, shoeboxes included.
        for name in ["bbox", "xyzobs.px.value", "xyzobs.mm.value", "intensity.sum.value", "shoebox", "n_signal"] {
            XCTAssertTrue(r.reflections.contains(name), "missing column \(name)")
        }
    }

    /// Spots smaller than min_spot_size or further than max_separation from their peak are dropped.
    func testSizeFilter() throws {
        let spots = [SyntheticSpot(x: 20, y: 20, z: 1.5, counts: 3000)]
        let sweep = SyntheticSweep.render(width: 40, height: 40, frames: 3, background: 1, spots: spots, seed: 9)
        let exp = syntheticExperiment(width: 40, height: 40, frames: 3)
        var p = SpotFindingParameters()
        let found = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
        XCTAssertEqual(found.reflections.count, 1)
        let size = Int(try XCTUnwrap(found.reflections.ints("n_signal"))[0])
        p.minSpotSize = size + 1
        let r = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
        XCTAssertEqual(r.reflections.count, 0)
        XCTAssertEqual(r.filterCounts.tooSmall, 1)
        p.minSpotSize = 1; p.maxSpotSize = size - 1
        XCTAssertEqual(try SpotFinder(parameters: p).find(experiment: exp, source: sweep).filterCounts.tooLarge, 1)
    }

    /// A spot cut by a gap column keeps its pixels on either side (DIALS does not drop it).
    func testSpotTouchingGapIsKeptWithoutGapPixels() throws {
        let w = 60, h = 40
        var mask = [UInt8](repeating: 1, count: w * h)
        for y in 0..<h { mask[y * w + 30] = 0 }
        let spots = [SyntheticSpot(x: 32.5, y: 20, z: 1.5, counts: 8000, sigmaXY: 1.0)]
        let sweep = SyntheticSweep.render(width: w, height: h, frames: 3, background: 1, spots: spots, seed: 4, mask: mask)
        let r = try SpotFinder(parameters: SpotFindingParameters())
            .find(experiment: syntheticExperiment(width: w, height: h, frames: 3), source: sweep)
        XCTAssertEqual(r.reflections.count, 1)
        let bbox = try XCTUnwrap(r.reflections.boxes("bbox"))[0]
        XCTAssertGreaterThan(bbox.x0, 30)
    }

    /// A frame full of strong pixels is rejected and reported, not labelled.
    func testFrameWithTooManyStrongPixelsIsRejected() throws {
        let w = 40, h = 40
        var frames: [[Int32]] = []
        var rng = SplitMix64(state: 3)
        for f in 0..<3 {
            frames.append((0..<(w * h)).map { _ in f == 1 ? (rng.uniform() < 0.5 ? 0 : 400) : rng.poisson(1) })
        }
        let sweep = SyntheticSweep(width: w, height: h, frames: frames)
        var p = SpotFindingParameters()
        p.algorithm = .dispersion
        p.maxStrongPixelFraction = 0.05
        let r = try SpotFinder(parameters: p).find(experiment: syntheticExperiment(width: w, height: h, frames: 3),
                                                   source: sweep)
        XCTAssertEqual(r.frames.map(\.rejected), [false, true, false])
    }

    func testScanRangeAndErrors() throws {
        let spots = [SyntheticSpot(x: 20, y: 20, z: 1.5, counts: 3000), SyntheticSpot(x: 20, y: 20, z: 6.5, counts: 3000)]
        let sweep = SyntheticSweep.render(width: 40, height: 40, frames: 8, background: 1, spots: spots, seed: 1)
        let exp = syntheticExperiment(width: 40, height: 40, frames: 8)
        var p = SpotFindingParameters()
        p.scanRange = 5...8
        let r = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
        XCTAssertEqual(r.reflections.count, 1)
        XCTAssertEqual(r.frames.map(\.image), [5, 6, 7, 8])
        p.scanRange = 20...30
        XCTAssertThrowsError(try SpotFinder(parameters: p).find(experiment: exp, source: sweep)) { e in
            XCTAssertTrue("\(e)".contains("20–30"), "\(e)")
        }
        // A detector model larger than the frames.
        let big = syntheticExperiment(width: 50, height: 40, frames: 8)
        XCTAssertThrowsError(try SpotFinder(parameters: SpotFindingParameters()).find(experiment: big, source: sweep,
                                                                                     sourceName: "x.h5")) { e in
            XCTAssertEqual("\(e)", "x.h5: frames are 40×40 pixels but the detector model needs 50×40")
        }
    }

    func testIceRingShellsMatchHexagonalIce() {
        // The three strongest ice rings: 3.895 (100), 3.669 (002), 3.441 (101) Å for a = 4.498, c = 7.338 Å.
        let shells = iceRingShells(dMin: 3.0, width: 0.002)
        let centres = shells.map { 1 / (0.5 * ($0.low + $0.high)).squareRoot() }
        XCTAssertEqual(centres.count, 3)
        XCTAssertEqual(centres[0], 3.895, accuracy: 0.002)
        XCTAssertEqual(centres[1], 3.669, accuracy: 0.002)
        XCTAssertEqual(centres[2], 3.4406, accuracy: 0.0005)  // 1/d² = 4/(3a²) + 1/c²
    }
}

final class SpotMaskTests: XCTestCase {
    /// d_min masks the outer pixels, d_max the inner ones, and the reader's mask is kept.
    func testResolutionRangeMasksPixels() {
        let exp = syntheticExperiment(width: 200, height: 200, frames: 1)
        var trusted = [UInt8](repeating: 1, count: 200 * 200)
        trusted[0] = 0
        var p = SpotFindingParameters()
        let all = spotFindingMask(trustedMask: trusted, rawSize: (200, 200), detector: exp.detector,
                                  beam: exp.beam, parameters: p)
        XCTAssertEqual(all.filter { $0 == 0 }.count, 1)
        p.dMin = 12; p.dMax = 60
        let m = spotFindingMask(trustedMask: trusted, rawSize: (200, 200), detector: exp.detector,
                                beam: exp.beam, parameters: p)
        let panel = exp.detector[0]
        for (x, y) in [(0, 0), (100, 100), (199, 199), (150, 100), (100, 20)] {
            let d = panel.resolution(atPixel: (Double(x) + 0.5, Double(y) + 0.5), s0: exp.beam.s0)
            XCTAssertEqual(m[y * 200 + x] == 1, d >= 12 && d <= 60 && !(x == 0 && y == 0), "pixel (\(x), \(y)) at d = \(d)")
        }
    }
}
