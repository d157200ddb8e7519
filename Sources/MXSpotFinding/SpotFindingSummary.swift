// SpotFindingSummary: the per-image table and resolution histogram a spot-finding log shows.
import MXMath
import MXModel

/// Resolution (Å) of each spot's centroid, from its panel and the beam: from
/// the centroid in mm where the table has it (the parallax correction is then
/// already made), else from the centroid in pixels.
public func spotResolutions(_ table: ReflectionTable, experiment: Experiment) -> [Double] {
    let n = table.count
    let panelOf = table.sizes(ReflectionTable.Name.panel) ?? Array(repeating: 0, count: n)
    let panels = experiment.detector.panels
    let s0 = experiment.beam.s0, k = s0.length
    @inline(__always) func d(_ lab: Vec3) -> Double {
        let q = (lab.normalized * k - s0).length
        return q > 0 ? 1 / q : .infinity
    }
    if let mm = table.vec3s(ReflectionTable.Name.xyzobsMmValue), mm.count == n {
        return (0..<n).map { i in d(panels[Int(panelOf[i])].labCoordinate(mm: (mm[i].x, mm[i].y))) }
    }
    guard let xyz = table.vec3s(ReflectionTable.Name.xyzobsPxValue) else { return [] }
    return (0..<n).map { i in d(panels[Int(panelOf[i])].labCoordinate(pixel: (xyz[i].x, xyz[i].y))) }
}

/// Text tables for the log: spots per image and spots per resolution shell.
public enum SpotFindingSummary {
    /// One row per image: strong pixels, spots (centroid on that image) and
    /// the highest resolution among them.
    public static func perImageTable(_ result: SpotFindingResult, experiment: Experiment) -> [String] {
        let d = spotResolutions(result.reflections, experiment: experiment)
        let z = result.reflections.vec3s(ReflectionTable.Name.xyzobsPxValue)?.map(\.z) ?? []
        let first = experiment.scan?.imageRange.lowerBound ?? 1
        var dMin: [Int: Double] = [:]
        for (zi, di) in zip(z, d) {
            let image = Int(zi.rounded(.down)) + 1   // z of image i spans [i − 1, i)
            dMin[image] = min(dMin[image] ?? .infinity, di)
        }
        var lines = ["| image | strong pixels | spots | d_min (Å) |", "|------:|--------------:|------:|----------:|"]
        for f in result.frames {
            let dm = dMin[f.image].map { fixed($0, 2) } ?? "-"
            let spots = f.rejected ? "rejected" : String(f.spots)
            lines.append("| \(pad(String(f.image), 5)) | \(pad(String(f.strongPixels), 13)) | \(pad(spots, 5)) | \(pad(dm, 9)) |")
        }
        return lines
    }

    /// Spot counts in `bins` shells of equal width in 1/d² between the lowest
    /// and highest resolution found, with a bar of `#` per shell.
    public static func resolutionHistogram(_ result: SpotFindingResult, experiment: Experiment, bins: Int = 10) -> [String] {
        let d = spotResolutions(result.reflections, experiment: experiment).filter { $0.isFinite && $0 > 0 }
        guard let lo = d.map({ 1 / ($0 * $0) }).min(), let hi = d.map({ 1 / ($0 * $0) }).max(), hi > lo else {
            return ["(no spots to histogram)"]
        }
        var counts = [Int](repeating: 0, count: bins)
        for di in d {
            let s = 1 / (di * di)
            counts[min(bins - 1, Int((s - lo) / (hi - lo) * Double(bins)))] += 1
        }
        let most = max(1, counts.max() ?? 1)
        var lines = ["| d_max (Å) | d_min (Å) | spots |", "|----------:|----------:|------:|"]
        for b in 0..<bins {
            let s0 = lo + (hi - lo) * Double(b) / Double(bins), s1 = lo + (hi - lo) * Double(b + 1) / Double(bins)
            let bar = String(repeating: "#", count: Int((40.0 * Double(counts[b]) / Double(most)).rounded()))
            lines.append("| \(pad(fixed(1 / s0.squareRoot(), 2), 9)) | \(pad(fixed(1 / s1.squareRoot(), 2), 9)) | "
                         + "\(pad(String(counts[b]), 5)) | \(bar)")
        }
        return lines
    }

    /// Spots per image as a histogram over groups of images.
    public static func perImageHistogram(_ result: SpotFindingResult, rows: Int = 20) -> [String] {
        guard !result.frames.isEmpty else { return [] }
        let per = max(1, (result.frames.count + rows - 1) / rows)
        var groups: [(String, Int)] = []
        var i = 0
        while i < result.frames.count {
            let g = result.frames[i..<min(result.frames.count, i + per)]
            let label = g.count == 1 ? "\(g.first!.image)" : "\(g.first!.image)-\(g.last!.image)"
            groups.append((label, g.reduce(0) { $0 + $1.spots } / g.count))
            i += per
        }
        let most = max(1, groups.map(\.1).max() ?? 1)
        let width = groups.map(\.0.count).max() ?? 1
        return ["Mean spots per image:"] + groups.map { label, n in
            "\(pad(label, width)) \(pad(String(n), 6)) " + String(repeating: "#", count: Int((50.0 * Double(n) / Double(most)).rounded()))
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

    static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "inf" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (v * scale).rounded() / scale
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        } else { s += "." + String(repeating: "0", count: digits) }
        return s
    }
}
