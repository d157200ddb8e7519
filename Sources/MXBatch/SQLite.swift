// SQLite: a small connection over Debian's libsqlite3 (statements with bound values, transactions).
import CSQLite

/// A value in a SQLite column or a bound statement parameter.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var int: Int? { if case .integer(let v) = self { return Int(v) }; return nil }
    public var double: Double? {
        switch self {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    public var string: String? { if case .text(let v) = self { return v }; return nil }
}

/// One open database file. Every change the batch makes goes through
/// `transaction`, and the journal is SQLite's write-ahead log with full
/// syncs, so a process killed at any instant leaves the file consistent:
/// the last committed state, never half a change.
public final class SQLiteConnection {
    public let path: String
    private var db: OpaquePointer?

    /// Opens (creating if needed) the database at `path`.
    /// - Throws: `BatchError.database` naming the file and SQLite's message.
    public init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw BatchError.database(path: path, reason: "cannot open: \(message)")
        }
        db = handle
        // Another process (batch-report, a second batch) may hold the lock
        // briefly: wait rather than fail.
        sqlite3_busy_timeout(handle, 15_000)
        // The journal mode is stored in the file: only its creator switches
        // to WAL (the switch needs the file to itself, a reader must not try).
        if try query("PRAGMA journal_mode").first?.first?.string?.lowercased() != "wal" {
            _ = try query("PRAGMA journal_mode=WAL")
        }
        try execute("PRAGMA synchronous=FULL")
    }

    deinit { sqlite3_close(db) }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw BatchError.database(path: path, reason: "\(text) (in: \(sql.prefix(80)))")
        }
    }

    /// Runs one statement with bound parameters (`?`), returning its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw error(sql) }
        defer { sqlite3_finalize(statement) }
        for (i, p) in parameters.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch p {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, csqlite_transient())
            }
            guard rc == SQLITE_OK else { throw error(sql) }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(sql) }
            let n = sqlite3_column_count(statement)
            var row: [SQLiteValue] = []
            row.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(statement, c)))
                case SQLITE_TEXT: row.append(.text(String(cString: sqlite3_column_text(statement, c))))
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` inside one immediate transaction: all of its changes are
    /// committed together, or none when it throws.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The row id of the last insert on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

    private func error(_ sql: String) -> BatchError {
        BatchError.database(path: path, reason: "\(String(cString: sqlite3_errmsg(db))) (in: \(sql.prefix(80)))")
    }
}
