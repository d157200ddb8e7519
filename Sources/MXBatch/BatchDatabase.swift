// BatchDatabase: the state of every sweep of a batch (pending, running, done, failed) in out/mxflow_batch.sqlite.
import Foundation

/// Where a sweep stands.
public enum SweepStatus: String, Sendable, CaseIterable {
    case pending, running, done, failed
}

/// Key statistics of a processed sweep, read from its mxflow.json.
public struct SweepStatistics: Equatable, Sendable {
    public var spaceGroup: String?
    public var unitCell: [Double]?
    public var dMin: Double?
    public var ccHalf: Double?
    public var completeness: Double?
    public var iOverSigma: Double?
    public var multiplicity: Double?
    public var rMerge: Double?
    public init(spaceGroup: String? = nil, unitCell: [Double]? = nil, dMin: Double? = nil, ccHalf: Double? = nil,
                completeness: Double? = nil, iOverSigma: Double? = nil, multiplicity: Double? = nil,
                rMerge: Double? = nil) {
        self.spaceGroup = spaceGroup; self.unitCell = unitCell; self.dMin = dMin; self.ccHalf = ccHalf
        self.completeness = completeness; self.iOverSigma = iOverSigma; self.multiplicity = multiplicity
        self.rMerge = rMerge
    }
}

/// One row of the sweeps table.
public struct SweepRecord: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var kind: Sweep.Kind
    public var path: String
    public var outputDir: String
    public var status: SweepStatus
    /// Why it failed (or why a run was interrupted), one sentence.
    public var reason: String?
    public var failedStep: String?
    /// How many times it was started.
    public var attempts: Int
    public var engine: String?
    /// The local child (pid, its start time in clock ticks from /proc, host), to find it after a crash.
    public var pid: Int?
    public var pidStart: String?
    public var host: String?
    /// The Slurm job and array task, `1234_5`.
    public var slurmJob: String?
    public var exitCode: Int?
    /// Seconds since 1970.
    public var started: Double?
    public var finished: Double?
    public var statistics: SweepStatistics

    public var seconds: Double? {
        guard let s = started, let f = finished else { return nil }
        return f - s
    }
    public var sweep: Sweep { Sweep(name: name, kind: kind, path: path) }
}

/// The batch's SQLite database. Every change is one transaction, so a
/// batch killed at any moment resumes from a consistent state.
public final class BatchDatabase {
    public static let fileName = "mxflow_batch.sqlite"
    public let connection: SQLiteConnection
    public var path: String { connection.path }

    /// Opens or creates the database in `folder`.
    public init(folder: String) throws {
        connection = try SQLiteConnection(path: folder + "/" + Self.fileName)
        // An existing database is opened without writing (readers such as
        // batch-report must not contend with a running batch).
        let tables = try connection.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'sweeps')")
        if tables.count == 2 { return }
        try connection.transaction {
            try connection.execute("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS sweeps (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                path TEXT NOT NULL UNIQUE,
                output_dir TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
                reason TEXT, failed_step TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                engine TEXT, pid INTEGER, pid_start TEXT, host TEXT, slurm_job TEXT,
                exit_code INTEGER, started REAL, finished REAL,
                space_group TEXT, unit_cell TEXT, d_min REAL, cc_half REAL, completeness REAL,
                i_over_sigma REAL, multiplicity REAL, r_merge REAL
            );
            INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
            """)
        }
    }

    /// Opens the database of an existing batch folder.
    /// - Throws: `BatchError.noDatabase` when the folder has none.
    public static func existing(folder: String) throws -> BatchDatabase {
        guard FileManager.default.fileExists(atPath: folder + "/" + fileName) else {
            throw BatchError.noDatabase(path: folder)
        }
        return try BatchDatabase(folder: folder)
    }

    /// Adds the sweeps not yet known (by path) as pending, each with the
    /// output folder `outputDir(sweep)`, renaming any whose name is taken;
    /// returns the records of all of `sweeps`, known or new.
    @discardableResult
    public func register(_ sweeps: [Sweep], outputDir: (Sweep) -> String) throws -> [SweepRecord] {
        try connection.transaction {
            let known = try records()
            let byPath = Dictionary(known.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            let fresh = SweepDiscovery.uniquelyNamed(sweeps.filter { byPath[$0.path] == nil },
                                                     taken: Set(known.map(\.name)))
            for s in fresh {
                try connection.query("INSERT INTO sweeps (name, kind, path, output_dir) VALUES (?, ?, ?, ?)",
                                     [.text(s.name), .text(s.kind.rawValue), .text(s.path), .text(outputDir(s))])
            }
            let all = try records()
            let wanted = Set(sweeps.map(\.path))
            return all.filter { wanted.contains($0.path) }
        }
    }

    /// Every sweep, in the order they were added.
    public func records() throws -> [SweepRecord] {
        try connection.query("SELECT \(Self.columns) FROM sweeps ORDER BY id").map(Self.record)
    }

    public func record(id: Int64) throws -> SweepRecord? {
        try connection.query("SELECT \(Self.columns) FROM sweeps WHERE id = ?", [.integer(id)]).first.map(Self.record)
    }

    /// Marks a sweep started (one more attempt), clearing the last result.
    public func markRunning(id: Int64, engine: String, pid: Int? = nil, pidStart: String? = nil, host: String? = nil,
                            slurmJob: String? = nil, at time: Double = Date().timeIntervalSince1970) throws {
        try connection.transaction {
            try connection.query("""
                UPDATE sweeps SET status = 'running', attempts = attempts + 1, engine = ?, pid = ?, pid_start = ?,
                  host = ?, slurm_job = ?, started = ?, finished = NULL, reason = NULL, failed_step = NULL,
                  exit_code = NULL, space_group = NULL, unit_cell = NULL, d_min = NULL, cc_half = NULL,
                  completeness = NULL, i_over_sigma = NULL, multiplicity = NULL, r_merge = NULL
                WHERE id = ?
                """, [.text(engine), pid.map { .integer(Int64($0)) } ?? .null, pidStart.map(SQLiteValue.text) ?? .null,
                      host.map(SQLiteValue.text) ?? .null, slurmJob.map(SQLiteValue.text) ?? .null, .real(time),
                      .integer(id)])
        }
    }

    /// Marks sweeps submitted as Slurm array tasks (`jobs[i]` = `1234_5`),
    /// all in one transaction once sbatch has answered.
    public func markSubmitted(ids: [Int64], jobs: [String], at time: Double = Date().timeIntervalSince1970) throws {
        try connection.transaction {
            for (id, job) in zip(ids, jobs) {
                try connection.query("""
                    UPDATE sweeps SET status = 'running', attempts = attempts + 1, engine = 'slurm', pid = NULL,
                      pid_start = NULL, host = NULL, slurm_job = ?, started = ?, finished = NULL, reason = NULL,
                      failed_step = NULL, exit_code = NULL
                    WHERE id = ?
                    """, [.text(job), .real(time), .integer(id)])
            }
        }
    }

    /// Records a finished run.
    public func markFinished(id: Int64, outcome: SweepOutcome, at time: Double = Date().timeIntervalSince1970) throws {
        try connection.transaction {
            let s = outcome.statistics
            try connection.query("""
                UPDATE sweeps SET status = ?, reason = ?, failed_step = ?, exit_code = ?, finished = ?, pid = NULL,
                  space_group = ?, unit_cell = ?, d_min = ?, cc_half = ?, completeness = ?, i_over_sigma = ?,
                  multiplicity = ?, r_merge = ?
                WHERE id = ?
                """, [.text(outcome.succeeded ? SweepStatus.done.rawValue : SweepStatus.failed.rawValue),
                      outcome.reason.map(SQLiteValue.text) ?? .null, outcome.failedStep.map(SQLiteValue.text) ?? .null,
                      outcome.exitCode.map { .integer(Int64($0)) } ?? .null, .real(time),
                      s.spaceGroup.map(SQLiteValue.text) ?? .null,
                      s.unitCell.map { .text($0.map { "\($0)" }.joined(separator: " ")) } ?? .null,
                      Self.real(s.dMin), Self.real(s.ccHalf), Self.real(s.completeness), Self.real(s.iOverSigma),
                      Self.real(s.multiplicity), Self.real(s.rMerge), .integer(id)])
        }
    }

    /// Puts a sweep back to pending (an interrupted run, or a retry), keeping why.
    public func markPending(id: Int64, reason: String?) throws {
        try connection.transaction {
            try connection.query("UPDATE sweeps SET status = 'pending', reason = ?, pid = NULL, finished = NULL WHERE id = ?",
                                 [reason.map(SQLiteValue.text) ?? .null, .integer(id)])
        }
    }

    /// Puts every failed sweep back to pending (`retry_failed=True`); returns how many.
    @discardableResult
    public func requeueFailed() throws -> Int {
        try connection.transaction {
            let n = try connection.query("SELECT COUNT(*) FROM sweeps WHERE status = 'failed'").first?.first?.int ?? 0
            try connection.execute("UPDATE sweeps SET status = 'pending' WHERE status = 'failed'")
            return n
        }
    }

    // MARK: rows

    static let columns = """
        id, name, kind, path, output_dir, status, reason, failed_step, attempts, engine, pid, pid_start, host,
        slurm_job, exit_code, started, finished, space_group, unit_cell, d_min, cc_half, completeness,
        i_over_sigma, multiplicity, r_merge
        """

    static func record(_ r: [SQLiteValue]) -> SweepRecord {
        let cell = r[18].string.map { $0.split(separator: " ").compactMap { Double($0) } }
        return SweepRecord(
            id: Int64(r[0].int ?? 0), name: r[1].string ?? "", kind: Sweep.Kind(rawValue: r[2].string ?? "") ?? .nxmx,
            path: r[3].string ?? "", outputDir: r[4].string ?? "",
            status: SweepStatus(rawValue: r[5].string ?? "") ?? .pending, reason: r[6].string, failedStep: r[7].string,
            attempts: r[8].int ?? 0, engine: r[9].string, pid: r[10].int, pidStart: r[11].string, host: r[12].string,
            slurmJob: r[13].string, exitCode: r[14].int, started: r[15].double, finished: r[16].double,
            statistics: SweepStatistics(spaceGroup: r[17].string, unitCell: cell, dMin: r[19].double,
                                        ccHalf: r[20].double, completeness: r[21].double, iOverSigma: r[22].double,
                                        multiplicity: r[23].double, rMerge: r[24].double))
    }

    static func real(_ v: Double?) -> SQLiteValue { v.map { $0.isFinite ? .real($0) : .null } ?? .null }
}
