// Tests of the shared threshold plan: rebuilt when the mask changes, unless its owner fixed the mask.
import XCTest
import MXThresholdKernel
@testable import MXSpotFinding

final class ThresholdPlanCacheTests: XCTestCase {
    func testPlanFollowsTheMaskUnlessTheMaskIsFixed() {
        var mask = [UInt8](repeating: 1, count: 20 * 10)
        let general = ThresholdPlanCache(), fixed = ThresholdPlanCache(maskIsFixed: true)
        mask.withUnsafeMutableBufferPointer { m in
            let p = UnsafePointer(m.baseAddress!)
            func plans() -> (general: ThresholdPlan, fixed: ThresholdPlan) {
                (general.plan(mask: p, width: 20, height: 10, kernel: (3, 3), gain: 1, sigmaBackground: 6),
                 fixed.plan(mask: p, width: 20, height: 10, kernel: (3, 3), gain: 1, sigmaBackground: 6))
            }
            let first = plans()
            let again = plans()
            XCTAssertTrue(first.general === again.general && first.fixed === again.fixed, "same mask: same plans")
            // The same memory with other contents: the general cache compares it and rebuilds.
            m[55] = 0
            let edited = plans()
            XCTAssertFalse(edited.general === first.general)
            XCTAssertTrue(edited.fixed === first.fixed, "a fixed mask is compared once per address")
            XCTAssertEqual(edited.general.maskBits[55], 0)
            // Other settings always rebuild.
            let wider = fixed.plan(mask: p, width: 20, height: 10, kernel: (2, 2), gain: 1, sigmaBackground: 6)
            XCTAssertFalse(wider === first.fixed)
        }
    }
}
