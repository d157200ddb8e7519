// Tests of SpaceGroup and SpaceGroupTable against CCP4's syminfo.lib,
// cctbx (sgtbx), gemmi and libccp4's csymlib.
import XCTest
import MXModel
@testable import MXSymmetry

final class SpaceGroupTests: XCTestCase {
    /// Skips the whole class (rather than failing inside assertions) without libccp4-data.
    override func setUpWithError() throws { _ = try requireTable() }

    func testTableHoldsAll230Types() throws {
        let t = try requireTable()
        XCTAssertEqual(Set(t.groups.map(\.number)), Set(1...230))
        XCTAssertGreaterThanOrEqual(t.groups.count, 530)
        // Every setting's operators form a group: closed under composition.
        for g in t.groups {
            let ops = Set(g.operations)
            XCTAssertEqual(ops.count, g.operations.count, "\(g) has duplicate operators")
            for a in g.operations.prefix(6) { for b in g.operations {
                XCTAssertTrue(ops.contains(a.composed(with: b).normalized), "\(g) not closed")
            } }
        }
    }

    func testLookupBySymbolNumberAndHall() throws {
        let t = try requireTable()
        let p43212 = try t.spaceGroup("P 43 21 2")
        XCTAssertEqual(p43212.number, 96)
        for alias in ["P43212", "96", "p 43 21 2", "P4(3)2(1)2", " P 4nw 2abw", "P 4nw 2abw"] {
            XCTAssertEqual(try t.spaceGroup(alias), p43212, alias)
        }
        XCTAssertEqual(try t.spaceGroup("C2").xHM, "C 1 2 1")
        XCTAssertEqual(try t.spaceGroup("P21").xHM, "P 1 21 1")
        XCTAssertEqual(try t.spaceGroup("P 1 21 1").number, 4)
        XCTAssertEqual(try t.spaceGroup("P1").number, 1)
        XCTAssertEqual(try t.spaceGroup("I213").number, 199)
        XCTAssertEqual(try t.spaceGroup("P 1 1 2").ccp4Number, 1003)
        XCTAssertEqual(try t.spaceGroup(ccp4Number: 1003).xHM, "P 1 1 2")
        // Rhombohedral symbols default to hexagonal axes; H3 is CCP4's old name.
        XCTAssertEqual(try t.spaceGroup("R3").xHM, "R 3 :H")
        XCTAssertEqual(try t.spaceGroup("H3").xHM, "R 3 :H")
        XCTAssertEqual(try t.spaceGroup("R 3 :R").order, 3)
        XCTAssertThrowsError(try t.spaceGroup("P 5")) { e in
            XCTAssertEqual(e as? SymmetryError, .unknownSpaceGroup("P 5"))
        }
        XCTAssertThrowsError(try t.spaceGroup("231"))
        // Lookup from operators.
        XCTAssertEqual(t.spaceGroup(matching: p43212.operations.reversed()), p43212)
    }

    func testHallSymbolsAsDxtbxWritesThem() throws {
        // The space_group_hall_symbol values of /work/shared/data/*/truth.expt (dxtbx/cctbx spelling).
        let expected: [(String, String)] = [(" I 2b 2c 3", "I 21 3"), (" P 4abw 2nw", "P 41 21 2"), (" P 2ac 2ab", "P 21 21 21"),
                                            (" P 4ab 2ab", "P 4 21 2"), (" C 2y", "C 1 2 1"), (" P 1", "P 1"),
                                            (" P 4nw 2abw", "P 43 21 2"), ("-P 2ybc", "P 1 21/c 1"),
                                            // Hall symbols that, without spaces, spell another group's symbol
                                            // (cctbx: sgtbx.space_group_info("P422").type().hall_symbol()).
                                            (" P 4 2", "P 4 2 2"), (" P 6 2", "P 6 2 2"), (" P 3 2", "P 3 1 2"),
                                            (" P 4c", "P 42"), (" P 32", "P 32"), (" P 62", "P 62")]
        for (hall, xhm) in expected {
            let c = Crystal(realSpaceA: .unitX, realSpaceB: .unitY, realSpaceC: .unitZ, spaceGroupHall: hall)
            XCTAssertEqual(try c.spaceGroup(in: requireTable()).xHM, xhm, hall)
        }
    }

    func testOrdersAndNames() throws {
        // Orders from cctbx: sgtbx.space_group_info(s).group().order_z()
        let expected: [(String, Int)] = [("P1", 1), ("P212121", 4), ("P43212", 8), ("I213", 24), ("C2", 4),
                                         ("P4212", 8), ("F432", 96), ("R3", 9), ("P6122", 12)]
        for (s, n) in expected { XCTAssertEqual(try sg(s).order, n, s) }
        let g = try sg("P43212")
        XCTAssertEqual(g.laueGroupName, "4/mmm")
        XCTAssertEqual(g.pointGroupName, "422")
        XCTAssertEqual(g.centringType, "P")
        XCTAssertEqual(g.crystalSystem, .tetragonal)
        XCTAssertTrue(g.isChiral)
        XCTAssertFalse(g.isCentrosymmetric)
        XCTAssertEqual(g.pointGroupRotations.count, 8)
        XCTAssertEqual(try sg("I213").centringType, "I")
        XCTAssertEqual(try sg("I213").crystalSystem, .cubic)
        XCTAssertEqual(try sg("C2").centringOperations.count, 2)
        XCTAssertEqual(try sg("P 31 2 1").crystalSystem, .trigonal)
        XCTAssertTrue(try sg("P -1").isCentrosymmetric)
        XCTAssertFalse(try sg("P 1 21/c 1").isChiral)
    }

    func testSystematicAbsences() throws {
        let p212121 = try sg("P212121")
        XCTAssertTrue(p212121.isSystematicallyAbsent(Miller(1, 0, 0)))
        XCTAssertFalse(p212121.isSystematicallyAbsent(Miller(2, 0, 0)))
        XCTAssertTrue(p212121.isSystematicallyAbsent(Miller(0, 3, 0)))
        XCTAssertTrue(p212121.isSystematicallyAbsent(Miller(0, 0, 5)))
        XCTAssertFalse(p212121.isSystematicallyAbsent(Miller(1, 1, 0)))
        let i213 = try sg("I213")
        XCTAssertTrue(i213.isSystematicallyAbsent(Miller(1, 1, 1)))
        XCTAssertTrue(i213.isSystematicallyAbsent(Miller(1, 2, 4)))
        XCTAssertFalse(i213.isSystematicallyAbsent(Miller(1, 2, 3)))
        let p43212 = try sg("P43212")
        for l in 1...12 { XCTAssertEqual(p43212.isSystematicallyAbsent(Miller(0, 0, l)), l % 4 != 0, "00\(l)") }
        XCTAssertTrue(p43212.isSystematicallyAbsent(Miller(1, 0, 0)))   // 21 along a: h00, h odd
        XCTAssertFalse(p43212.isSystematicallyAbsent(Miller(2, 0, 0)))
        let c2 = try sg("C2")
        XCTAssertTrue(c2.isSystematicallyAbsent(Miller(1, 0, 3)))      // h+k odd
        XCTAssertFalse(c2.isSystematicallyAbsent(Miller(1, 1, 3)))
        XCTAssertFalse(try sg("P1").isSystematicallyAbsent(Miller(1, 0, 0)))
    }

    func testCentringAbsences() throws {
        let c2 = try sg("C2")
        XCTAssertTrue(c2.isCentringAbsent(Miller(1, 0, 3)))             // h+k odd
        XCTAssertFalse(c2.isCentringAbsent(Miller(1, 1, 3)))
        let i213 = try sg("I213")
        XCTAssertTrue(i213.isCentringAbsent(Miller(1, 1, 1)))           // h+k+l odd
        XCTAssertFalse(i213.isCentringAbsent(Miller(1, 2, 3)))
        XCTAssertTrue(i213.isCentringAbsent(Miller(1, 2, 4)))
        let r3 = try sg("R 3 :H")
        XCTAssertTrue(r3.isCentringAbsent(Miller(1, 0, 0)))             // −h+k+l ≠ 3n
        XCTAssertFalse(r3.isCentringAbsent(Miller(1, 0, 1)))
        XCTAssertFalse(r3.isCentringAbsent(Miller(0, 0, 3)))
        // Screw-axis absences are not the lattice's.
        let p212121 = try sg("P212121")
        XCTAssertTrue(p212121.isSystematicallyAbsent(Miller(1, 0, 0)))
        XCTAssertFalse(p212121.isCentringAbsent(Miller(1, 0, 0)))
        let c2221 = try sg("C2221")
        XCTAssertTrue(c2221.isSystematicallyAbsent(Miller(0, 0, 1)))    // 21 along c
        XCTAssertFalse(c2221.isCentringAbsent(Miller(0, 0, 1)))
        XCTAssertTrue(c2221.isCentringAbsent(Miller(0, 1, 1)))
        XCTAssertFalse(try sg("P1").isCentringAbsent(Miller(1, 0, 0)))
    }

    func testCentricZonesAndEpsilon() throws {
        // cctbx: g = sgtbx.space_group_info('P 43 21 2').group();
        //        g.is_centric((h,k,l)), g.epsilon((h,k,l))
        let g = try sg("P43212")
        XCTAssertTrue(g.isCentric(Miller(1, 2, 0)))     // hk0
        XCTAssertTrue(g.isCentric(Miller(1, 0, 3)))     // h0l
        XCTAssertTrue(g.isCentric(Miller(2, 2, 3)))     // hhl
        XCTAssertFalse(g.isCentric(Miller(1, 2, 3)))
        XCTAssertEqual(g.epsilon(Miller(0, 0, 4)), 4)
        XCTAssertEqual(g.epsilon(Miller(2, 2, 0)), 2)
        XCTAssertEqual(g.epsilon(Miller(1, 2, 3)), 1)
        // Centring is not counted: cctbx epsilon((0,2,0)) in C2 is 2, general 1.
        XCTAssertEqual(try sg("C2").epsilon(Miller(0, 2, 0)), 2)
        XCTAssertEqual(try sg("C2").epsilon(Miller(3, 3, 3)), 1)
        XCTAssertEqual(try sg("I213").epsilon(Miller(2, 2, 2)), 3)
        // P1 has no centric reflections; P-1 makes every one centric.
        XCTAssertFalse(try sg("P1").isCentric(Miller(1, 2, 3)))
        XCTAssertTrue(try sg("P-1").isCentric(Miller(1, 2, 3)))
        // In P m (acentric) the 0k0 row is centric (cctbx agrees).
        XCTAssertTrue(try sg("P 1 m 1").isCentric(Miller(0, 3, 0)))
    }

    func testEquivalents() throws {
        let g = try sg("P43212")
        let e = g.equivalents(Miller(1, 2, 3))
        XCTAssertEqual(e.count, 8)
        XCTAssertEqual(e.first, Miller(1, 2, 3))
        XCTAssertEqual(Set(e), Set([Miller(1, 2, 3), Miller(-2, 1, 3), Miller(-1, -2, 3), Miller(2, -1, 3),
                                    Miller(1, -2, -3), Miller(2, 1, -3), Miller(-1, 2, -3), Miller(-2, -1, -3)]))
        XCTAssertEqual(g.equivalents(Miller(1, 2, 3), includeFriedelMates: true).count, 16)
        XCTAssertEqual(g.equivalents(Miller(0, 0, 4)).count, 2)
        XCTAssertEqual(g.equivalents(Miller(0, 0, 4), includeFriedelMates: true).count, 2)
        XCTAssertEqual(try sg("I213").equivalents(Miller(1, 2, 3)).count, 12)
    }

    func testAsymmetricUnitMatchesCCP4() throws {
        // ASU index pinned to gemmi 0.7.5:
        //   asu = gemmi.ReciprocalAsu(gemmi.SpaceGroup(name)); asu.to_asu(h, sg.operations())
        // ISYM pinned to libccp4 8 csymlib (ccp4spg_put_in_asu, SYMINFO=/usr/share/ccp4/syminfo.lib);
        // gemmi numbers operators in its own order, so its ISYM differs for some groups.
        let hkl = [Miller(1, 2, 3), Miller(-3, 1, -2), Miller(2, -5, 1), Miller(-1, -1, -4), Miller(4, -2, 0)]
        let expected: [(String, [(Miller, Int)])] = [
            ("P 43 21 2", [(Miller(2, 1, 3), 16), (Miller(3, 1, 2), 13), (Miller(5, 2, 1), 7), (Miller(1, 1, 4), 2), (Miller(4, 2, 0), 9)]),
            ("C 1 2 1", [(Miller(1, 2, 3), 1), (Miller(3, 1, 2), 3), (Miller(2, 5, 1), 4), (Miller(1, 1, 4), 2), (Miller(4, 2, 0), 4)]),
            ("I 21 3", [(Miller(1, 2, 3), 1), (Miller(1, 2, 3), 15), (Miller(1, 2, 5), 22), (Miller(1, 4, 1), 10), (Miller(0, 4, 2), 19)]),
            ("R 3 :H", [(Miller(1, 2, 3), 1), (Miller(1, 2, -2), 3), (Miller(3, 2, 1), 5), (Miller(1, 1, 4), 2), (Miller(2, 2, 0), 4)]),
            ("P 31 2 1", [(Miller(2, 1, -3), 7), (Miller(2, 1, 2), 9), (Miller(3, 2, 1), 5), (Miller(1, 1, 4), 2), (Miller(2, 2, 0), 4)]),
            ("P 3 1 2", [(Miller(2, 1, 3), 8), (Miller(2, 1, -2), 10), (Miller(3, 2, 1), 5), (Miller(1, 1, 4), 2), (Miller(2, 2, 0), 4)]),
            ("P 61 2 2", [(Miller(2, 1, 3), 14), (Miller(2, 1, 2), 23), (Miller(3, 2, 1), 9), (Miller(1, 1, 4), 2), (Miller(2, 2, 0), 6)]),
            ("P 2 2 21", [(Miller(1, 2, 3), 1), (Miller(3, 1, 2), 7), (Miller(2, 5, 1), 8), (Miller(1, 1, 4), 2), (Miller(4, 2, 0), 5)]),
            // A non-standard setting (unique axis c): the rule is applied after the basis change.
            ("P 1 1 21", [(Miller(1, 2, 3), 1), (Miller(3, -1, 2), 2), (Miller(2, -5, 1), 1), (Miller(1, 1, 4), 2), (Miller(4, -2, 0), 1)]),
        ]
        for (name, results) in expected {
            let g = try sg(name)
            for (h, (asu, isym)) in zip(hkl, results) {
                let got = g.asymmetricUnitIndex(h)
                XCTAssertEqual(got.index, asu, "\(name) \(h)")
                XCTAssertEqual(got.isym, isym, "\(name) \(h)")
                XCTAssertEqual(g.originalIndex(asu: got.index, isym: got.isym), h, "\(name) \(h) inverse")
            }
        }
    }

    func testEveryEquivalentMapsToOneAsuIndex() throws {
        for name in ["P1", "P-1", "C2", "P 1 1 21", "P212121", "P4", "P43212", "P31", "P3121", "P3112", "P6122",
                     "R3", "R32", "R 3 :R", "I213", "F432", "P m -3", "P m -3 m"] {
            let g = try sg(name)
            for h in -3...3 { for k in -3...3 { for l in -3...3 {
                let m = Miller(h, k, l)
                let asu = g.asymmetricUnitIndex(m)
                XCTAssertTrue(g.isInAsymmetricUnit(asu.index), "\(name) \(m)")
                // Friedel mates share the index with the other parity of ISYM,
                // except when centric (then ±h are symmetry equivalent).
                let mate = g.asymmetricUnitIndex(-m)
                XCTAssertEqual(mate.index, asu.index, "\(name) \(m) Friedel")
                if !g.isCentric(m) && !m.isZero { XCTAssertNotEqual(mate.isym % 2, asu.isym % 2, "\(name) \(m)") }
                for e in g.equivalents(m) {
                    let ea = g.asymmetricUnitIndex(e)
                    XCTAssertEqual(ea.index, asu.index, "\(name) \(m) ≡ \(e)")
                    if !g.isCentric(m) { XCTAssertEqual(ea.isym % 2, asu.isym % 2, "\(name) \(m) ≡ \(e) sign") }
                }
            } } }
        }
    }
}

/// Parsing and error reporting, independent of the installed syminfo.lib.
final class SpaceGroupTableParsingTests: XCTestCase {
    func testMissingFileGivesInstallHint() {
        XCTAssertThrowsError(try SpaceGroupTable(contentsOf: "/nonexistent/syminfo.lib")) { e in
            guard let s = e as? SymmetryError else { return XCTFail("\(e)") }
            XCTAssertEqual(s, .syminfoNotFound(path: "/nonexistent/syminfo.lib"))
            XCTAssertTrue(s.description.contains("libccp4-data"))
        }
    }

    func testParsesMinimalTextAndReportsBadBlocks() throws {
        let text = """
        begin_spacegroup
        number  4
        basisop x,y,z
        symbol ccp4 4
        symbol Hall ' P 2yb'
        symbol xHM  'P 1 21 1'
        symbol old  'P 1 21 1' 'P 21'
        symbol laue '-P 2y' '2/m'
        symbol patt '-P 2y' '2/m'
        symbol pgrp ' P 2y' '2'
        hklasu ccp4 'k>=0 and (l>0 or (l=0 and h>=0))'
        symop x,y,z
        symop -x,y+1/2,-z
        cenop x,y,z
        end_spacegroup
        """
        let t = try SpaceGroupTable(text: text)
        XCTAssertEqual(t.groups.count, 1)
        let g = try t.spaceGroup("P21")
        XCTAssertEqual(g.oldSymbols, ["P 1 21 1", "P 21"])
        XCTAssertEqual(g.reciprocalAsu, .monoclinic)
        XCTAssertTrue(g.isSystematicallyAbsent(Miller(0, 1, 0)))
        let bad = text.replacingOccurrences(of: "symop -x,y+1/2,-z", with: "symop -x,q,-z")
        XCTAssertThrowsError(try SpaceGroupTable(text: bad, path: "t.lib")) { e in
            guard case .syminfoMalformed(let path, let line, _)? = e as? SymmetryError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "t.lib"); XCTAssertEqual(line, 13)
        }
        XCTAssertThrowsError(try SpaceGroupTable(text: text.replacingOccurrences(of: "hklasu ccp4 'k>=0", with: "hklasu ccp4 'k>=1")))
        XCTAssertThrowsError(try SpaceGroupTable(text: "# nothing here\n"))
    }
}
