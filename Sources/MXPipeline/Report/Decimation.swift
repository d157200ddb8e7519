// Decimation: per-image series cut to at most ~1000 points for the report, by averaging runs of images.
import Foundation

enum Decimation {
    /// The report's cap on points per plotted series: a 3600-image sweep's
    /// plots stay a few tens of kilobytes and still show every trend.
    static let maximumPoints = 1000

    /// `rows` (x and several y columns) reduced to at most `maximumPoints` rows
    /// by averaging runs of consecutive rows; each column averages its finite
    /// values only (NaN where a run has none). Returns the run length too
    /// (1 when nothing was merged).
    static func averaged(_ rows: [(x: Double, ys: [Double])], maximumPoints: Int = maximumPoints)
        -> (rows: [(x: Double, ys: [Double])], runLength: Int) {
        guard rows.count > maximumPoints, maximumPoints > 0 else { return (rows, 1) }
        let k = (rows.count + maximumPoints - 1) / maximumPoints
        let columns = rows.map(\.ys.count).max() ?? 0
        var out: [(x: Double, ys: [Double])] = []
        out.reserveCapacity(rows.count / k + 1)
        var start = 0
        while start < rows.count {
            let run = rows[start..<min(start + k, rows.count)]
            let x = run.map(\.x).reduce(0, +) / Double(run.count)
            let ys = (0..<columns).map { j -> Double in
                let v = run.compactMap { j < $0.ys.count && $0.ys[j].isFinite ? $0.ys[j] : nil }
                return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
            }
            out.append((x, ys))
            start += k
        }
        return (out, k)
    }
}
