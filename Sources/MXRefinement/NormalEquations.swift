// NormalEquations: weighted residuals of all observations folded into JᵀWJ and JᵀWr, with RMSDs.
import MXMath
import MXModel

/// The state of the least-squares problem at one parameter vector.
struct Evaluation {
    /// JᵀWJ (nFree × nFree).
    var normal: Matrix
    /// JᵀWr.
    var gradient: [Double]
    /// ½·rᵀWr.
    var objective: Double
    /// Overall RMSDs in px, px, frames.
    var rmsd: Vec3
    var perExperiment: [ExperimentRMSD]

    func cycle(step: Int, reflections: Int) -> RefinementCycle {
        RefinementCycle(step: step, reflections: reflections, rmsdXPixel: rmsd.x, rmsdYPixel: rmsd.y,
                        rmsdPhiFrames: rmsd.z, objective: objective)
    }
}

/// Builds `Evaluation`s for a fixed set of observations.
struct NormalEquations {
    let observations: [RefinementObservation]
    let nFree: Int
    /// Per observation: pixel size fast, slow (mm) and frame width (rad).
    let pxScale: [(Double, Double, Double)]
    let experimentCount: Int
    /// Threads the predictions and their gradients are computed on; the sums
    /// are taken in observation order, so the result does not depend on it.
    var threads = 1

    /// Observations predicted at once: their gradient rows are held until
    /// added up (at most this × 3·nFree numbers).
    static let block = 4096

    /// Nil when the model is invalid (a cell that is no longer a metric) or
    /// no reflection could be predicted.
    func evaluate(_ model: ParameterisedModel) -> Evaluation? {
        guard let states = model.states() else { return nil }
        return evaluate { states[observations[$0].experiment] }
    }

    /// The evaluation with the model state of observation k given by
    /// `state(k)` (scan-varying models differ per observation); nil when
    /// any state is nil (an invalid model) or nothing could be predicted.
    /// `state` is called from `threads` threads at once.
    func evaluate(state: (Int) -> ExperimentState?) -> Evaluation? {
        // JᵀWJ: each observation's three rows of J as rank-1 updates, batched through BLAS.
        var gram = GramAccumulator(n: nFree)
        var gradient = [Double](repeating: 0, count: nFree)
        var objective = 0.0
        var sums = [[Double]](repeating: [0, 0, 0, 0, 0, 0, 0], count: experimentCount)  // mm², px², counts
        var total = Vec3.zero
        var predicted = 0
        let width = 3 * nFree
        let block = min(Self.block, max(1, observations.count))
        // Per observation of a block: its gradient rows, its predicted centroid, and whether it has a state.
        var rows = [Double](repeating: 0, count: block * width)
        var calculated = [Vec3?](repeating: nil, count: block)
        var valid = [Bool](repeating: true, count: block)
        for start in stride(from: 0, to: observations.count, by: block) {
            let end = min(observations.count, start + block)
            rows.withUnsafeMutableBufferPointer { rowsBuffer in
            calculated.withUnsafeMutableBufferPointer { calculatedBuffer in
            valid.withUnsafeMutableBufferPointer { validBuffer in
                forEachContiguousRun(end - start, threads: threads, minimumPerThread: 256) { run in
                    for i in run {
                        let k = start + i
                        let row = UnsafeMutableBufferPointer(rebasing: rowsBuffer[i * width..<(i + 1) * width])
                        row.initialize(repeating: 0)
                        guard let st = state(k) else { validBuffer[i] = false; continue }
                        validBuffer[i] = true
                        calculatedBuffer[i] = predictWithGradients(observations[k], st, nFree: nFree, gradients: row)
                    }
                }
            }
            }
            }
            guard !valid[0..<(end - start)].contains(false) else { return nil }
            rows.withUnsafeBufferPointer { j in
                for k in start..<end {
                    let i = k - start
                    guard let c = calculated[i] else { continue }
                    let o = observations[k]
                    predicted += 1
                    let r = Vec3(c.x - o.observed.x, c.y - o.observed.y, c.z - o.observed.z), w = o.weight
                    for d in 0..<3 {
                        objective += 0.5 * w[d] * r[d] * r[d]
                        let base = i * width + d * nFree
                        for a in 0..<nFree where j[base + a] != 0 { gradient[a] += j[base + a] * w[d] * r[d] }
                        gram.add(UnsafeBufferPointer(rebasing: j[base..<base + nFree]), scale: w[d])
                    }
                    let (sx, sy, sz) = pxScale[k]
                    let px = Vec3(r.x / sx, r.y / sy, r.z / sz)
                    sums[o.experiment][0] += r.x * r.x; sums[o.experiment][1] += r.y * r.y; sums[o.experiment][2] += r.z * r.z
                    sums[o.experiment][3] += px.x * px.x; sums[o.experiment][4] += px.y * px.y; sums[o.experiment][5] += px.z * px.z
                    sums[o.experiment][6] += 1
                    total += px.scaled(by: px)
                }
            }
        }
        guard predicted > 0 else { return nil }
        gram.flush()
        var normal = gram.lower
        for a in 0..<nFree { for b in 0..<a { normal[b * nFree + a] = normal[a * nFree + b] } }
        let per = sums.enumerated().map { e, s -> ExperimentRMSD in
            let m = max(s[6], 1)
            return ExperimentRMSD(experiment: e, count: Int(s[6]), xMillimetre: (s[0] / m).squareRoot(),
                                  yMillimetre: (s[1] / m).squareRoot(), phiRadians: (s[2] / m).squareRoot(),
                                  xPixel: (s[3] / m).squareRoot(), yPixel: (s[4] / m).squareRoot(),
                                  phiFrames: (s[5] / m).squareRoot())
        }
        let m = Double(predicted)
        return Evaluation(normal: Matrix(rows: nFree, cols: nFree, storage: normal), gradient: gradient,
                          objective: objective,
                          rmsd: Vec3((total.x / m).squareRoot(), (total.y / m).squareRoot(), (total.z / m).squareRoot()),
                          perExperiment: per)
    }
}
