// ThresholdPlanTests: the per-panel plan against counts taken pixel by pixel.
import XCTest
import MXMath
@testable import MXThresholdKernel

final class ThresholdPlanTests: XCTestCase {
    /// Masked-in pixels of the (2kx+1)×(2ky+1) window at (x, y), clipped, the slow way.
    func bruteCount(_ mask: [UInt8], _ w: Int, _ h: Int, _ x: Int, _ y: Int, _ kx: Int, _ ky: Int) -> Int {
        var n = 0
        for yy in max(0, y - ky)...min(h - 1, y + ky) {
            for xx in max(0, x - kx)...min(w - 1, x + kx) where mask[yy * w + xx] != 0 { n += 1 }
        }
        return n
    }

    func testCountsBoundsAndWholeRunsMatchPixelByPixel() {
        var rng = SplitMix64(seed: 7)
        for (w, h, k) in [(37, 29, (3, 3)), (64, 20, (2, 4)), (5, 9, (3, 3)), (40, 40, (1, 1))] {
            // A gap two columns wide, a masked row, and scattered bad pixels.
            var mask = [UInt8](repeating: 1, count: w * h)
            if w > 20 { for y in 0..<h { mask[y * w + w / 2] = 0; mask[y * w + w / 2 + 1] = 0 } }
            if h > 10 { for x in 0..<w { mask[(h / 3) * w + x] = 0 } }
            for _ in 0..<(w * h / 90) { mask[Int(rng.next() % UInt64(w * h))] = 0 }
            let plan = mask.withUnsafeBufferPointer {
                ThresholdPlan(mask: $0.baseAddress!, width: w, height: h, kernel: k, gain: 1, sigmaBackground: 6)
            }
            let full = (2 * k.0 + 1) * (2 * k.1 + 1), fullWide = (2 * k.0 + 5) * (2 * k.1 + 5)
            var wholeSeen = 0
            for y in 0..<h {
                for x in 0..<w {
                    let n = bruteCount(mask, w, h, x, y, k.0, k.1)
                    XCTAssertEqual(Int(plan.count[y * w + x]), n, "\(w)×\(h) (\(x), \(y))")
                    XCTAssertEqual(plan.windowCount(x: x, y: y, kx: k.0 + 2, ky: k.1 + 2),
                                   bruteCount(mask, w, h, x, y, k.0 + 2, k.1 + 2))
                    let n1 = Double(n - 1)
                    let bound = n < 2 ? Float.infinity : Float(n1 + 6 * (2 * n1).squareRoot())
                    XCTAssertEqual(plan.scaledBound[y * w + x], bound)
                    XCTAssertEqual(runsContain(plan.whole, x, y), n == full, "whole run at (\(x), \(y))")
                    XCTAssertEqual(runsContain(plan.wideFull, x, y),
                                   bruteCount(mask, w, h, x, y, k.0 + 2, k.1 + 2) == fullWide)
                    if n == full { wholeSeen += 1 }
                }
            }
            // The constant rows the pre-test reads along whole runs hold the full window's count and bound.
            XCTAssertEqual(plan.wholeCountRow[w - 1], Float(full))
            let f1 = Double(full - 1)
            XCTAssertEqual(plan.wholeBoundRow[0], Float(f1 + 6 * (2 * f1).squareRoot()))
            if w == 37 { XCTAssertGreaterThan(wholeSeen, 0, "the case should have whole windows") }
        }
    }

    func testRowRunsFromFlags() {
        let flags: [Bool] = [false, true, true, false, true,
                             true, true, true, true, true,
                             false, false, false, false, false]
        let runs = RowRuns(flags, width: 5, height: 3)
        XCTAssertEqual(runs.first, [0, 2, 3, 3])
        XCTAssertEqual(runs.start, [1, 4, 0])
        XCTAssertEqual(runs.end, [3, 5, 5])
    }

    func runsContain(_ runs: RowRuns, _ x: Int, _ y: Int) -> Bool {
        (runs.first[y]..<runs.first[y + 1]).contains { runs.start[$0] <= x && x < runs.end[$0] }
    }
}
