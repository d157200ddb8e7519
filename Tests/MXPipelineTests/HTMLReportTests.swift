// Tests of mxflow.html: structure, escaping, self-containment, graceful gaps, size, and a headless-browser render.
import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MXTestSupport
@testable import MXPipeline

final class HTMLReportTests: XCTestCase {
    // MARK: structure

    func testFullReportIsWellFormedXML() throws {
        let html = HTMLReport.render(ProcessSummarySample.full())
        try assertWellFormed(html)
    }

    func testFailedReportIsWellFormedXML() throws {
        try assertWellFormed(HTMLReport.render(ProcessSummarySample.failedEarly()))
    }

    func testTagCheckerCatchesUnbalancedMarkup() {
        // The fallback checker must fail on what a browser would silently repair.
        XCTAssertNotNil(unbalancedTag("<div><p>x</div></p>"))
        XCTAssertNotNil(unbalancedTag("<div><p>x</p>"))
        XCTAssertNotNil(unbalancedTag("<p>a & b</p>"))
        XCTAssertNil(unbalancedTag("<!DOCTYPE html><div><br/><p class=\"a\">x &amp; y &#39;</p></div>"))
        #if canImport(FoundationXML) || os(macOS)
        // And the XML parser used by assertWellFormed really rejects bad markup
        // (XMLDocument on Linux recovers from it silently, so XMLParser it is).
        XCTAssertNotNil(xmlError("<html><p>x</html>"))
        XCTAssertNotNil(xmlError("<html>a & b</html>"))
        XCTAssertNil(xmlError("<!DOCTYPE html>\n<html><p>x &amp; y</p></html>"))
        #endif
    }

    func testNonFiniteValuesShowAsDashesAndAreNotPlotted() throws {
        var s = ProcessSummarySample.full(images: 300)
        s.result!.shells[3].ccAno = .nan
        s.result!.outer.rMerge = .infinity
        s.plots.rmsdPerImage[10].phi = .nan
        s.plots.wilson[5].y = -.infinity
        let json = try s.jsonData()
        let html = HTMLReport.render(try ProcessSummary.decode(json))
        try assertWellFormed(html)
        XCTAssertFalse(html.lowercased().contains("nan"))
        XCTAssertFalse(html.contains("inf"))
        let rmerge = try XCTUnwrap(html.range(of: "<tr><th>Rmerge(I)</th>"))
        XCTAssertTrue(html[rmerge.upperBound...].hasPrefix("<td>0.061</td>"))
        XCTAssertTrue(html[rmerge.upperBound...].contains("<td>–</td></tr><tr><th>Rmeas(I)</th>"))
        XCTAssertEqual(try sectionText(html, "shells").components(separatedBy: "<td>–</td>").count - 1, 1)
    }

    func testEverySectionAppearsWithItsPlots() throws {
        let html = HTMLReport.render(ProcessSummarySample.full())
        for (id, title) in HTMLReport.sections {
            XCTAssertTrue(html.contains("<section id=\"\(id)\"><h2>\(HTMLText.escape(title))</h2>"), id)
            XCTAssertTrue(html.contains("<a href=\"#\(id)\">"), "nav link to \(id)")
        }
        XCTAssertFalse(html.contains("not reached"))
        // Plots per section: spots 1, indexing bar 1, RMSD 1, scale+B 2, 4 by resolution, Wilson 1, fit 1.
        let expected = ["spot-finding": 1, "indexing": 1, "refinement": 1, "scaling": 2, "statistics-vs-resolution": 4,
                        "wilson": 1, "resolution-fit": 1, "summary": 0, "shells": 0]
        for (id, n) in expected {
            XCTAssertEqual(try sectionText(html, id).components(separatedBy: "<svg ").count - 1, n, id)
        }
        for title in ["Strong spots per image", "Refined positional RMSDs by image", "Scale factor by image",
                      "Relative B by image", "CC½ by resolution", "⟨I/σ(I)⟩ by resolution", "Completeness by resolution",
                      "Wilson plot", "CC½ resolution fit", "Spots indexed by lattice"] {
            XCTAssertTrue(html.contains("<title>\(HTMLText.escape(title))</title>"), title)
        }
        // Tables the crystallographer looks for first.
        for id in ["summary-table", "decisions-table", "steps-table", "indexing-table", "shells-table", "files-list"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), id)
        }
    }

    func testSummaryTableCarriesTheResult() throws {
        let s = ProcessSummarySample.full()
        let r = try XCTUnwrap(s.result)
        let table = try sectionText(HTMLReport.render(s), "summary")
        XCTAssertTrue(table.contains("P 43 21 2 (No. 96)"))
        XCTAssertTrue(table.contains("78.91, 78.91, 37.08; 90.00, 90.00, 90.00"))
        XCTAssertTrue(table.contains("<td colspan=\"3\">0.97625</td>"))
        XCTAssertTrue(table.contains("<td>39.45–1.80</td>"), "overall resolution range")
        XCTAssertTrue(table.contains("<td>\(HTMLText.number(r.outer.dMax, 2))–1.80</td>"), "outer shell range")
        // Rmerge row: overall, inner, outer in that order, 3 decimals.
        let rmerge = "<tr><th>Rmerge(I)</th><td>0.061</td><td>\(String(format: "%.3f", r.inner.rMerge))</td>"
            + "<td>\(String(format: "%.3f", r.outer.rMerge))</td></tr>"
        XCTAssertTrue(table.contains(rmerge), rmerge)
        // Completeness is a fraction in the summary, a percentage on the page.
        XCTAssertTrue(table.contains("<td>\(String(format: "%.1f", 100 * r.outer.completeness))</td>"))
        XCTAssertTrue(table.contains("CCano"))
        XCTAssertTrue(table.contains("Anomalous completeness (%)"))
        let plain = try sectionText(HTMLReport.render(ProcessSummarySample.full(anomalous: false)), "summary")
        XCTAssertFalse(plain.contains("CCano"), "anomalous rows only for anomalous data")
        XCTAssertFalse(plain.contains("Anomalous"))
    }

    func testStepsTableShowsResumedAndTimes() throws {
        let steps = try sectionText(HTMLReport.render(ProcessSummarySample.full()), "steps")
        XCTAssertTrue(steps.contains("<td><code>find-spots</code></td><td class=\"st resumed\">resumed</td><td class=\"num\">"
            + "1 min 02 s</td>"))
        XCTAssertTrue(steps.contains("<td class=\"num\">6 min 51 s</td>"), "integrate: 410.5 s")
        XCTAssertTrue(steps.contains("<td class=\"num\">9 min 20 s</td>"), "sum of the steps, 559.9 s")
    }

    // MARK: escaping and self-containment

    func testReasonsAreEscaped() throws {
        var s = ProcessSummarySample.failedEarly()
        s.decisions.append(.init(step: "index<script>", decision: "a & b", reason: "<img src=x onerror=alert(1)> \"q\" 'p'"))
        let html = HTMLReport.render(s)
        let status = try sectionText(html, nil, id: "status")
        XCTAssertTrue(status.contains("<strong>Failed</strong> at step <code>index</code>"))
        XCTAssertTrue(status.contains(HTMLText.escape(ProcessSummarySample.failureReason)))
        XCTAssertTrue(status.contains("max_cell=&quot;250&quot; &amp; d_min=4, or check the beam centre &lt;x,y&gt;"))
        XCTAssertFalse(html.contains("<x,y>"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertTrue(html.contains("<code>index&lt;script&gt;</code>"))
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt; &quot;q&quot; &#39;p&#39;"))
        try assertWellFormed(html)
    }

    func testControlCharactersCannotBreakTheMarkup() throws {
        var s = ProcessSummarySample.failedEarly()
        s.failure?.reason = "bad byte \u{1} in header ]]> --> &#"
        let html = HTMLReport.render(s)
        XCTAssertFalse(html.contains("\u{1}"))
        try assertWellFormed(html)
    }

    func testReportIsSelfContained() throws {
        for s in [ProcessSummarySample.full(), ProcessSummarySample.failedEarly()] {
            let html = HTMLReport.render(s)
            XCTAssertFalse(html.contains("http://"))
            XCTAssertFalse(html.contains("https://"))
            XCTAssertFalse(html.contains("<script"), "no script needed")
            XCTAssertFalse(html.contains("<link"))
            XCTAssertFalse(html.contains("<img"))
            XCTAssertFalse(html.contains(" src="))
            XCTAssertFalse(html.contains("url("))
            XCTAssertFalse(html.contains("@import"))
            // Links are in-page anchors or files beside the report.
            for href in attributeValues(html, "href") {
                XCTAssertFalse(href.contains(":"), href)
                XCTAssertFalse(href.hasPrefix("/"), href)
            }
        }
    }

    func testFileLinksAreRelativeToTheReport() throws {
        var s = ProcessSummarySample.full()
        let files = try sectionText(HTMLReport.render(s), "files")
        XCTAssertTrue(files.contains("<a href=\"merged.mtz\">merged.mtz</a> — merged intensities (MTZ)"))
        XCTAssertTrue(files.contains("<a href=\"scaled_unmerged.mtz\">"))
        s.files.html = "report/mxflow.html"
        s.files.log = "logs/run 1.log"
        let nested = try sectionText(HTMLReport.render(s), "files")
        XCTAssertTrue(nested.contains("<a href=\"../merged.mtz\">merged.mtz</a>"))
        XCTAssertTrue(nested.contains("<a href=\"../logs/run%201.log\">logs/run 1.log</a>"))
    }

    // MARK: graceful gaps

    func testFailedEarlyRunSaysWhatWasNotReached() throws {
        let s = ProcessSummarySample.failedEarly()
        let html = HTMLReport.render(s)
        let status = try sectionText(html, nil, id: "status")
        XCTAssertTrue(status.contains("class=\"status failed\""))
        XCTAssertTrue(html.contains("<title>mxflow report: FAILED — /data/visit/weak_#####.cbf</title>"))
        // Spot finding ran: its plot is there; nothing after it is.
        XCTAssertTrue(try sectionText(html, "spot-finding").contains("<svg "))
        for id in ["summary", "indexing", "refinement", "scaling", "statistics-vs-resolution", "wilson",
                   "resolution-fit", "shells"] {
            let sec = try sectionText(html, id)
            XCTAssertTrue(sec.contains("not reached (the run stopped at step index)"), id)
            XCTAssertFalse(sec.contains("<svg"), id)
        }
        XCTAssertTrue(try sectionText(html, "steps").contains("<td class=\"st failed\">failed</td>"))
        XCTAssertTrue(try sectionText(html, "files").contains("<a href=\"mxflow.log\">"))
    }

    func testEmptySummaryStillRenders() throws {
        let s = ProcessSummary(mxflowVersion: "0.0", status: "running", inputs: [], pipeline: "p", outputDir: ".")
        let html = HTMLReport.render(s)
        try assertWellFormed(html)
        XCTAssertTrue(html.contains("<strong>Running</strong>"))
        XCTAssertTrue(html.contains("not reached yet"))
        XCTAssertTrue(html.contains("no output file written"))
        XCTAssertTrue(html.contains("no step ran"))
    }

    func testIndexingWithNoLatticeShowsTheUnindexedSpots() throws {
        var s = ProcessSummarySample.failedEarly()
        s.plots.indexing = .init(lattices: [], unindexed: 1204)
        let sec = try sectionText(HTMLReport.render(s), "indexing")
        XCTAssertTrue(sec.contains("no lattice found"))
        XCTAssertTrue(sec.contains("<td>unindexed</td><td colspan=\"6\"></td><td>1\u{202F}204</td><td>100.0</td>"))
        XCTAssertTrue(sec.contains("unindexed: 1\u{202F}204 (100.0 %)"))
    }

    // MARK: size

    func testLongSweepReportStaysCompact() throws {
        let s = ProcessSummarySample.full(images: 3600)
        let html = HTMLReport.render(s)
        let bytes = html.utf8.count
        XCTAssertLessThan(bytes, 300_000, "\(bytes) bytes")
        // 3600 images → runs of 4 → 900 points a series; no markers at that density.
        let spots = try sectionText(html, "spot-finding")
        XCTAssertTrue(spots.contains("Each point is the mean of 4 consecutive images."))
        XCTAssertEqual(pathVertices(spots), 900)
        XCTAssertFalse(spots.contains("<circle cx"))
        let short = try sectionText(HTMLReport.render(ProcessSummarySample.full(images: 200)), "spot-finding")
        XCTAssertFalse(short.contains("mean of"))
        XCTAssertEqual(pathVertices(short), 200)
        XCTAssertEqual(short.components(separatedBy: "<circle cx").count - 1, 200)
    }

    // MARK: headless browser

    /// Renders both fixtures in Debian's chromium: the DOM must come back with
    /// the summary (or status) and the console must stay silent. A control page
    /// with a deliberate script error proves the console check can fail.
    func testChromiumRendersWithoutConsoleErrors() throws {
        guard let chromium = Self.chromium() else {
            throw XCTSkip("chromium is not installed (apt-get install chromium)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxflow-report-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let control = dir.appendingPathComponent("control.html")
        try "<!DOCTYPE html><html><body><p id=\"c\">c</p><script>missingFunction();</script></body></html>"
            .write(to: control, atomically: true, encoding: .utf8)
        let controlRun = try Self.runChromium(chromium, ["--dump-dom", control.absoluteString], profile: dir)
        XCTAssertTrue(controlRun.dom.contains("id=\"c\""), "control page did not render")
        XCTAssertFalse(Self.consoleLines(controlRun.log).isEmpty, "the console check cannot see a script error")

        for (name, summary, marker) in [("full", ProcessSummarySample.full(), "id=\"summary-table\""),
                                        ("failed", ProcessSummarySample.failedEarly(), "class=\"status failed\"")] {
            let file = dir.appendingPathComponent("\(name).html")
            try HTMLReport.render(summary).write(to: file, atomically: true, encoding: .utf8)
            let run = try Self.runChromium(chromium, ["--dump-dom", file.absoluteString], profile: dir)
            XCTAssertTrue(run.dom.contains(marker), "\(name): \(marker) missing from the rendered DOM")
            XCTAssertTrue(run.dom.contains("<svg"), "\(name): no plot in the rendered DOM")
            XCTAssertEqual(Self.consoleLines(run.log), [], "\(name): console messages")
            XCTAssertFalse(run.log.contains("Uncaught"), name)

            // A screenshot, kept where MXFLOW_REPORT_SCREENSHOTS points (for looking at the plots).
            let png = dir.appendingPathComponent("\(name).png")
            _ = try Self.runChromium(chromium, ["--screenshot=\(png.path)", "--window-size=1320,5200",
                                                "--hide-scrollbars", file.absoluteString], profile: dir)
            let bytes = try Data(contentsOf: png)
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(name): not a PNG")
            XCTAssertGreaterThan(bytes.count, 20_000, "\(name): screenshot suspiciously small")
            if let keep = ProcessInfo.processInfo.environment["MXFLOW_REPORT_SCREENSHOTS"] {
                try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                for ext in ["png", "html"] {
                    let target = URL(fileURLWithPath: keep).appendingPathComponent("\(name).\(ext)")
                    try? FileManager.default.removeItem(at: target)
                    try FileManager.default.copyItem(at: dir.appendingPathComponent("\(name).\(ext)"), to: target)
                }
            }
        }
    }

    // MARK: helpers

    static func chromium() -> String? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Runs headless chromium with its own profile folder; stdout is the DOM, stderr the log (console included).
    static func runChromium(_ exe: String, _ args: [String], profile: URL) throws -> (dom: String, log: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        let userData = profile.appendingPathComponent("profile-\(UUID().uuidString)")
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                       "--no-first-run", "--user-data-dir=\(userData.path)"] + args
        let out = profile.appendingPathComponent("out-\(UUID().uuidString)"), err = profile.appendingPathComponent("err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        let deadline = Date().addingTimeInterval(90)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning {
            p.terminate()
            XCTFail("chromium did not finish within 90 s: \(args)")
        }
        p.waitUntilExit()
        return (try String(contentsOf: out, encoding: .utf8), (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// The log lines chromium writes for console messages (any level: a report without script has none).
    static func consoleLines(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
    }

    func assertWellFormed(_ html: String, file: StaticString = #filePath, line: UInt = #line) throws {
        if let problem = unbalancedTag(html) { XCTFail(problem, file: file, line: line) }
        #if canImport(FoundationXML) || os(macOS)
        if let error = xmlError(html) { XCTFail("not well-formed XML: \(error)", file: file, line: line) }
        #endif
    }

    #if canImport(FoundationXML) || os(macOS)
    /// nil when `text` parses as XML with an <html> root; else the parser's complaint.
    func xmlError(_ text: String) -> String? {
        final class Root: NSObject, XMLParserDelegate {
            var name: String?
            func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == nil { name = element }
            }
            // libxml2 reports some well-formedness errors (a bare &) here without failing parse().
            var error: String?
            func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
                if error == nil { error = "line \(parser.lineNumber): \(parseError)" }
            }
        }
        let parser = XMLParser(data: Data(text.utf8))
        let root = Root()
        parser.delegate = root
        guard parser.parse() else {
            return "line \(parser.lineNumber), column \(parser.columnNumber): "
                + (parser.parserError.map { "\($0)" } ?? "parse error")
        }
        if let e = root.error { return e }
        return root.name == "html" ? nil : "root element is \(root.name ?? "missing")"
    }
    #endif

    /// nil when every tag closes in order and every & starts an entity; else what is wrong.
    func unbalancedTag(_ s: String) -> String? {
        var stack: [String] = []
        var i = s.startIndex
        while i < s.endIndex {
            let ch = s[i]
            if ch == "&" {
                let rest = s[i...].prefix(10)
                let ok = ["&amp;", "&lt;", "&gt;", "&quot;"].contains { rest.hasPrefix($0) }
                    || rest.range(of: "^&#[0-9]+;", options: .regularExpression) != nil
                if !ok { return "bare & at \(s.distance(from: s.startIndex, to: i))" }
            }
            if ch == "<" {
                guard let close = s[i...].firstIndex(of: ">") else { return "unclosed <" }
                let tag = String(s[s.index(after: i)..<close])
                i = s.index(after: close)
                if tag.hasPrefix("!") || tag.hasSuffix("/") { continue }
                let name = tag.hasPrefix("/") ? "/" + tag.dropFirst().prefix { !$0.isWhitespace }
                    : String(tag.prefix { !$0.isWhitespace && $0 != "/" })
                if name.hasPrefix("/") {
                    let n = String(name.dropFirst())
                    guard stack.last == n else { return "</\(n)> closes <\(stack.last ?? "nothing")>" }
                    stack.removeLast()
                } else {
                    stack.append(name)
                    // Style content is text, not markup.
                    if name == "style", let end = s[i...].range(of: "</style>") { i = end.lowerBound }
                }
                continue
            }
            i = s.index(after: i)
        }
        return stack.isEmpty ? nil : "unclosed <\(stack.joined(separator: "> <"))>"
    }

    /// The markup of `<section id=…>` (or of the element with `id`) up to its end.
    func sectionText(_ html: String, _ section: String?, id: String? = nil) throws -> String {
        if let section {
            let start = try XCTUnwrap(html.range(of: "<section id=\"\(section)\">"), section)
            let end = try XCTUnwrap(html[start.upperBound...].range(of: "</section>"), section)
            return String(html[start.lowerBound..<end.upperBound])
        }
        let start = try XCTUnwrap(html.range(of: "<div id=\"\(id!)\""), id!)
        let end = try XCTUnwrap(html[start.upperBound...].range(of: "</div>"), id!)
        return String(html[start.lowerBound..<end.upperBound])
    }

    func attributeValues(_ html: String, _ name: String) -> [String] {
        html.components(separatedBy: " \(name)=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    /// Vertices of the data lines (the paths drawn 1.5 px wide) in a section.
    func pathVertices(_ section: String) -> Int {
        section.components(separatedBy: "<path ").dropFirst()
            .map { $0.prefix { $0 != ">" } }
            .filter { $0.contains("stroke-width=\"1.5\"") }
            .map { $0.filter { $0 == "M" || $0 == "L" }.count }
            .reduce(0, +)
    }
}
