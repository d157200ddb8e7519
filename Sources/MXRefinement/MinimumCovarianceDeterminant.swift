// MinimumCovarianceDeterminant: robust location and scatter of 3-D residuals (FAST-MCD) for outlier rejection.
import MXMath

/// FAST-MCD (Rousseeuw & Van Driessen 1999, Technometrics 41, 212) on
/// 3-vectors, as DIALS' default (`outlier.algorithm=auto` → mcd for scans)
/// applies it to the (x, y, φ) residuals of each experiment: find the half
/// of the data (h = ⌊(n + p + 1)/2⌋, α = 0.5) whose covariance has the
/// smallest determinant, scale that covariance for consistency at the
/// normal model, and call outliers the points whose squared Mahalanobis
/// distance exceeds χ²₃(0.975) = 9.348.
///
/// Search: random (p+1)-subsets (`trials`, default 500 like DIALS), each
/// improved by two C-steps (keep the h points nearest the current fit and
/// refit; the determinant never increases); the 10 best are iterated to
/// convergence. Large sets (n > 1500) run the trials on a random subsample
/// of 1500 first, as the paper's nested scheme does in spirit.
enum MinimumCovarianceDeterminant {
    /// χ²₃ quantile at 0.975 (DIALS threshold_probability).
    static let cutoff = 9.348403604496148
    /// Consistency factor for α = 0.5, p = 3: 0.5 / F_{χ²₅}(χ²₃(0.5)) with
    /// χ²₃(0.5) = 2.365974 and F_{χ²₅}(2.365974) = 0.203711.
    static let consistency = 0.5 / 0.2037106

    /// Indices of the outliers among `points`.
    /// The trials and the final iterations run on `threads` threads; the
    /// random subsets are drawn first, in order, and the results taken in
    /// trial order, so the outliers do not depend on it.
    static func outliers(_ points: [Vec3], trials: Int = 500, seed: UInt64 = 42, threads: Int = 1) -> Set<Int> {
        let n = points.count
        guard n >= 10 else { return [] }
        var rng = SplitMix64(seed: seed)
        let h = (n + 4) / 2
        func fit<C: Collection>(_ idx: C) -> (Vec3, Mat3) where C.Element == Int {
            var m = Vec3.zero
            for i in idx { m += points[i] }
            m = m / Double(idx.count)
            var xx = 0.0, xy = 0.0, xz = 0.0, yy = 0.0, yz = 0.0, zz = 0.0
            for i in idx {
                let d = points[i] - m
                xx += d.x * d.x; xy += d.x * d.y; xz += d.x * d.z; yy += d.y * d.y; yz += d.y * d.z; zz += d.z * d.z
            }
            let f = 1 / Double(max(1, idx.count - 1))
            return (m, Mat3(xx * f, xy * f, xz * f, xy * f, yy * f, yz * f, xz * f, yz * f, zz * f))
        }
        func distances(_ t: Vec3, _ sInv: Mat3, over set: [Int]) -> [(Double, Int)] {
            set.map { i in let d = points[i] - t; return (d.dot(sInv * d), i) }
        }
        /// One C-step on `set` keeping `keep` points; nil when S is singular.
        func cStep(_ t: Vec3, _ s: Mat3, set: [Int], keep: Int) -> (Vec3, Mat3, Double)? {
            guard let sInv = s.inverse else { return nil }
            let d = set.map { i -> Double in let v = points[i] - t; return v.dot(sInv * v) }
            let kth = kthSmallest(d, keep - 1)
            var chosen: [Int] = []
            chosen.reserveCapacity(keep)
            for (j, i) in set.enumerated() where d[j] < kth { chosen.append(i) }
            for (j, i) in set.enumerated() where d[j] == kth && chosen.count < keep { chosen.append(i) }
            let (t2, s2) = fit(chosen)
            return (t2, s2, s2.determinant)
        }
        let all = Array(0..<n)
        var sample = all
        if n > 1500 {
            for i in 0..<1500 { sample.swapAt(i, i + Int(rng.next() % UInt64(n - i))) }
            sample = Array(sample.prefix(1500))
        }
        let hSample = (sample.count + 4) / 2
        var subsets: [[Int]] = []
        subsets.reserveCapacity(trials)
        for _ in 0..<trials {
            var subset: [Int] = []
            while subset.count < 4 {
                let j = sample[Int(rng.next() % UInt64(sample.count))]
                if !subset.contains(j) { subset.append(j) }
            }
            subsets.append(subset)
        }
        let trialResults = parallelMap(subsets.count, threads: threads) { k -> (Vec3, Mat3, Double)? in
            var (t, s) = fit(subsets[k])
            for _ in 0..<2 {
                guard let r = cStep(t, s, set: sample, keep: hSample) else { return nil }
                (t, s) = (r.0, r.1)
            }
            return s.determinant > 0 ? (t, s, s.determinant) : nil
        }
        var candidates = trialResults.compactMap { $0 }
        candidates.sort { $0.2 < $1.2 }
        let best10 = Array(candidates.prefix(10))
        let converged = parallelMap(best10.count, threads: threads) { k -> (Vec3, Mat3, Double) in
            var (t, s, det) = best10[k]
            for _ in 0..<100 {
                guard let r = cStep(t, s, set: all, keep: h) else { break }
                let done = r.2 >= det * (1 - 1e-12)
                (t, s, det) = r
                if done { break }
            }
            return (t, s, det)
        }
        var best: (Vec3, Mat3, Double)? = nil
        for c in converged where best == nil || c.2 < best!.2 { best = c }
        guard let (t, s, _) = best, let sInv = (s * consistency).inverse else { return [] }
        return Set(distances(t, sInv, over: all).filter { $0.0 > cutoff }.map(\.1))
    }

    /// The k-th smallest value (0-based) of `values`, by quickselect (Hoare's FIND).
    static func kthSmallest(_ values: [Double], _ k: Int) -> Double {
        var a = values
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
