// ObservedPrediction: calculated positions (xyzcal, s1) for reflections already observed and indexed.
import MXMath
import MXModel
import MXSymmetry

/// Computes `xyzcal.mm` (x, y mm; φ rad), `xyzcal.px` (x, y px; frame z),
/// `s1` and `entering` for each indexed reflection of `table`, choosing the
/// diffracting angle nearest the observed φ (`xyzobs.mm.value`.z) and
/// intersecting with the observed reflection's panel, as DIALS'
/// `ScanStaticReflectionPredictor.for_reflection_table` does.
///
/// Rows whose index is (0,0,0), whose id is negative, or that cannot diffract
/// keep the values they had (zero when the columns are new) and are false in
/// the returned mask.
/// - Throws: `PredictionError` for missing columns or models.
public func predictObserved(_ experiments: ExperimentList, _ table: ReflectionTable)
    throws -> (table: ReflectionTable, predicted: [Bool]) {
    guard let hkl = table.millerIndices(ReflectionTable.Name.millerIndex) else {
        throw PredictionError.missingColumn(ReflectionTable.Name.millerIndex)
    }
    guard let obs = table.vec3s(ReflectionTable.Name.xyzobsMmValue) else {
        throw PredictionError.missingColumn(ReflectionTable.Name.xyzobsMmValue)
    }
    let obsPx = table.vec3s(ReflectionTable.Name.xyzobsPxValue)
    let ids = table.ints(ReflectionTable.Name.id) ?? Array(repeating: 0, count: table.count)
    let panels = table.sizes(ReflectionTable.Name.panel) ?? Array(repeating: 0, count: table.count)
    var predictors: [Int: RotationPredictor] = [:]
    // Rows not predicted keep what the table already held (DIALS leaves them alone).
    let zero = [Vec3](repeating: .zero, count: table.count)
    var mm = table.vec3s(ReflectionTable.Name.xyzcalMm) ?? zero
    var px = table.vec3s(ReflectionTable.Name.xyzcalPx) ?? zero
    var s1 = table.vec3s(ReflectionTable.Name.s1) ?? zero
    var entering = table.bools(ReflectionTable.Name.entering) ?? [Bool](repeating: false, count: table.count)
    var ok = [Bool](repeating: false, count: table.count)
    for i in 0..<table.count {
        let id = Int(ids[i])
        guard id >= 0, !hkl[i].isZero else { continue }
        guard id < experiments.count else {
            throw PredictionError.experimentOutOfRange(row: i, id: id, count: experiments.count)
        }
        if predictors[id] == nil { predictors[id] = try RotationPredictor(experiment: experiments[id], index: id) }
        let h = Miller(hkl[i].h, hkl[i].k, hkl[i].l)
        guard let p = predictors[id]!.predictNear(h, phiObserved: obs[i].z, frameObserved: obsPx?[i].z,
                                                  panel: Int(panels[i])) else { continue }
        mm[i] = Vec3(p.mm.x, p.mm.y, p.phi)
        px[i] = Vec3(p.px.x, p.px.y, p.frame)
        s1[i] = p.s1
        entering[i] = p.entering
        ok[i] = true
    }
    var out = table
    out.set(ReflectionTable.Name.xyzcalMm, .vec3(mm))
    out.set(ReflectionTable.Name.xyzcalPx, .vec3(px))
    out.set(ReflectionTable.Name.s1, .vec3(s1))
    out.set(ReflectionTable.Name.entering, .bool(entering))
    return (out, ok)
}
