// BatchReport: one row per sweep (cell, space group, resolution, CC½, completeness, I/σ, status, time) as text, CSV, JSON and HTML.
import Foundation
import MXFormats

/// The table `mxflow batch-report` prints and writes.
public struct BatchReport {
    public let records: [SweepRecord]
    public init(records: [SweepRecord]) { self.records = records }

    public static let csvName = "batch_report.csv", jsonName = "batch_report.json", htmlName = "batch_report.html"

    static let header = ["sweep", "status", "space_group", "a", "b", "c", "alpha", "beta", "gamma", "d_min",
                         "cc_half", "completeness", "i_over_sigma", "multiplicity", "seconds", "attempts",
                         "reason", "path"]

    /// The cells of one row, as text (empty where unknown).
    static func cells(_ r: SweepRecord) -> [String] {
        let s = r.statistics
        let cell = (0..<6).map { i in s.unitCell.flatMap { i < $0.count ? String(format: "%.3f", $0[i]) : nil } ?? "" }
        return [r.name, r.status.rawValue, s.spaceGroup ?? ""] + cell + [
            fmt(s.dMin, "%.2f"), fmt(s.ccHalf, "%.4f"), fmt(s.completeness, "%.4f"), fmt(s.iOverSigma, "%.2f"),
            fmt(s.multiplicity, "%.2f"), fmt(r.seconds, "%.1f"), "\(r.attempts)", r.reason ?? "", r.path]
    }

    static func fmt(_ v: Double?, _ f: String) -> String { v.map { String(format: f, $0) } ?? "" }

    /// "  (P 41 21 2, 1.50 Å, CC½ 0.998)", or "" without statistics.
    public static func brief(_ s: SweepStatistics) -> String {
        guard let sg = s.spaceGroup else { return "" }
        return " (\(sg)" + (s.dMin.map { String(format: ", %.2f Å", $0) } ?? "")
            + (s.ccHalf.map { String(format: ", CC½ %.3f", $0) } ?? "") + ")"
    }

    /// RFC 4180 CSV.
    public var csv: String {
        let quote = { (s: String) -> String in
            s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([Self.header] + records.map(Self.cells)).map { $0.map(quote).joined(separator: ",") }
            .joined(separator: "\n") + "\n"
    }

    /// A JSON object: counts by status and one object per sweep.
    public var json: String {
        func num(_ v: Double?) -> JSONValue { v.map { $0.isFinite ? .double($0) : .null } ?? .null }
        func str(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        let rows: [JSONValue] = records.map { r in
            let s = r.statistics
            return .object([
                ("sweep", .string(r.name)), ("status", .string(r.status.rawValue)), ("path", .string(r.path)),
                ("output_dir", .string(r.outputDir)), ("space_group", str(s.spaceGroup)),
                ("unit_cell", s.unitCell.map { .array($0.map { .double($0) }) } ?? .null),
                ("d_min", num(s.dMin)), ("cc_half", num(s.ccHalf)), ("completeness", num(s.completeness)),
                ("i_over_sigma", num(s.iOverSigma)), ("multiplicity", num(s.multiplicity)), ("r_merge", num(s.rMerge)),
                ("seconds", num(r.seconds)), ("attempts", .int(r.attempts)),
                ("engine", str(r.engine)), ("slurm_job", str(r.slurmJob)),
                ("failed_step", str(r.failedStep)), ("reason", str(r.reason)),
            ])
        }
        let counts: [(String, JSONValue)] = SweepStatus.allCases.map { st in
            (st.rawValue, .int(records.filter { $0.status == st }.count))
        }
        return JSONValue.object([("counts", .object(counts)), ("sweeps", .array(rows))]).pythonJSON() + "\n"
    }

    /// The terminal table.
    public var text: String {
        let head = ["sweep", "status", "space group", "cell (a b c α β γ)", "d_min", "CC½", "compl.", "I/σ", "time (s)"]
        var rows = [head]
        for r in records {
            let c = Self.cells(r)
            let cell = c[3...8].allSatisfy(\.isEmpty) ? "" : c[3...8].map { $0.isEmpty ? "?" : String(format: "%.2f", Double($0)!) }.joined(separator: " ")
            rows.append([c[0], c[1], c[2], cell, c[9], c[10], c[11], c[12], c[14]])
        }
        let widths = head.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var out = rows.map { row in
            row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        for r in records where r.status == .failed { out.append("\(r.name): \(r.reason ?? "failed")") }
        out.append(SweepStatus.allCases.map { st in "\(records.filter { $0.status == st }.count) \(st.rawValue)" }
            .joined(separator: ", "))
        return out.joined(separator: "\n") + "\n"
    }

    /// A self-contained HTML page (styles inline, no scripts or links).
    public var html: String {
        let esc = { (s: String) in
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let cols = ["Sweep", "Status", "Space group", "a", "b", "c", "α", "β", "γ", "d<sub>min</sub> (Å)", "CC½",
                    "Completeness", "I/σ", "Multiplicity", "Time (s)", "Attempts", "Reason"]
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>mxflow batch report</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
        table{border-collapse:collapse;font-size:0.9em}
        th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
        th{background:#eef}
        td.l{text-align:left}
        tr.failed td{background:#fdd} tr.running td{background:#ffd} tr.pending td{background:#eee}
        </style></head><body>
        <h1>mxflow batch report</h1>

        """
        h += "<p>" + SweepStatus.allCases.map { st in "\(records.filter { $0.status == st }.count) \(st.rawValue)" }
            .joined(separator: ", ") + "</p>\n<table>\n<tr>" + cols.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for r in records {
            let c = Self.cells(r)
            let shown = Array(c[0...15]) + [c[16]]
            h += "<tr class=\"\(r.status.rawValue)\">" + shown.enumerated().map { i, v in
                let left = i <= 2 || i == 16
                return "<td\(left ? " class=\"l\"" : "")\(i == 0 ? " title=\"\(esc(r.path))\"" : "")>\(esc(v))</td>"
            }.joined() + "</tr>\n"
        }
        h += "</table>\n</body></html>\n"
        return h
    }

    /// Writes the CSV, JSON and HTML into `folder`.
    public func write(to folder: String) throws {
        try AtomicFile.write(csv, to: folder + "/" + Self.csvName)
        try AtomicFile.write(json, to: folder + "/" + Self.jsonName)
        try AtomicFile.write(html, to: folder + "/" + Self.htmlName)
    }
}
