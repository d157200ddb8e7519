// The batch database: registering, state changes, reopening, and all-or-nothing transactions.
import Foundation
import MXBatch
import XCTest

final class BatchDatabaseTests: XCTestCase {
    func testStatesSurviveReopeningAndRegisteringIsIdempotent() throws {
        let dir = try BatchTest.folder(self)
        let sweeps = [Sweep(name: "a", kind: .cbf, path: "/d/a_#####.cbf"), Sweep(name: "b", kind: .nxmx, path: "/d/b_master.h5")]
        do {
            let db = try BatchDatabase(folder: dir)
            let recs = try db.register(sweeps) { "/out/" + $0.name }
            XCTAssertEqual(recs.map(\.status), [.pending, .pending])
            try db.markRunning(id: recs[0].id, engine: "local", pid: 42, pidStart: "123", host: "h", at: 100)
            let stats = SweepStatistics(spaceGroup: "P 41 21 2", unitCell: [79.1, 79.1, 37.9, 90, 90, 90], dMin: 1.5,
                                        ccHalf: 0.998, completeness: 0.97, iOverSigma: 14.2, multiplicity: 6.5, rMerge: 0.04)
            try db.markFinished(id: recs[0].id, outcome: SweepOutcome(succeeded: true, reason: nil, failedStep: nil, exitCode: 0,
                                                                      statistics: stats, machineFailure: false), at: 112.5)
            try db.markRunning(id: recs[1].id, engine: "local", at: 100)
            try db.markFinished(id: recs[1].id, outcome: SweepOutcome(succeeded: false, reason: "index: no lattice", failedStep: "index",
                                                                      exitCode: 1, statistics: SweepStatistics(), machineFailure: false))
        }
        let db = try BatchDatabase.existing(folder: dir)
        // Registering the same sweeps again (a resumed batch) adds nothing.
        let again = try db.register(sweeps + [Sweep(name: "a", kind: .cbf, path: "/e/a_#####.cbf")]) { "/out/" + $0.name }
        XCTAssertEqual(again.count, 3)
        let all = try db.records()
        XCTAssertEqual(all.map(\.name), ["a", "b", "a_2"])
        XCTAssertEqual(all.map(\.status), [.done, .failed, .pending])
        XCTAssertEqual(all[0].statistics.unitCell, [79.1, 79.1, 37.9, 90, 90, 90])
        XCTAssertEqual(all[0].statistics.ccHalf, 0.998)
        XCTAssertEqual(all[0].seconds, 12.5)
        XCTAssertEqual(all[0].attempts, 1)
        XCTAssertEqual(all[0].pid, nil)
        XCTAssertEqual(all[1].reason, "index: no lattice")
        XCTAssertEqual(all[1].failedStep, "index")
        XCTAssertEqual(try db.requeueFailed(), 1)
        XCTAssertEqual(try db.records().map(\.status), [.done, .pending, .pending])
    }

    func testAFailedTransactionChangesNothing() throws {
        let dir = try BatchTest.folder(self)
        let db = try BatchDatabase(folder: dir)
        try db.register([Sweep(name: "a", kind: .cbf, path: "/d/a_#####.cbf")]) { "/out/" + $0.name }
        struct Boom: Error {}
        XCTAssertThrowsError(try db.connection.transaction {
            try db.connection.query("UPDATE sweeps SET status = 'done'")
            throw Boom()
        })
        XCTAssertEqual(try db.records().map(\.status), [.pending])
        // The schema refuses a status that is not one of the four.
        XCTAssertThrowsError(try db.connection.query("UPDATE sweeps SET status = 'half'"))
        XCTAssertEqual(try db.connection.query("PRAGMA journal_mode").first?.first?.string, "wal")
    }

    func testNoDatabaseIsAClearError() throws {
        let dir = try BatchTest.folder(self)
        XCTAssertThrowsError(try BatchDatabase.existing(folder: dir)) { e in
            XCTAssertEqual(e as? BatchError, .noDatabase(path: dir))
        }
    }
}
