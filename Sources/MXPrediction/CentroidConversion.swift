// CentroidConversion: observed centroids from pixels and frames to millimetres and radians (DIALS centroid_px_to_mm).
import MXMath
import MXModel

/// Adds `xyzobs.mm.value` (x, y mm on the reflection's panel; φ rad) and
/// `xyzobs.mm.variance` computed from `xyzobs.px.value`/`.variance`, as DIALS'
/// `centroid_px_to_mm` does: positions through the panel's px → mm map
/// (parallax included), variances scaled by the pixel size squared and the
/// oscillation width (rad) squared.
/// - Throws: `PredictionError.missingColumn` without `xyzobs.px.value`,
///   `.experimentOutOfRange` for a bad `id`, `.noScan` for a sweep without scan.
public func centroidsInMillimetres(_ experiments: ExperimentList, _ table: ReflectionTable) throws -> ReflectionTable {
    guard let px = table.vec3s(ReflectionTable.Name.xyzobsPxValue) else {
        throw PredictionError.missingColumn(ReflectionTable.Name.xyzobsPxValue)
    }
    let pxVar = table.vec3s(ReflectionTable.Name.xyzobsPxVariance)
    let ids = table.ints(ReflectionTable.Name.id) ?? Array(repeating: 0, count: table.count)
    let panels = table.sizes(ReflectionTable.Name.panel) ?? Array(repeating: 0, count: table.count)
    var mm = [Vec3](repeating: .zero, count: table.count), mmVar = mm
    for i in 0..<table.count {
        let id = max(0, Int(ids[i]))
        guard id < experiments.count else {
            throw PredictionError.experimentOutOfRange(row: i, id: Int(ids[i]), count: experiments.count)
        }
        let e = experiments[id]
        guard let scan = e.scan else { throw PredictionError.noScan(experiment: id) }
        let panel = e.detector[min(Int(panels[i]), e.detector.count - 1)]
        let xy = panel.millimetre(fromPixel: (px[i].x, px[i].y))
        mm[i] = Vec3(xy.x, xy.y, scan.angle(atFrame: px[i].z))
        if let v = pxVar?[i] {
            let w = scan.oscillationWidth
            mmVar[i] = Vec3(v.x * panel.pixelSize.fast * panel.pixelSize.fast,
                            v.y * panel.pixelSize.slow * panel.pixelSize.slow, v.z * w * w)
        }
    }
    var out = table
    out.set(ReflectionTable.Name.xyzobsMmValue, .vec3(mm))
    if pxVar != nil { out.set(ReflectionTable.Name.xyzobsMmVariance, .vec3(mmVar)) }
    return out
}
