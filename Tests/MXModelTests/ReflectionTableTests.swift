// Tests of the columnar reflection table: typed columns, selection, sorting, joining, flags.
import XCTest
import MXMath
@testable import MXModel

final class ReflectionTableTests: XCTestCase {
    func table() -> ReflectionTable {
        var t = ReflectionTable()
        t.set("d", .double([3.0, 1.0, 2.0]))
        t.set("miller_index", .miller([MillerIndex(1, 0, 0), MillerIndex(0, 0, 1), MillerIndex(0, 1, 0)]))
        t.set("xyzobs.px.value", .vec3([Vec3(1, 1, 5), Vec3(2, 2, 0.5), Vec3(3, 3, 2)]))
        t.flags = [.strong, [.strong, .indexed], .predicted]
        t.experimentIdentifiers = [0: "a"]
        return t
    }

    func testTypedAccessAndFlagValues() {
        let t = table()
        XCTAssertEqual(t.count, 3)
        XCTAssertEqual(t.doubles("d"), [3, 1, 2])
        XCTAssertNil(t.ints("d"), "a double column is not an int column")
        XCTAssertEqual(t.sizes("flags"), [32, 36, 1])
        XCTAssertEqual(t.hasFlags(.strong), [true, true, false])
        XCTAssertEqual(t.columnNames, ["d", "flags", "miller_index", "xyzobs.px.value"])
        XCTAssertEqual(ReflectionFlags.integratedPrf.rawValue, 512)
        XCTAssertEqual(ReflectionFlags.scaled.rawValue, 1 << 26)
    }

    func testSelectAndSort() {
        let t = table()
        let s = t.select([true, false, true])
        XCTAssertEqual(s.doubles("d"), [3, 2])
        XCTAssertEqual(s.experimentIdentifiers, [0: "a"])
        XCTAssertEqual(t.sorted(by: "d").doubles("d"), [1, 2, 3])
        XCTAssertEqual(t.sorted(by: "d", descending: true).millerIndices("miller_index")?.first, MillerIndex(1, 0, 0))
        XCTAssertEqual(t.sorted(by: "xyzobs.px.value").vec3s("xyzobs.px.value")?.map(\.z), [0.5, 2, 5])
        XCTAssertEqual(t.sorted(by: "miller_index").millerIndices("miller_index"),
                       [MillerIndex(0, 0, 1), MillerIndex(0, 1, 0), MillerIndex(1, 0, 0)])
        XCTAssertEqual(t.select(indices: [2, 2]).count, 2)
    }

    func testAppendingPadsMissingColumnsAndMergesIdentifiers() throws {
        var other = ReflectionTable()
        other.set("d", .double([9]))
        other.set("entering", .bool([true]))
        other.experimentIdentifiers = [1: "b"]
        let joined = try XCTUnwrap(table().appending(other))
        XCTAssertEqual(joined.count, 4)
        XCTAssertEqual(joined.doubles("d"), [3, 1, 2, 9])
        XCTAssertEqual(joined.bools("entering"), [false, false, false, true])
        XCTAssertEqual(joined.millerIndices("miller_index")?.last, MillerIndex(0, 0, 0))
        XCTAssertEqual(joined.experimentIdentifiers, [0: "a", 1: "b"])
        var clash = ReflectionTable()
        clash.set("d", .int([1]))
        XCTAssertNil(table().appending(clash), "columns of different types cannot be joined")
    }

    func testUpdateAddsColumnsOfSameLength() {
        var t = table()
        var extra = ReflectionTable()
        extra.set("s1", .vec3([.unitX, .unitY, .unitZ]))
        t.update(with: extra)
        XCTAssertEqual(t.vec3s("s1")?.count, 3)
        t.setFlags(.usedInRefinement, where: [false, true, false])
        XCTAssertEqual(t.flags[1], [.strong, .indexed, .usedInRefinement])
    }
}
