// Tests of the bands of resolution where spots pile up on ice rings.
import XCTest
import MXModel
@testable import MXSpotFinding

final class IceRingSpotsTests: XCTestCase {
    /// Spots spread evenly in 1/d² (a crystal's), one every 0.0001 Å⁻² from 0.01 to 0.30.
    let crystal = stride(from: 0.01, to: 0.30, by: 0.0001).map { $0 }

    /// Flank spots piled ±0.002 Å⁻² around the 3.897 and 3.669 Å rings are
    /// found in bands that cover them and not the rest.
    func testSpotsOnTwoIceRingsAreFound() throws {
        var spots = crystal
        for d in [3.897, 3.669] {
            let c = 1 / (d * d)
            for k in 0..<200 { spots.append(c - 0.002 + 0.0001 * Double(k % 5)); spots.append(c + 0.0016 + 0.0001 * Double(k % 5)) }
        }
        let bands = IceRingSpots.bands(dStarSquared: spots)
        XCTAssertEqual(bands.map(\.d), [3.897, 3.669])
        for b in bands {
            let c = 1 / (b.d * b.d)
            XCTAssertLessThanOrEqual(b.low, c - 0.002); XCTAssertGreaterThanOrEqual(b.high, c + 0.002)
            XCTAssertLessThan(b.high - b.low, 0.006)
            XCTAssertGreaterThan(b.excess, 5)
        }
    }

    /// One crowded spacing, as a cubic cell's shell of equivalent
    /// reflections can make, is not ice: bands need two rings.
    func testOneCrowdedSpacingIsNotIce() {
        var spots = crystal
        let c = 1 / (3.441 * 3.441)
        for _ in 0..<300 { spots.append(c) }
        XCTAssertTrue(IceRingSpots.bands(dStarSquared: spots).isEmpty)
        XCTAssertTrue(IceRingSpots.bands(dStarSquared: crystal).isEmpty)
        XCTAssertTrue(IceRingSpots.bands(dStarSquared: []).isEmpty)
    }
}
