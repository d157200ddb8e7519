// Tests of Niggli reduction against cctbx's uctbx reduced cells.
import XCTest
import MXMath
@testable import MXSymmetry

final class NiggliReductionTests: XCTestCase {
    func assertCell(_ cell: UnitCell, _ expected: [Double], length: Double = 2e-3, angle: Double = 2e-3,
                    file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<6 {
            XCTAssertEqual(cell.parameters[i], expected[i], accuracy: i < 3 ? length : angle,
                           "\(cell) vs \(expected)", file: file, line: line)
        }
    }

    // /usr/bin/python3 -c "from cctbx import uctbx; uc=uctbx.unit_cell(P);
    //   print(uc.niggli_cell(), uc.change_of_basis_op_to_niggli_cell().as_abc())"
    func testKnownCellsMatchCctbx() throws {
        let cases: [([Double], [Double], String)] = [
            ([10, 20, 30, 90, 90, 90], [10, 20, 30, 90, 90, 90], "a,b,c"),
            ([40, 50, 60, 80, 95, 110], [40, 50, 60, 80, 85, 70], "a,-b,-c"),
            ([12, 12, 30, 90, 90, 120], [12, 12, 30, 90, 90, 120], "a,b,c"),
            ([7, 7, 7, 80, 80, 80], [7, 7, 7, 80, 80, 80], "a,b,c"),
            ([50, 50, 50, 110, 110, 110], [48.6795, 50, 50, 110, 108.937, 108.937], "a+b+c,-a,-b"),
            ([3, 5.196, 2, 103.91, 109.47, 134.53], [2, 3, 3.02309, 115.69, 94.7254, 109.47], "c,a,a+b+c"),
            ([2, 11.661, 10, 139.41, 152.56, 19.836], [2, 4.07387, 4.39546, 111.999, 92.0331, 103.762],
             "a,5*a-b,-10*a+b-c"),
        ]
        for (input, reduced, op) in cases {
            let r = try UnitCell(parameters: input).niggliReduction()
            assertCell(r.reducedCell, reduced)
            XCTAssertEqual(r.changeOfBasis.description, op, "\(input)")
            XCTAssertEqual(r.changeOfBasis.volumeRatio, Rational(1))
            assertCell(try r.inputCell.changeBasis(r.changeOfBasis), r.reducedCell.parameters, length: 1e-9, angle: 1e-9)
            XCTAssertTrue(r.reducedCell.isNiggliReduced())
        }
    }

    // from cctbx import crystal
    // cs=crystal.symmetry((100,50,60,90,110,90),'C 1 2 1'); cs.niggli_cell().unit_cell()
    //   → (50, 55.9017, 60, 107.813, 90, 116.565)
    // cs=crystal.symmetry((60,60,150,90,90,120),'R 3 :H') → (60, 60, 60.8276, 60.4491, 60.4491, 60)
    // cs=crystal.symmetry((78,78,78,90,90,90),'I 21 3') → (67.55, 67.55, 67.55, 109.471, 109.471, 109.471)
    func testCentredCellsReduceToTheirPrimitiveNiggliCell() throws {
        let cases: [([Double], String, [Double])] = [
            ([100, 50, 60, 90, 110, 90], "1/2*a+1/2*b,1/2*a-1/2*b,-c", [50, 55.9017, 60, 107.813, 90, 116.565]),
            ([60, 60, 150, 90, 90, 120], "2/3*a+1/3*b+1/3*c,-1/3*a+1/3*b+1/3*c,-1/3*a-2/3*b+1/3*c",
             [60, 60, 60.8276, 60.4491, 60.4491, 60]),
            ([78, 78, 78, 90, 90, 90], "-1/2*a+1/2*b+1/2*c,1/2*a-1/2*b+1/2*c,1/2*a+1/2*b-1/2*c",
             [67.55, 67.55, 67.55, 109.471, 109.471, 109.471]),
        ]
        for (conventional, toPrimitive, niggli) in cases {
            let primitive = try UnitCell(parameters: conventional).changeBasis(try ChangeOfBasis(parsing: toPrimitive))
            assertCell(try primitive.niggliCell(), niggli)
        }
    }

    /// Random unimodular supercell bases of known lattices reduce back to the same Niggli cell.
    func testRandomBasesOfOneLatticeReduceToOneCell() throws {
        var rng = SplitMix(seed: 12345)
        let cells: [[Double]] = [[40, 50, 60, 80, 85, 70], [55, 55, 55, 90, 90, 90], [67.55, 67.55, 67.55, 109.471, 109.471, 109.471],
                                 [48, 62, 75, 90, 90, 90]]
        // The rhombohedral lattice exactly (rounded parameters would tie within ε two ways).
        let rhombohedral = try UnitCell(parameters: [60, 60, 150, 90, 90, 120])
            .changeBasis(try ChangeOfBasis(parsing: "2/3*a+1/3*b+1/3*c,-1/3*a+1/3*b+1/3*c,-1/3*a-2/3*b+1/3*c"))
        for cell in try cells.map({ try UnitCell(parameters: $0) }) + [rhombohedral] {
            let reference = try cell.niggliCell()
            for _ in 0..<20 {
                let u = randomUnimodular(&rng)
                let skewed = try cell.changeBasis(try ChangeOfBasis(basisIntegers: u))
                let r = try skewed.niggliReduction()
                assertCell(r.reducedCell, reference.parameters, length: 1e-6, angle: 1e-6)
                assertCell(try skewed.changeBasis(r.changeOfBasis), reference.parameters, length: 1e-6, angle: 1e-6)
            }
        }
    }
}

/// A deterministic generator for test randomness.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A product of random elementary shears and swaps: integer, determinant +1, entries up to ~10.
func randomUnimodular(_ rng: inout SplitMix) -> [Int] {
    var m = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    for _ in 0..<6 {
        let i = Int.random(in: 0..<3, using: &rng), j = (i + Int.random(in: 1..<3, using: &rng)) % 3
        let k = Int.random(in: -2...2, using: &rng)
        // column i += k · column j
        for r in 0..<3 { m[3 * r + i] += k * m[3 * r + j] }
    }
    if Bool.random(using: &rng) {
        // a proper axis permutation (a,b,c) → (b,c,a)
        m = (0..<9).map { m[3 * ($0 / 3) + ($0 % 3 + 1) % 3] }
    }
    return m
}
