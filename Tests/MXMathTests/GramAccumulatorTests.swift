// Tests of GramAccumulator against the Gram matrix summed by definition.
import XCTest
@testable import MXMath

final class GramAccumulatorTests: XCTestCase {
    /// Rows with zeros (as a smooth function's gradient has), weights, and a
    /// count that leaves a partial last batch: the lower triangle equals
    /// Σ wᵢ rᵢ rᵢᵀ to rounding and the upper part stays 0.
    func testLowerTriangleEqualsTheWeightedSumOfOuterProducts() {
        var rng = SplitMix64(seed: 7)
        let n = 9, count = 2 * 5 + 3
        var gram = GramAccumulator(n: n, batchRows: 5)
        var expected = [Double](repeating: 0, count: n * n)
        for _ in 0..<count {
            let row = (0..<n).map { _ in rng.nextDouble() < 0.4 ? 0 : 2 * rng.nextDouble() - 1 }
            let w = 3 * rng.nextDouble()
            row.withUnsafeBufferPointer { gram.add($0, scale: w) }
            for p in 0..<n { for q in 0...p { expected[p * n + q] += w * row[p] * row[q] } }
        }
        gram.flush()
        for p in 0..<n {
            for q in 0..<n {
                if q <= p {
                    XCTAssertEqual(gram.lower[p * n + q], expected[p * n + q], accuracy: 1e-12, "(\(p), \(q))")
                } else {
                    XCTAssertEqual(gram.lower[p * n + q], 0, "(\(p), \(q))")
                }
            }
        }
        // A second flush with nothing batched changes nothing.
        let before = gram.lower
        gram.flush()
        XCTAssertEqual(gram.lower, before)
    }
}
