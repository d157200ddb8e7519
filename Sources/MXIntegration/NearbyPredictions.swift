// NearbyPredictions: which predicted reflections fall inside a box, through a
// coarse grid over panel, x and y — for keeping the spots that model one
// lattice's profile clear of another lattice's reflections.
import MXPrediction
import MXModel

struct NearbyPredictions {
    private let cell = 16.0
    private var buckets: [Key: [(x: Double, y: Double, z: Double)]] = [:]
    private struct Key: Hashable { var panel: Int, x: Int, y: Int }

    init(_ predicted: [PredictedReflection]) {
        for p in predicted {
            let key = Key(panel: p.panel, x: Int((p.px.x / cell).rounded(.down)), y: Int((p.px.y / cell).rounded(.down)))
            buckets[key, default: []].append((p.px.x, p.px.y, p.frame))
        }
    }

    var isEmpty: Bool { buckets.isEmpty }

    /// Whether some prediction lies inside `box` widened by `margin` pixels and `frames` frames.
    func any(in box: BoundingBox, panel: Int, margin: Double, frames: Double) -> Bool {
        let x0 = Double(box.x0) - margin, x1 = Double(box.x1) + margin
        let y0 = Double(box.y0) - margin, y1 = Double(box.y1) + margin
        let z0 = Double(box.z0) - frames, z1 = Double(box.z1) + frames
        for bx in Int((x0 / cell).rounded(.down))...Int((x1 / cell).rounded(.down)) {
            for by in Int((y0 / cell).rounded(.down))...Int((y1 / cell).rounded(.down)) {
                guard let points = buckets[Key(panel: panel, x: bx, y: by)] else { continue }
                if points.contains(where: { $0.x >= x0 && $0.x < x1 && $0.y >= y0 && $0.y < y1 && $0.z >= z0 && $0.z < z1 }) {
                    return true
                }
            }
        }
        return false
    }
}
