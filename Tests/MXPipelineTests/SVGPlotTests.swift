// Tests of the report's plotting helpers: nice ticks, resolution ticks, decimation, and SVG edge cases.
import XCTest
import Foundation
@testable import MXPipeline

final class SVGPlotTests: XCTestCase {
    func testNiceScaleEnclosesDataAtRoundSteps() {
        let a = NiceScale(minimum: 0, maximum: 97)
        XCTAssertEqual(a.step, 20); XCTAssertEqual(a.lower, 0); XCTAssertEqual(a.upper, 100)
        XCTAssertEqual(a.ticks, [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(a.label(40), "40")

        let b = NiceScale(minimum: 0.013, maximum: 0.472)
        XCTAssertEqual(b.step, 0.1, accuracy: 1e-15)
        XCTAssertEqual(b.ticks.map(b.label), ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5"])

        let c = NiceScale(minimum: -3.5, maximum: 0)
        XCTAssertEqual(c.step, 1); XCTAssertEqual(c.lower, -4); XCTAssertEqual(c.upper, 0)
        XCTAssertEqual(c.label(-0.0), "0", "no negative zero")

        let d = NiceScale(minimum: 904_000, maximum: 12)
        XCTAssertEqual(d.step, 200_000); XCTAssertEqual(d.upper, 1_000_000); XCTAssertEqual(d.lower, 0)
    }

    func testNiceScaleOfAConstantOrNonFiniteRange() {
        let k = NiceScale(minimum: 250, maximum: 250)
        XCTAssertLessThan(k.lower, 250); XCTAssertGreaterThan(k.upper, 250)
        XCTAssertGreaterThanOrEqual(k.ticks.count, 3)
        let z = NiceScale(minimum: 0, maximum: 0)
        XCTAssertEqual(z.lower, -1); XCTAssertEqual(z.upper, 1)
        let n = NiceScale(minimum: .nan, maximum: .infinity)
        XCTAssertEqual(n.lower, 0); XCTAssertEqual(n.upper, 1)
    }

    func testResolutionTicksAreRoundSpacingsInsideTheData() {
        let x = [1 / (40.0 * 40), 1 / (1.8 * 1.8)]
        let ticks = ResolutionAxis.ticks(for: x)
        let labels = ticks.map(\.label)
        // Roundest first, then 2.5, 1.8 and 2.2 where there is room; 20 and 5 are too close to 10 and 4.
        XCTAssertEqual(labels, ["10", "4.0", "3.0", "2.5", "2.2", "2.0", "1.8"])
        for t in ticks {
            let d = Double(t.label)!
            XCTAssertEqual(t.value, 1 / (d * d), accuracy: 1e-12, "tick at d = \(t.label)")
        }
        // Thinned: on a 0…0.31 Å⁻² axis, neighbours are ≥ 9 % of the span apart.
        let gaps = zip(ticks.dropFirst(), ticks).map { $0.value - $1.value }
        XCTAssertGreaterThanOrEqual(gaps.min()!, 0.09 * 1.06 * (x[1] - x[0]) - 1e-12)
        XCTAssertEqual(ticks.map(\.value), ticks.map(\.value).sorted())
        XCTAssertEqual(ResolutionAxis.shellCentre(dMax: .infinity, dMin: 2), 0.125)
    }

    func testDecimationAveragesRunsAndSkipsNaN() {
        let rows = (0..<10).map { (x: Double($0), ys: [Double($0), $0 == 3 ? .nan : 1.0]) }
        let (out, k) = Decimation.averaged(rows, maximumPoints: 4)
        XCTAssertEqual(k, 3)
        XCTAssertEqual(out.map(\.x), [1, 4, 7, 9])
        XCTAssertEqual(out.map { $0.ys[0] }, [1, 4, 7, 9])
        XCTAssertEqual(out.map { $0.ys[1] }, [1, 1, 1, 1], "NaN left out of its run's mean")
        let (same, one) = Decimation.averaged(rows, maximumPoints: 10)
        XCTAssertEqual(one, 1); XCTAssertEqual(same.count, 10)
    }

    func testPlotSkipsNonFinitePointsAndBreaksTheLine() {
        let plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y",
                           series: [.init(name: "a", points: [(0, 1), (1, .nan), (2, 3), (3, .infinity), (4, 2), (5, 2.5)])])
        let svg = plot.svg()
        XCTAssertFalse(svg.lowercased().contains("nan"))
        XCTAssertFalse(svg.lowercased().contains("inf"))
        // Three runs of finite points: [0], [2], [4, 5] → three moves, one line segment.
        let d = dataPath(svg)
        XCTAssertEqual(d.filter { $0 == "M" }.count, 3, d)
        XCTAssertEqual(d.filter { $0 == "L" }.count, 1, d)
        XCTAssertEqual(svg.components(separatedBy: "<circle ").count - 1, 4, "a marker per finite point")
    }

    func testPlotMapsDataOntoTheAxes() {
        // 640×320 with margins 64/16/48/46: x 0…10 → 64…624, y 0…100 → 274…48.
        let plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y",
                           series: [.init(name: "a", points: [(0, 0), (10, 100)], style: .line)], width: 640, height: 320)
        XCTAssertEqual(dataPath(plot.svg()), "M64 274L624 48")
    }

    func testConstantSeriesAndSinglePointGetAxes() {
        let flat = SVGPlot(title: "flat", xLabel: "x", yLabel: "y",
                           series: [.init(name: "a", points: (0..<5).map { (Double($0), 7.0) })]).svg()
        XCTAssertGreaterThanOrEqual(flat.components(separatedBy: "class=\"tl\"").count - 1, 6)
        // The flat line sits strictly inside the plot area (y between 48 and 274).
        let ys = dataPath(flat).split(whereSeparator: { $0 == "M" || $0 == "L" }).map { Double($0.split(separator: " ")[1])! }
        XCTAssertEqual(Set(ys).count, 1); XCTAssertGreaterThan(ys[0], 48); XCTAssertLessThan(ys[0], 264)

        let single = SVGPlot(title: "one", xLabel: "x", yLabel: "y",
                             series: [.init(name: "a", points: [(3, 0.5)], style: .line)]).svg()
        XCTAssertEqual(single.components(separatedBy: "<circle ").count - 1, 1, "a lone point shows as a marker")

        let none = SVGPlot(title: "none", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(.nan, 1)])]).svg()
        XCTAssertTrue(none.contains("no finite values"))
    }

    func testLegendOnlyForSeveralSeriesAndTextIsEscaped() {
        let one = SVGPlot(title: "a<b", xLabel: "x & y", yLabel: "\"y\"", series: [.init(name: "s", points: [(0, 1), (1, 2)])])
        let svg = one.svg()
        XCTAssertTrue(svg.contains(">a&lt;b</text>"))
        XCTAssertTrue(svg.contains(">x &amp; y</text>"))
        XCTAssertTrue(svg.contains(">&quot;y&quot;</text>"))
        XCTAssertFalse(svg.contains("class=\"lg\""))
        var two = one
        two.series.append(.init(name: "t<", points: [(0, 3)]))
        XCTAssertEqual(two.svg().components(separatedBy: "class=\"lg\"").count - 1, 2)
        XCTAssertTrue(two.svg().contains(">t&lt;</text>"))
    }

    func testRulesExtendTheRangeAndAreLabelled() {
        let plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(0, 0.5), (1, 0.9)])],
                           rules: [.init(axis: .y, value: 0.3, label: "limit"), .init(axis: .x, value: 2.1, label: "d")])
        let svg = plot.svg()
        XCTAssertTrue(svg.contains(">limit</text>")); XCTAssertTrue(svg.contains(">d</text>"))
        XCTAssertTrue(svg.contains(">0.2</text>"), "y axis reaches below the 0.3 rule")
        XCTAssertTrue(svg.contains(">2</text>"), "x axis reaches the rule at 2.1")
        XCTAssertFalse(svg.contains(">3</text>"), "x axis ends at the data (and rules), not at a round number")
    }

    private func dataPath(_ svg: String) -> String {
        let el = svg.components(separatedBy: "<path ").dropFirst().first { $0.prefix { $0 != ">" }.contains("stroke-width=\"1.5\"") }
        return String((el ?? "").dropFirst(3).prefix { $0 != "\"" })
    }
}
