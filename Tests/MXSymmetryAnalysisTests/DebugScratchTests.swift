import XCTest
@testable import MXSymmetryAnalysis
import MXSymmetry
final class DebugScratchTests: XCTestCase {
    func testScratch() throws {
        let cell = try UnitCell(parameters: [48.020, 62.012, 66.224, 117.917, 109.340, 90.000])
        for s in try LatticeSymmetry.bravaisSettings(of: cell, maxDeltaDegrees: 2, ordering: .cctbx) {
            print(s.lattice, s.changeOfBasis, s.unidealisedCell)
        }
        let t = try SpaceGroupTable.shared()
        let g = try t.spaceGroup("C 1 2 1"); print(g.changeOfBasisToReference, g.hall)
    }
}
