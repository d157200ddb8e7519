// Tests of SymmetryOperation: parsing, printing, composition, action on hkl.
import XCTest
@testable import MXSymmetry

final class SymmetryOperationTests: XCTestCase {
    func testParsesTripletsWithTranslations() throws {
        let op = try SymmetryOperation(parsing: "-y+1/2, x+1/2, z+3/4")
        XCTAssertEqual(op.rotation, [0, -1, 0, 1, 0, 0, 0, 0, 1])
        XCTAssertEqual(op.translation24, [12, 12, 18])
        XCTAssertEqual(op.determinant, 1)
        XCTAssertEqual(op.description, "-y+1/2,x+1/2,z+3/4")
        let hex = try SymmetryOperation(parsing: "X-Y,-y,-Z+1/3")
        XCTAssertEqual(hex.rotation, [1, -1, 0, 0, -1, 0, 0, 0, -1])
        XCTAssertEqual(hex.translation24, [0, 0, 8])
        XCTAssertEqual(try SymmetryOperation(parsing: "1/2+x,2*y,z-1/8").translation24, [12, 0, -3])
        XCTAssertEqual(try SymmetryOperation(parsing: "1/2+x,2*y,z-1/8").normalized.translation24, [12, 0, 21])
    }

    func testRejectsMalformedTriplets() {
        for bad in ["x,y", "x,y,w", "x,,z", "x,y,z+1/0", "x,y,z+1/5", "x,y,z+"] {
            XCTAssertThrowsError(try SymmetryOperation(parsing: bad), bad)
        }
    }

    /// The byte-wise reading of plain triplets gives what the general reading
    /// gives, on every operator of syminfo.lib and on odd forms; what it
    /// cannot read (or reads wrongly) it leaves to the general reading.
    func testASCIIReadingAgreesWithTheGeneralOne() throws {
        let table = try SpaceGroupTable.shared()
        var texts = Set<String>()
        for g in table.groups { for op in g.operations { texts.insert(op.description) } }
        // And the operator lines as the file has them.
        for line in try String(contentsOfFile: table.path, encoding: .utf8).split(separator: "\n")
        where line.hasPrefix("symop ") || line.hasPrefix("cenop ") {
            texts.insert(String(line.dropFirst(6)))
        }
        XCTAssertGreaterThan(texts.count, 100)
        texts.formUnion(["-y+1/2, x+1/2, z+3/4", "X-Y,-y,-Z+1/3", "1/2+x,2*y,z-1/8", "2x, -3*y ,z", " x , y , z ",
                         "1 2x,y,z", "x+1/2-1/4,y,z", "-x+y+z,x-y,2/4+z", "+x,+y,+z"])
        for text in texts {
            let ascii = try XCTUnwrap(SymmetryOperation.parsedASCII(text), text)
            XCTAssertEqual(ascii, try SymmetryOperation.parsedGenerally(text), text)
        }
        for bad in ["x,y", "x,y,w", "x,,z", "x,y,z+1/0", "x,y,z+1/5", "x,y,z+", "1/2x,y,z", "x2,y,z", "--x,y,z", "2*1,y,z",
                    "*x,y,z", "x,y,z,", "x\ty,y,z", "x+y z,y,z"] {
            XCTAssertNil(SymmetryOperation.parsedASCII(bad), bad)
        }
    }

    func testCompositionAndMillerAction() throws {
        // 4₃ screw: applying it four times gives a pure lattice translation (0,0,3).
        let four3 = try SymmetryOperation(parsing: "-y,x,z+3/4")
        var op = SymmetryOperation.identity
        for _ in 0..<4 { op = four3.composed(with: op) }
        XCTAssertEqual(op.rotation, SymmetryOperation.identity.rotation)
        XCTAssertEqual(op.translation24, [0, 0, 72])
        XCTAssertEqual(op.normalized, .identity)
        // h·R with R = (-y, x, z): (h,k,l) → (k, −h, l).
        XCTAssertEqual(four3.apply(to: Miller(1, 2, 3)), Miller(2, -1, 3))
        XCTAssertEqual(four3.phaseShift24(for: Miller(0, 0, 1)), 18)
        XCTAssertEqual(four3.inverseRotation.apply(to: four3.apply(to: Miller(1, 2, 3))), Miller(1, 2, 3))
    }
}
