// Test support: locating syminfo.lib and skipping cleanly when it is absent.
import XCTest
@testable import MXSymmetry

/// The shared space-group table, or an XCTSkip when libccp4-data is not installed.
func requireTable() throws -> SpaceGroupTable {
    do { return try SpaceGroupTable.shared() } catch let e as SymmetryError {
        if case .syminfoNotFound = e { throw XCTSkip("\(e)") }
        throw e
    }
}

/// Space group by symbol from the shared table.
func sg(_ symbol: String) throws -> SpaceGroup { try requireTable().spaceGroup(symbol) }
