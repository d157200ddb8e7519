// Tests of cutting touching spots at their saddle: pairs are cut, single noisy spots and shallow dips are not.
import XCTest
import MXMath
@testable import MXSpotFinding

final class SpotSplittingTests: XCTestCase {
    /// Pairs of spots that touch, side by side on a frame or one behind the
    /// other in rotation: each pair becomes two spots at the true centres;
    /// with splitting off (the default, as DIALS) each pair is one spot between them.
    func testTouchingPairsAreCutAtTheSaddle() throws {
        var spots: [SyntheticSpot] = []
        for k in 0..<4 {
            let x = 12 + 22 * Double(k)
            // Side by side, 4 px apart, unequal.
            spots.append(SyntheticSpot(x: x, y: 12.4, z: 3.5, counts: 6000))
            spots.append(SyntheticSpot(x: x + 4, y: 12.9, z: 3.6, counts: 2500 + 500 * Double(k)))
            // Same pixel, 2.5 images apart.
            spots.append(SyntheticSpot(x: x + 2, y: 34.5, z: 3.2, counts: 5000, sigmaXY: 0.9, sigmaZ: 0.5))
            spots.append(SyntheticSpot(x: x + 2.3, y: 34.8, z: 5.7, counts: 4000, sigmaXY: 0.9, sigmaZ: 0.5))
        }
        let sweep = SyntheticSweep.render(width: 100, height: 48, frames: 10, background: 1.5, spots: spots, seed: 7)
        let exp = syntheticExperiment(width: 100, height: 48, frames: 10)
        var p = SpotFindingParameters()
        p.splitSigma = 3
        let cut = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
        XCTAssertEqual(cut.reflections.count, spots.count)
        XCTAssertEqual(cut.filterCounts.split, spots.count / 2)
        XCTAssertEqual(cut.filterCounts.splitInto, spots.count)
        let xyz = try XCTUnwrap(cut.reflections.vec3s("xyzobs.px.value"))
        for s in spots {
            let truth = Vec3(s.x, s.y, s.z)
            let nearest = xyz.min { ($0 - truth).length < ($1 - truth).length }!
            XCTAssertLessThan((nearest - truth).length, 0.5, "spot at \(truth): nearest found \(nearest)")
        }

        p.splitSigma = nil
        let whole = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
        // One spot per pair, unless the centroid between lies over 2 px from the peak (max_separation).
        XCTAssertEqual(whole.reflections.count + whole.filterCounts.peakCentroidSeparation, spots.count / 2)
        XCTAssertEqual(whole.filterCounts.split, 0)
    }

    /// Single spots with Poisson noise, faint to very bright, narrow to wide,
    /// are never cut: one spot found per spot made.
    func testNoisySingleSpotsStayWhole() throws {
        var rng = SplitMix64(seed: 2026)
        var spots: [SyntheticSpot] = []
        for gy in 0..<6 {
            for gx in 0..<8 {
                let counts = 400 * pow(10, 2.5 * rng.uniform())   // 400 … 126 000
                spots.append(SyntheticSpot(x: 10 + 16 * Double(gx) + rng.uniform(), y: 10 + 16 * Double(gy) + rng.uniform(),
                                           z: 2 + 4 * rng.uniform(), counts: counts,
                                           sigmaXY: 0.5 + 1.1 * rng.uniform(), sigmaZ: 0.3 + 0.9 * rng.uniform()))
            }
        }
        let w = 136, h = 104, n = 9
        let exp = syntheticExperiment(width: w, height: h, frames: n)
        var p = SpotFindingParameters()
        p.splitSigma = 3
        for seed in [3, 4, 5] as [UInt64] {
            let sweep = SyntheticSweep.render(width: w, height: h, frames: n, background: 2, spots: spots, seed: seed)
            let result = try SpotFinder(parameters: p).find(experiment: exp, source: sweep)
            XCTAssertEqual(result.filterCounts.split, 0, "seed \(seed)")
            XCTAssertEqual(result.reflections.count, spots.count, "seed \(seed)")
        }
    }

    /// A line of pixels on one frame.
    private func profile(_ values: [Int32]) -> [StrongPixel] {
        values.enumerated().map { StrongPixel(x: Int32($0.offset), y: 5, z: 2, value: $0.element, panel: 0) }
    }

    /// The lower peak must stand `sigmas` σ above the saddle where the basins
    /// meet: 300 over 225 is 75/√525 = 3.3σ (cut at 3σ, whole at 4σ); 270
    /// over 225 is 2.0σ (whole).
    func testSecondPeakMustStandClearOfTheSaddle() {
        let deep = profile([100, 400, 225, 260, 300, 120])
        XCTAssertEqual(SpotSplitter(sigmas: 3, minSpotSize: 2, maxPixels: 100).split(deep),
                       [SpotPart(pixels: Array(deep[0...2]), floor: 225), SpotPart(pixels: Array(deep[3...5]), floor: 225)])
        XCTAssertEqual(SpotSplitter(sigmas: 4, minSpotSize: 2, maxPixels: 100).split(deep), [SpotPart(pixels: deep, floor: 0)])
        let shallow = profile([100, 400, 225, 260, 270, 120])
        XCTAssertEqual(SpotSplitter(sigmas: 3, minSpotSize: 2, maxPixels: 100).split(shallow), [SpotPart(pixels: shallow, floor: 0)])
    }

    /// A basin too small to be a spot goes to the part it touches; a
    /// component that would leave one part is returned unchanged.
    func testSmallBasinsJoinTheirNeighbour() {
        // Peaks at 1 and 6 (cut), and a one-pixel peak at 9 beyond a deep dip.
        let line = profile([100, 900, 400, 150, 300, 600, 800, 300, 40, 500, 60])
        let parts = SpotSplitter(sigmas: 3, minSpotSize: 3, maxPixels: 100).split(line)
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts.map { $0.pixels.map(\.x) }, [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9, 10]])
        XCTAssertEqual(parts.map(\.floor), [150, 150])
        let lone = profile([100, 900, 100, 20, 300])
        XCTAssertEqual(SpotSplitter(sigmas: 3, minSpotSize: 3, maxPixels: 100).split(lone), [SpotPart(pixels: lone, floor: 0)])
    }
}
