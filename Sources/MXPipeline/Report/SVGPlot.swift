// SVGPlot: line and point plots with nice axes and a legend, as inline SVG text (no script, no external resource).
import Foundation

/// An x–y plot of one or more series, rendered to an `<svg>` element that a
/// browser shows inline in HTML and an XML parser accepts.
///
/// Non-finite points are skipped (a line breaks there); a constant series or a
/// single point still gets an axis with ticks around its value.
struct SVGPlot {
    struct Series {
        enum Style { case line, points, linePoints }
        var name: String
        var points: [(x: Double, y: Double)]
        var style: Style = .linePoints
        /// CSS colour; nil takes the next colour of `palette`.
        var color: String? = nil
        var dashed = false
    }

    /// A tick at `value` (data units) labelled `label`, for axes whose labels
    /// are not the plotted numbers (d in Å on a d*² axis).
    struct Tick { var value: Double; var label: String }

    /// A straight reference line across the plot (a limit, a threshold).
    struct Rule {
        enum Axis { case x, y }
        var axis: Axis
        var value: Double
        var label: String
        var color = "#555"
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Custom x ticks; nil gives nice ticks of the x values themselves.
    var xTicks: [Tick]? = nil
    /// Values the y axis must include (0 for counts, 0 and 1 for correlations).
    var yInclude: [Double] = []
    var rules: [Rule] = []
    var width = 620.0
    var height = 310.0

    /// Okabe & Ito's colour-blind-safe palette (2008).
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    /// Above this many points a series is drawn as a line only: markers would
    /// merge into a band and cost ~40 bytes each.
    static let markerLimit = 250

    private let left = 64.0, right = 16.0, top = 48.0, bottom = 46.0

    func svg() -> String {
        let finite = series.flatMap { $0.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let plotW = width - left - right, plotH = height - top - bottom
        var out = "<svg class=\"plot\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        out += "<title>\(HTMLText.escape(title))</title>"
        out += text(width / 2, 18, title, anchor: "middle", cls: "pt")
        out += legend()
        out += "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(plotW))\" height=\"\(c(plotH))\" class=\"pf\"/>"
        guard !finite.isEmpty else {
            out += text(left + plotW / 2, top + plotH / 2, "no finite values", anchor: "middle", cls: "pn")
            return out + "</svg>"
        }

        // Ranges: data, rules, forced values; x keeps its custom ticks' span when given.
        let xs = finite.map(\.x) + rules.filter { $0.axis == .x && $0.value.isFinite }.map(\.value)
        let ys = finite.map(\.y) + rules.filter { $0.axis == .y && $0.value.isFinite }.map(\.value) + yInclude
        let yScale = NiceScale(minimum: ys.min()!, maximum: ys.max()!, targetTicks: 6)
        let xLo: Double, xHi: Double, xTickList: [Tick]
        if let custom = xTicks {
            // Custom ticks label a transformed axis: span the data with a little room, keep the ticks inside.
            var lo = xs.min()!, hi = xs.max()!
            if hi - lo <= 0 { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
            let pad = (hi - lo) * 0.03
            xLo = lo - pad; xHi = hi + pad
            xTickList = custom.filter { $0.value >= xLo && $0.value <= xHi }
        } else {
            // The x axis spans the data exactly (an image axis padded to the next
            // round number wastes a tenth of the width); y keeps round ends.
            let s = NiceScale(minimum: xs.min()!, maximum: xs.max()!, targetTicks: 7)
            if xs.max()! > xs.min()! { xLo = xs.min()!; xHi = xs.max()! } else { xLo = s.lower; xHi = s.upper }
            xTickList = s.ticks.filter { $0 >= xLo - 1e-9 * s.step && $0 <= xHi + 1e-9 * s.step }
                .map { Tick(value: $0, label: s.label($0)) }
        }
        func px(_ x: Double) -> Double { left + (x - xLo) / (xHi - xLo) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yScale.lower) / (yScale.upper - yScale.lower) * plotH }

        // Grid and ticks.
        var grid = "", labels = ""
        for t in yScale.ticks {
            let y = py(t)
            grid += "M\(c(left)) \(c(y))H\(c(left + plotW))"
            labels += text(left - 6, y + 4, yScale.label(t), anchor: "end", cls: "tl")
        }
        for t in xTickList {
            let x = px(t.value)
            grid += "M\(c(x)) \(c(top))V\(c(top + plotH))"
            labels += text(x, top + plotH + 16, t.label, anchor: "middle", cls: "tl")
        }
        out += "<path d=\"\(grid)\" class=\"pg\"/>" + labels
        out += text(left + plotW / 2, height - 8, xLabel, anchor: "middle", cls: "al")
        let yMid = top + plotH / 2
        out += "<text x=\"14\" y=\"\(c(yMid))\" transform=\"rotate(-90 14 \(c(yMid)))\" text-anchor=\"middle\" "
            + "class=\"al\">\(HTMLText.escape(yLabel))</text>"

        // Reference lines under the data.
        for r in rules where r.value.isFinite {
            let color = HTMLText.escape(r.color)
            switch r.axis {
            case .x:
                let x = px(r.value)
                out += "<path d=\"M\(c(x)) \(c(top))V\(c(top + plotH))\" stroke=\"\(color)\" class=\"pr\"/>"
                out += text(x + 4, top + 12, r.label, anchor: "start", cls: "rl")
            case .y:
                let y = py(r.value)
                out += "<path d=\"M\(c(left)) \(c(y))H\(c(left + plotW))\" stroke=\"\(color)\" class=\"pr\"/>"
                out += text(left + plotW - 4, y - 4, r.label, anchor: "end", cls: "rl")
            }
        }

        // Data: lines broken at non-finite points, then markers.
        for (i, s) in series.enumerated() {
            let color = HTMLText.escape(colour(i))
            if s.style != .points {
                var d = "", penDown = false
                for p in s.points {
                    guard p.x.isFinite, p.y.isFinite else { penDown = false; continue }
                    d += (penDown ? "L" : "M") + "\(c(px(p.x))) \(c(py(p.y)))"
                    penDown = true
                }
                if !d.isEmpty {
                    out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\""
                        + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
                }
            }
            if showsMarkers(s) {
                out += "<g fill=\"\(color)\">"
                for p in s.points where p.x.isFinite && p.y.isFinite {
                    out += "<circle cx=\"\(c(px(p.x)))\" cy=\"\(c(py(p.y)))\" r=\"2.5\"/>"
                }
                out += "</g>"
            }
        }
        return out + "</svg>"
    }

    /// Markers for point plots and sparse line plots; a single finite point
    /// needs one whatever the style, or nothing would show.
    private func showsMarkers(_ s: Series) -> Bool {
        s.style == .points || (s.style == .linePoints && s.points.count <= SVGPlot.markerLimit)
            || s.points.filter { $0.x.isFinite && $0.y.isFinite }.count == 1
    }

    private func colour(_ i: Int) -> String { series[i].color ?? SVGPlot.palette[i % SVGPlot.palette.count] }

    /// One row of swatches and names under the title; only when there is more than one series.
    private func legend() -> String {
        guard series.count > 1 else { return "" }
        // Approximate text widths (0.6 em per character at 12 px) to centre the row.
        let widths = series.map { 26 + 7.2 * Double($0.name.count) + 14 }
        var x = max(left, (width - widths.reduce(0, +)) / 2)
        var out = ""
        for (i, s) in series.enumerated() {
            let color = HTMLText.escape(colour(i))
            out += "<path d=\"M\(c(x)) 34h20\" stroke=\"\(color)\" stroke-width=\"2\""
                + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
            if showsMarkers(s) { out += "<circle cx=\"\(c(x + 10))\" cy=\"34\" r=\"2.5\" fill=\"\(color)\"/>" }
            out += text(x + 26, 38, s.name, anchor: "start", cls: "lg")
            x += widths[i]
        }
        return out
    }

    private func text(_ x: Double, _ y: Double, _ s: String, anchor: String, cls: String) -> String {
        "<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\" class=\"\(cls)\">\(HTMLText.escape(s))</text>"
    }

    private func c(_ v: Double) -> String { HTMLText.coordinate(v) }
}

/// One horizontal bar split into labelled parts (spots indexed by each lattice, unindexed).
struct SVGStackedBar {
    struct Part { var label: String; var value: Double; var color: String }
    var title: String
    var parts: [Part]
    var width = 620.0

    func svg() -> String {
        let rowH = 18.0
        let height = 62 + rowH * Double(parts.count)
        let total = parts.map { max($0.value, 0) }.reduce(0, +)
        var out = "<svg class=\"plot\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        out += "<title>\(HTMLText.escape(title))</title>"
        out += "<text x=\"\(c(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"pt\">\(HTMLText.escape(title))</text>"
        let x0 = 16.0, barW = width - 32
        out += "<rect x=\"\(c(x0))\" y=\"28\" width=\"\(c(barW))\" height=\"22\" class=\"pf\"/>"
        var x = x0
        for p in parts where total > 0 && p.value > 0 {
            let w = p.value / total * barW
            out += "<rect x=\"\(c(x))\" y=\"28\" width=\"\(c(w))\" height=\"22\" fill=\"\(HTMLText.escape(p.color))\"/>"
            x += w
        }
        for (i, p) in parts.enumerated() {
            let y = 62 + rowH * Double(i)
            let share = total > 0 ? String(format: " (%.1f %%)", 100 * max(p.value, 0) / total) : ""
            out += "<rect x=\"\(c(x0))\" y=\"\(c(y))\" width=\"12\" height=\"12\" fill=\"\(HTMLText.escape(p.color))\"/>"
            out += "<text x=\"\(c(x0 + 18))\" y=\"\(c(y + 11))\" class=\"lg\">"
                + HTMLText.escape("\(p.label): \(HTMLText.integer(Int(p.value)))\(share)") + "</text>"
        }
        return out + "</svg>"
    }

    private func c(_ v: Double) -> String { HTMLText.coordinate(v) }
}
