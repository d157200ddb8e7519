// ProcessPlots: the per-image series of the report computed from tables.
import MXMath
import MXModel

enum ProcessPlots {
    /// RMSD of observed − predicted positions (px, px, images) of the
    /// refined reflections, by image of their observed centroid.
    static func rmsdPerImage(_ table: ReflectionTable, experiments: ExperimentList) -> [ProcessSummary.ImageRMSD] {
        guard let obs = table.vec3s(ReflectionTable.Name.xyzobsPxValue),
              let calc = table.vec3s(ReflectionTable.Name.xyzcalPx) else { return [] }
        let first = experiments.experiments.first?.scan?.imageRange.lowerBound ?? 1
        let used = table.contains(ReflectionTable.Name.flags)
            ? table.flags.map { $0.contains(.usedInRefinement) } : Array(repeating: true, count: table.count)
        var sums: [Int: (x: Double, y: Double, z: Double, n: Int)] = [:]
        for i in 0..<table.count where used[i] {
            let o = obs[i], c = calc[i]
            guard o.x.isFinite, c.x.isFinite, c.z.isFinite else { continue }
            let image = Int(o.z.rounded(.down))
            var s = sums[image] ?? (0, 0, 0, 0)
            s.x += (o.x - c.x) * (o.x - c.x); s.y += (o.y - c.y) * (o.y - c.y); s.z += (o.z - c.z) * (o.z - c.z); s.n += 1
            sums[image] = s
        }
        return sums.keys.sorted().map { k in
            let s = sums[k]!, n = Double(s.n)
            return .init(image: first + k, x: (s.x / n).squareRoot(), y: (s.y / n).squareRoot(), phi: (s.z / n).squareRoot(),
                         count: s.n)
        }
    }
}
