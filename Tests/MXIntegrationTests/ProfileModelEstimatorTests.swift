// Tests of σ_b and σ_m estimation from per-spot statistics.
import XCTest
import MXMath
import MXModel
@testable import MXIntegration

final class ProfileModelEstimatorTests: XCTestCase {
    /// Rocking curves of σ_m = 0.1° recorded on 1° frames, with centres
    /// spread over the frames and ζ from 0.3 to 1: the ML estimate returns σ_m.
    func testSigmaMFromFrameFractions() {
        let sigma = 0.1 * Double.pi / 180, width = Double.pi / 180
        var stats: [SpotProfileStatistics] = []
        for i in 0..<200 {
            let zeta = 0.3 + 0.7 * Double(i % 13) / 12
            let phi = (2 + Double(i % 97) / 97) * width
            let f = KabschFrame(s1: Vec3(0, 0.5, -0.8).normalized, s0: Vec3(0, 0, -1), axis: Vec3(1, 0, 0), phi: phi)
            var frames: [(phiA: Double, phiB: Double, counts: Double)] = []
            for z in 0..<6 {
                let a = Double(z) * width, b = a + width
                let k = zeta / (sigma * 2.0.squareRoot())
                let frac = 0.5 * (erf(k * (b - phi)) - erf(k * (a - phi)))
                if frac > 1e-4 { frames.append((a, b, 1000 * frac)) }
            }
            _ = f
            stats.append(SpotProfileStatistics(spatialVariance: 0, pixelAngle: 0, frames: frames, zeta: zeta, phi: phi,
                                               total: 1000))
        }
        XCTAssertEqual(ProfileModelEstimator.sigmaM(stats) / sigma, 1, accuracy: 0.01)
    }

    /// σ_b per axis from Σc|Δ|²/(Σc−1) = 2σ² + 2·(pixel)²/12.
    func testSigmaBRemovesPixelWidth() {
        let sigma = 5e-4, pixel = 1e-3
        let stats = (0..<50).map { i in
            SpotProfileStatistics(spatialVariance: 2 * sigma * sigma + 2 * pixel * pixel / 12 * (i == 0 ? 50 : 1),
                                  pixelAngle: pixel, frames: [], zeta: 1, phi: 0, total: 100)
        }
        // The one outlier (beyond 3× the median) is left out.
        XCTAssertEqual(ProfileModelEstimator.sigmaB(stats), sigma, accuracy: 1e-9)
    }

    /// Spots are pooled by their counts: weak spots' noisy estimates (here all
    /// 2.5× too wide, inside the 3×-median cut) barely move σ_b, where a plain
    /// mean would be 1.6× too large.
    func testSigmaBWeighsSpotsByTheirCounts() {
        let sigma = 5e-4
        let stats = (0..<80).map { i in
            SpotProfileStatistics(spatialVariance: 2 * sigma * sigma * (i % 2 == 0 ? 1 : 2.5), pixelAngle: 0,
                                  frames: [], zeta: 1, phi: 0, total: i % 2 == 0 ? 1000 : 10)
        }
        XCTAssertEqual(ProfileModelEstimator.sigmaB(stats) / sigma, 1, accuracy: 0.01)
    }

    /// The profile is modelled from the spots refinement used when the table
    /// marks them (it rejects spots merged with a neighbour, e.g. of another
    /// lattice), else from every indexed strong spot; other experiments' spots
    /// and unindexed ones never.
    func testModellingSpotsAreThoseRefinementUsedWhenMarked() {
        var t = ReflectionTable(count: 5)
        t.set(ReflectionTable.Name.millerIndex, .miller([MillerIndex(1, 2, 3), MillerIndex(2, 0, 1), MillerIndex(0, 0, 0),
                                                         MillerIndex(3, 1, 1), MillerIndex(1, 1, 0)]))
        t.set(ReflectionTable.Name.id, .int([0, 0, -1, 1, 0]))
        let strongIndexed: ReflectionFlags = [.strong, .indexed]
        var flags: [ReflectionFlags] = [strongIndexed.union(.usedInRefinement), strongIndexed, [.strong],
                                        strongIndexed.union(.usedInRefinement), strongIndexed]
        t.set(ReflectionTable.Name.flags, .size(flags.map(\.rawValue)))
        XCTAssertEqual(modellingSpots(t, index: 0), [true, false, false, false, false])
        XCTAssertEqual(modellingSpots(t, index: 1), [false, false, false, true, false])
        flags[0].remove(.usedInRefinement)
        t.set(ReflectionTable.Name.flags, .size(flags.map(\.rawValue)))
        XCTAssertEqual(modellingSpots(t, index: 0), [true, true, false, false, true])
    }
}
