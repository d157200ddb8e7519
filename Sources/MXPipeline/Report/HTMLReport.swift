// HTMLReport: mxflow.html, the human report of a process run, as one self-contained HTML file (inline CSS and SVG).
import Foundation

/// Renders a `ProcessSummary` as one HTML file that needs nothing else: no
/// script, no external style sheet, font or image (plots are inline SVG), so
/// it can be mailed, archived or opened from a beamline file share as is.
///
/// The markup is also well-formed XML (every element closed, only the five
/// XML entities and numeric references), so tools can parse it. Every section
/// is always present; one whose data the run did not produce says so.
public enum HTMLReport {
    /// The sections in page order: anchor id and heading.
    static let sections: [(id: String, title: String)] = [
        ("summary", "Summary"),
        ("decisions", "Decisions"),
        ("steps", "Steps"),
        ("spot-finding", "Spot finding"),
        ("indexing", "Indexing"),
        ("refinement", "Refinement"),
        ("scaling", "Scaling"),
        ("statistics-vs-resolution", "Statistics by resolution"),
        ("wilson", "Wilson plot"),
        ("resolution-fit", "Resolution estimate"),
        ("shells", "Merging statistics by shell"),
        ("files", "Output files"),
    ]

    public static func render(_ s: ProcessSummary) -> String {
        var body = header(s)
        body += "<nav>" + sections.map { "<a href=\"#\($0.id)\">\(HTMLText.escape($0.title))</a>" }.joined(separator: " · ")
            + "</nav>"
        let absent = absentNote(s)
        body += section("summary", summaryTable(s) ?? absent)
        body += section("decisions", decisionsTable(s))
        body += section("steps", stepsTable(s))
        body += section("spot-finding", spotsPlot(s) ?? absent)
        body += section("indexing", indexing(s) ?? absent)
        body += section("refinement", rmsdPlot(s) ?? absent)
        body += section("scaling", scalingPlots(s) ?? absent)
        body += section("statistics-vs-resolution", resolutionPlots(s) ?? absent)
        body += section("wilson", wilsonPlot(s) ?? absent)
        body += section("resolution-fit", resolutionFitPlot(s) ?? absent)
        body += section("shells", shellTable(s) ?? absent)
        body += section("files", filesList(s))
        body += "<footer>Written by mxflow \(HTMLText.escape(s.mxflowVersion)). Statistics are on merged intensities; "
            + "d*² = 1/d².</footer>"

        let title = "mxflow report: \(statusWord(s.status))" + (s.inputs.first.map { " — \($0)" } ?? "")
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<meta name=\"generator\" content=\"mxflow \(HTMLText.escape(s.mxflowVersion))\"/>"
            + "<title>\(HTMLText.escape(title))</title><style>\(css)</style></head>\n<body>\n"
            + body + "\n</body></html>\n"
    }

    // MARK: page parts

    private static func section(_ id: String, _ content: String) -> String {
        let title = sections.first { $0.id == id }!.title
        return "<section id=\"\(id)\"><h2>\(HTMLText.escape(title))</h2>\n\(content)</section>\n"
    }

    /// What a section shows when its data is missing: why depends on how the run ended.
    private static func absentNote(_ s: ProcessSummary) -> String {
        switch s.status {
        case "failed":
            let at = s.failure.map { " (the run stopped at step \($0.step))" } ?? ""
            return "<p class=\"absent\">not reached\(HTMLText.escape(at))</p>"
        case "running": return "<p class=\"absent\">not reached yet</p>"
        default: return "<p class=\"absent\">not reached (this pipeline did not produce it)</p>"
        }
    }

    private static func statusWord(_ status: String) -> String {
        switch status {
        case "success": return "success"
        case "failed": return "FAILED"
        case "running": return "running"
        default: return status
        }
    }

    private static func header(_ s: ProcessSummary) -> String {
        var out = "<header><h1>mxflow processing report</h1>\n"
        let cls = ["success": "ok", "failed": "failed", "running": "running"][s.status] ?? "running"
        out += "<div id=\"status\" class=\"status \(cls)\">"
        switch s.status {
        case "success":
            out += "<strong>Success</strong>"
            if let r = s.result {
                out += ": " + HTMLText.escape("\(r.spaceGroup), \(HTMLText.number(r.dMax, 2))–\(HTMLText.number(r.dMin, 2)) Å, "
                    + "CC½ \(HTMLText.number(r.outer.ccHalf, 2)) and ⟨I/σ⟩ \(HTMLText.number(r.outer.iOverSigma, 1)) "
                    + "in the outer shell")
            }
        case "failed":
            out += "<strong>Failed</strong>"
            if let f = s.failure {
                out += " at step <code>\(HTMLText.escape(f.step))</code>: <span class=\"reason\">"
                    + HTMLText.escape(f.reason) + "</span>"
            }
        case "running":
            out += "<strong>Running</strong> (this report is rewritten as steps finish)"
        default:
            out += "<strong>\(HTMLText.escape(s.status))</strong>"
        }
        out += "</div>\n<table class=\"kv\">"
        func row(_ k: String, _ v: String) { out += "<tr><th>\(HTMLText.escape(k))</th><td>\(v)</td></tr>" }
        row(s.inputs.count == 1 ? "Input" : "Inputs",
            s.inputs.isEmpty ? "–" : s.inputs.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: "<br/>"))
        row("Pipeline", HTMLText.escape(s.pipeline))
        row("Output folder", "<code>\(HTMLText.escape(s.outputDir))</code>")
        row("mxflow version", HTMLText.escape(s.mxflowVersion))
        row("Started", HTMLText.escape(s.timings.started.isEmpty ? "–" : s.timings.started))
        row("Finished", HTMLText.escape(s.timings.finished.isEmpty ? "–" : s.timings.finished))
        row("Total time", HTMLText.escape(HTMLText.duration(s.timings.totalSeconds)))
        return out + "</table></header>\n"
    }

    // MARK: tables

    private static func summaryTable(_ s: ProcessSummary) -> String? {
        guard let r = s.result else { return nil }
        let cols = [r.overall, r.inner, r.outer]
        var out = "<table id=\"summary-table\" class=\"data t1\"><thead><tr><th></th><th>Overall</th>"
            + "<th>Inner shell</th><th>Outer shell</th></tr></thead><tbody>"
        func wide(_ k: String, _ v: String) {
            out += "<tr><th>\(HTMLText.escape(k))</th><td colspan=\"3\">\(HTMLText.escape(v))</td></tr>"
        }
        func row(_ k: String, _ f: (ProcessSummary.Shell) -> String) {
            out += "<tr><th>\(HTMLText.escape(k))</th>" + cols.map { "<td>\(HTMLText.escape(f($0)))</td>" }.joined()
                + "</tr>"
        }
        wide("Space group", "\(r.spaceGroup) (No. \(r.spaceGroupNumber))")
        wide("Unit cell a, b, c (Å); α, β, γ (°)", cellText(r.unitCell))
        wide("Wavelength (Å)", HTMLText.number(r.wavelength, 5))
        row("Resolution range (Å)") { "\(dText($0.dMax))–\(HTMLText.number($0.dMin, 2))" }
        row("Observations") { HTMLText.integer($0.nObs) }
        row("Unique reflections") { HTMLText.integer($0.nUnique) }
        row("Multiplicity") { HTMLText.number($0.multiplicity, 1) }
        row("Completeness (%)") { HTMLText.percent($0.completeness) }
        row("⟨I/σ(I)⟩") { HTMLText.number($0.iOverSigma, 1) }
        row("Rmerge(I)") { HTMLText.number($0.rMerge, 3) }
        row("Rmeas(I)") { HTMLText.number($0.rMeas, 3) }
        row("Rpim(I)") { HTMLText.number($0.rPim, 3) }
        row("CC½") { HTMLText.number($0.ccHalf, 3) }
        if r.anomalous {
            row("Anomalous completeness (%)") { HTMLText.percent($0.anomalousCompleteness) }
            row("Anomalous multiplicity") { HTMLText.number($0.anomalousMultiplicity, 1) }
            row("CCano") { HTMLText.number($0.ccAno, 3) }
        }
        return out + "</tbody></table>\n"
    }

    private static func decisionsTable(_ s: ProcessSummary) -> String {
        guard !s.decisions.isEmpty else { return "<p class=\"absent\">no decisions recorded</p>" }
        var out = "<table id=\"decisions-table\" class=\"data left\"><thead><tr><th>#</th><th>Step</th><th>Decision</th>"
            + "<th>Reason</th></tr></thead><tbody>"
        for (i, d) in s.decisions.enumerated() {
            out += "<tr><td>\(i + 1)</td><td><code>\(HTMLText.escape(d.step))</code></td><td>"
                + "\(HTMLText.escape(d.decision))</td><td>\(HTMLText.escape(d.reason))</td></tr>"
        }
        return out + "</tbody></table>\n"
    }

    private static func stepsTable(_ s: ProcessSummary) -> String {
        guard !s.steps.isEmpty else { return "<p class=\"absent\">no step ran</p>" }
        var out = "<table id=\"steps-table\" class=\"data left\"><thead><tr><th>Step</th><th>Status</th>"
            + "<th class=\"num\">Time</th></tr></thead><tbody>"
        for st in s.steps {
            let cls = ["done": "ok", "resumed": "resumed", "failed": "failed", "skipped": "skipped"][st.status] ?? ""
            out += "<tr><td><code>\(HTMLText.escape(st.name))</code></td><td class=\"st \(cls)\">"
                + "\(HTMLText.escape(st.status))</td><td class=\"num\">\(HTMLText.escape(HTMLText.duration(st.seconds)))"
                + "</td></tr>"
        }
        let total = s.steps.map(\.seconds).filter(\.isFinite).reduce(0, +)
        out += "<tr class=\"total\"><td>all steps</td><td></td><td class=\"num\">"
            + "\(HTMLText.escape(HTMLText.duration(total)))</td></tr>"
        return out + "</tbody></table>\n"
    }

    private static func shellTable(_ s: ProcessSummary) -> String? {
        guard let r = s.result, !r.shells.isEmpty else { return nil }
        var head = ["d max (Å)", "d min (Å)", "#obs", "#unique", "Mult.", "Compl. (%)", "⟨I/σ⟩", "Rmerge", "Rmeas",
                    "Rpim", "CC½"]
        if r.anomalous { head += ["CCano", "Anom. compl. (%)", "Anom. mult."] }
        var out = "<table id=\"shells-table\" class=\"data\"><thead><tr>"
            + head.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        func row(_ x: ProcessSummary.Shell, cls: String = "") -> String {
            var cells = [dText(x.dMax), HTMLText.number(x.dMin, 2), HTMLText.integer(x.nObs), HTMLText.integer(x.nUnique),
                         HTMLText.number(x.multiplicity, 1), HTMLText.percent(x.completeness),
                         HTMLText.number(x.iOverSigma, 1), HTMLText.number(x.rMerge, 3), HTMLText.number(x.rMeas, 3),
                         HTMLText.number(x.rPim, 3), HTMLText.number(x.ccHalf, 3)]
            if r.anomalous {
                cells += [HTMLText.number(x.ccAno, 3), HTMLText.percent(x.anomalousCompleteness),
                          HTMLText.number(x.anomalousMultiplicity, 1)]
            }
            return "<tr\(cls.isEmpty ? "" : " class=\"\(cls)\"")>" + cells.map { "<td>\(HTMLText.escape($0))</td>" }.joined()
                + "</tr>"
        }
        out += r.shells.map { row($0) }.joined()
        out += row(r.overall, cls: "total")
        return out + "</tbody></table>\n"
    }

    private static func filesList(_ s: ProcessSummary) -> String {
        let f = s.files
        let entries: [(String, String?)] = [
            ("merged intensities (MTZ)", f.mergedMtz), ("scaled unmerged intensities (MTZ)", f.unmergedMtz),
            ("experiments", f.experiments), ("reflections", f.reflections), ("log", f.log), ("this report", f.html),
        ]
        let present = entries.compactMap { e in e.1.map { (e.0, $0) } }
        guard !present.isEmpty else { return "<p class=\"absent\">no output file written</p>" }
        // Names are relative to the output folder; links are relative to where this report lies in it.
        let depth = f.html.map { ($0 as NSString).deletingLastPathComponent }
            .map { $0.split(separator: "/").filter { $0 != "." }.count } ?? 0
        let up = String(repeating: "../", count: depth)
        var out = "<ul id=\"files-list\">"
        for (what, name) in present {
            let href = up + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)
            out += "<li><a href=\"\(HTMLText.escape(href))\">\(HTMLText.escape(name))</a> — \(HTMLText.escape(what))</li>"
        }
        return out + "</ul>\n"
    }

    // MARK: plots

    private static func figures(_ svgs: [String], caption: String? = nil) -> String {
        "<div class=\"figs\">" + svgs.map { "<figure>\($0)</figure>" }.joined() + "</div>\n"
            + (caption.map { "<p class=\"caption\">\(HTMLText.escape($0))</p>\n" } ?? "")
    }

    private static func perImageCaption(_ runLength: Int) -> String? {
        runLength > 1 ? "Each point is the mean of \(runLength) consecutive images." : nil
    }

    private static func spotsPlot(_ s: ProcessSummary) -> String? {
        let v = s.plots.spotsPerImage
        guard !v.isEmpty else { return nil }
        let (rows, k) = Decimation.averaged(v.map { (Double($0.image), [$0.value]) })
        let plot = SVGPlot(title: "Strong spots per image", xLabel: "image", yLabel: "spots",
                           series: [.init(name: "spots", points: rows.map { ($0.x, $0.ys[0]) })], yInclude: [0])
        let total = v.map(\.value).filter(\.isFinite).reduce(0, +)
        let note = "\(HTMLText.integer(Int(total))) strong spots on \(HTMLText.integer(v.count)) images."
        return figures([plot.svg()], caption: [note, perImageCaption(k)].compactMap { $0 }.joined(separator: " "))
    }

    private static func indexing(_ s: ProcessSummary) -> String? {
        guard let ix = s.plots.indexing else { return nil }
        let total = ix.lattices.map(\.indexed).reduce(0, +) + ix.unindexed
        func share(_ n: Int) -> String { total > 0 ? HTMLText.number(100 * Double(n) / Double(total), 1) : "–" }
        var out = "<table id=\"indexing-table\" class=\"data\"><thead><tr><th>Lattice</th>"
            + "<th>a (Å)</th><th>b (Å)</th><th>c (Å)</th><th>α (°)</th><th>β (°)</th><th>γ (°)</th>"
            + "<th>Indexed spots</th><th>% of spots</th></tr></thead><tbody>"
        for (i, l) in ix.lattices.enumerated() {
            let cell = (0..<6).map { $0 < l.unitCell.count ? HTMLText.number(l.unitCell[$0], 2) : "–" }
            out += "<tr><td>\(i + 1)</td>" + cell.map { "<td>\(HTMLText.escape($0))</td>" }.joined()
                + "<td>\(HTMLText.integer(l.indexed))</td><td>\(share(l.indexed))</td></tr>"
        }
        out += "<tr class=\"total\"><td>unindexed</td><td colspan=\"6\"></td><td>\(HTMLText.integer(ix.unindexed))</td>"
            + "<td>\(share(ix.unindexed))</td></tr></tbody></table>\n"
        var parts = ix.lattices.enumerated().map { i, l in
            SVGStackedBar.Part(label: "lattice \(i + 1)", value: Double(l.indexed),
                               color: SVGPlot.palette[i % (SVGPlot.palette.count - 1)])
        }
        parts.append(.init(label: "unindexed", value: Double(ix.unindexed), color: "#bbbbbb"))
        let noLattice = ix.lattices.isEmpty ? "<p class=\"absent\">no lattice found</p>\n" : ""
        return noLattice + out + figures([SVGStackedBar(title: "Spots indexed by lattice", parts: parts).svg()])
    }

    private static func rmsdPlot(_ s: ProcessSummary) -> String? {
        let v = s.plots.rmsdPerImage
        guard !v.isEmpty else { return nil }
        let (rows, k) = Decimation.averaged(v.map { (Double($0.image), [$0.x, $0.y, $0.phi]) })
        let plot = SVGPlot(title: "Refined positional RMSDs by image", xLabel: "image",
                           yLabel: "RMSD (x, y: px; φ: images)",
                           series: ["x", "y", "φ"].enumerated().map { j, name in
                               .init(name: name, points: rows.map { ($0.x, $0.ys[j]) })
                           }, yInclude: [0])
        return figures([plot.svg()], caption: perImageCaption(k))
    }

    private static func scalingPlots(_ s: ProcessSummary) -> String? {
        let v = s.plots.scalePerImage
        guard !v.isEmpty else { return nil }
        let (rows, k) = Decimation.averaged(v.map { (Double($0.image), [$0.scale, $0.b]) })
        let scale = SVGPlot(title: "Scale factor by image", xLabel: "image", yLabel: "scale",
                            series: [.init(name: "scale", points: rows.map { ($0.x, $0.ys[0]) })])
        let b = SVGPlot(title: "Relative B by image", xLabel: "image", yLabel: "relative B (Å²)",
                        series: [.init(name: "B", points: rows.map { ($0.x, $0.ys[1]) }, color: SVGPlot.palette[1])])
        return figures([scale.svg(), b.svg()], caption: perImageCaption(k))
    }

    private static func resolutionPlots(_ s: ProcessSummary) -> String? {
        guard let r = s.result, !r.shells.isEmpty else { return nil }
        let x = r.shells.map { ResolutionAxis.shellCentre(dMax: $0.dMax, dMin: $0.dMin) }
        let ticks = ResolutionAxis.ticks(for: x)
        func pts(_ f: (ProcessSummary.Shell) -> Double) -> [(x: Double, y: Double)] {
            zip(x, r.shells).map { ($0, f($1)) }
        }
        let xLabel = "resolution d (Å), on a d*² scale"
        var cc: [SVGPlot.Series] = [.init(name: "CC½", points: pts(\.ccHalf))]
        if r.anomalous { cc.append(.init(name: "CCano", points: pts(\.ccAno))) }
        var comp: [SVGPlot.Series] = [.init(name: "completeness", points: pts { 100 * $0.completeness })]
        if r.anomalous {
            comp.append(.init(name: "anomalous completeness", points: pts { 100 * $0.anomalousCompleteness }))
        }
        let plots = [
            SVGPlot(title: "CC½ by resolution", xLabel: xLabel, yLabel: "correlation", series: cc, xTicks: ticks,
                    yInclude: [0, 1]),
            SVGPlot(title: "⟨I/σ(I)⟩ by resolution", xLabel: xLabel, yLabel: "⟨I/σ(I)⟩",
                    series: [.init(name: "⟨I/σ⟩", points: pts(\.iOverSigma))], xTicks: ticks, yInclude: [0]),
            SVGPlot(title: "Completeness by resolution", xLabel: xLabel, yLabel: "completeness (%)", series: comp,
                    xTicks: ticks, yInclude: [0, 100]),
            SVGPlot(title: "Multiplicity by resolution", xLabel: xLabel, yLabel: "multiplicity",
                    series: [.init(name: "multiplicity", points: pts(\.multiplicity))], xTicks: ticks, yInclude: [0]),
        ]
        return figures(plots.map { $0.svg() })
    }

    private static func wilsonPlot(_ s: ProcessSummary) -> String? {
        let w = s.plots.wilson
        guard !w.isEmpty else { return nil }
        let plot = SVGPlot(title: "Wilson plot", xLabel: "resolution d (Å), on a d*² scale", yLabel: "ln⟨I⟩",
                           series: [.init(name: "ln⟨I⟩", points: w.map { ($0.x, $0.y) })],
                           xTicks: ResolutionAxis.ticks(for: w.map(\.x)))
        return figures([plot.svg()])
    }

    private static func resolutionFitPlot(_ s: ProcessSummary) -> String? {
        guard let f = s.plots.resolutionFit, !f.dStarSquared.isEmpty else { return nil }
        let obs = zip(f.dStarSquared, f.observed).map { (x: $0, y: $1) }
        let fit = zip(f.dStarSquared, f.fitted).map { (x: $0, y: $1) }
        var rules = [SVGPlot.Rule(axis: .y, value: f.limit, label: "CC½ = \(HTMLText.number(f.limit, 2))")]
        if let d = f.dMin, d > 0, d.isFinite {
            rules.append(.init(axis: .x, value: 1 / (d * d), label: "d min = \(HTMLText.number(d, 2)) Å",
                               color: SVGPlot.palette[1]))
        }
        let plot = SVGPlot(title: "CC½ resolution fit", xLabel: "resolution d (Å), on a d*² scale", yLabel: "CC½",
                           series: [.init(name: "observed", points: obs, style: .points),
                                    .init(name: "fitted", points: fit, style: .line, color: SVGPlot.palette[2])],
                           xTicks: ResolutionAxis.ticks(for: f.dStarSquared), yInclude: [0, 1], rules: rules)
        let verdict = f.dMin.map { "Resolution limit where the fitted CC½ falls to \(HTMLText.number(f.limit, 2)): "
            + "\(HTMLText.number($0, 2)) Å." } ?? "The fitted CC½ does not fall to \(HTMLText.number(f.limit, 2)) "
            + "within the data: the limit is the edge of the data."
        return figures([plot.svg()], caption: verdict)
    }

    // MARK: formatting

    private static func dText(_ d: Double) -> String { d.isFinite ? HTMLText.number(d, 2) : "∞" }

    private static func cellText(_ c: [Double]) -> String {
        guard c.count == 6 else { return c.map { HTMLText.number($0, 2) }.joined(separator: " ") }
        return c[0..<3].map { HTMLText.number($0, 2) }.joined(separator: ", ") + "; "
            + c[3..<6].map { HTMLText.number($0, 2) }.joined(separator: ", ")
    }

    private static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:0 auto;\
        max-width:1320px;padding:0 20px 40px;color:#222;line-height:1.4}
        h1{font-size:1.6em;margin:18px 0 8px}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:3px;\
        margin-top:28px}
        code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em}
        nav{margin:12px 0;font-size:.92em}nav a{color:#0b5394;text-decoration:none}
        .status{font-size:1.15em;padding:10px 14px;border-radius:4px;margin:8px 0 12px;border-left:6px solid}
        .status.ok{background:#e8f5e9;border-color:#2e7d32}.status.failed{background:#fdecea;border-color:#c62828}
        .status.running{background:#fff8e1;border-color:#f9a825}.status .reason{font-family:monospace}
        table{border-collapse:collapse;font-size:.92em;margin:6px 0}
        table.kv th{text-align:left;padding:2px 14px 2px 0;color:#555;font-weight:600;vertical-align:top}
        table.data th,table.data td{border:1px solid #ddd;padding:3px 8px;text-align:right}
        table.data thead th{background:#f2f4f7}table.data tbody th{text-align:left;background:#fafafa}
        table.data.left td,table.data.left th{text-align:left}table.data td.num{text-align:right}
        table.t1 td{min-width:90px}tr.total td{font-weight:600;background:#f6f6f6}
        td.st.ok{color:#2e7d32}td.st.failed{color:#c62828;font-weight:600}td.st.resumed{color:#1565c0}
        td.st.skipped{color:#777}
        .absent{color:#888;font-style:italic}.caption{color:#555;font-size:.9em;margin:2px 0 8px}
        .figs{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}
        svg.plot{max-width:100%;height:auto;font-size:12px}
        svg .pt{font-size:14px;font-weight:600;fill:#222}svg .tl{font-size:11px;fill:#444}
        svg .al{font-size:12px;fill:#222}svg .lg{font-size:12px;fill:#222}svg .rl{font-size:11px;fill:#333}
        svg .pn{font-size:13px;fill:#888}svg .pf{fill:#fff;stroke:#999}svg .pg{stroke:#e6e6e6;fill:none}
        svg .pr{fill:none;stroke-width:1.3;stroke-dasharray:5 3}
        footer{margin-top:32px;color:#777;font-size:.85em}
        """
}
