// IntegrationSummary: the per-image and per-resolution tables dials.integrate prints.
import Foundation
import MXModel

/// Text tables of an integrated table: per image (reflections whose
/// calculated centroid lies on it) and per resolution shell (equal-count
/// bins of d), with numbers integrated by summation and profile fitting,
/// ⟨I/σ⟩ of both, and the mean profile correlation.
public enum IntegrationSummary {
    public static func lines(_ t: ReflectionTable, bins: Int = 10) -> [String] {
        guard let cal = t.vec3s(ReflectionTable.Name.xyzcalPx), let d = t.doubles(ReflectionTable.Name.d),
              let isum = t.doubles(ReflectionTable.Name.intensitySumValue),
              let vsum = t.doubles(ReflectionTable.Name.intensitySumVariance),
              let iprf = t.doubles(ReflectionTable.Name.intensityPrfValue),
              let vprf = t.doubles(ReflectionTable.Name.intensityPrfVariance) else { return [] }
        let corr = t.doubles("profile.correlation") ?? [Double](repeating: 0, count: t.count)
        let flags = t.flags
        struct Acc { var n = 0, nSum = 0, nPrf = 0; var ioSum = 0.0, ioPrf = 0.0, cc = 0.0 }
        func add(_ a: inout Acc, _ i: Int) {
            a.n += 1
            if flags[i].contains(.integratedSum), vsum[i] > 0 { a.nSum += 1; a.ioSum += isum[i] / vsum[i].squareRoot() }
            if flags[i].contains(.integratedPrf), vprf[i] > 0 { a.nPrf += 1; a.ioPrf += iprf[i] / vprf[i].squareRoot(); a.cc += corr[i] }
        }
        func row(_ label: String, _ a: Acc) -> String {
            String(format: "%@ %7d %7d %7d %9.2f %9.2f %8.3f", label, a.n, a.nSum, a.nPrf,
                   a.nSum > 0 ? a.ioSum / Double(a.nSum) : 0, a.nPrf > 0 ? a.ioPrf / Double(a.nPrf) : 0,
                   a.nPrf > 0 ? a.cc / Double(a.nPrf) : 0)
        }
        var lines = ["", "Summary vs image number:",
                     " Image       N   N sum   N prf  <I/σ>sum  <I/σ>prf  <CCprf>"]
        var perImage: [Int: Acc] = [:]
        for i in 0..<t.count { add(&perImage[Int(cal[i].z.rounded(.down)) + 1, default: Acc()], i) }
        for k in perImage.keys.sorted() { lines.append(row(String(format: "%6d", k), perImage[k]!)) }
        lines += ["", "Summary vs resolution:",
                  " d_max  - d_min        N   N sum   N prf  <I/σ>sum  <I/σ>prf  <CCprf>"]
        let order = (0..<t.count).filter { d[$0] > 0 }.sorted { d[$0] > d[$1] }
        let nb = max(1, min(bins, order.count))
        for b in 0..<nb {
            let lo = b * order.count / nb, hi = (b + 1) * order.count / nb
            guard hi > lo else { continue }
            var a = Acc()
            for k in lo..<hi { add(&a, order[k]) }
            lines.append(row(String(format: "%6.2f - %6.2f", d[order[lo]], d[order[hi - 1]]), a))
        }
        var all = Acc()
        for i in 0..<t.count { add(&all, i) }
        lines.append(row("      overall  ", all))
        let overloaded = flags.filter { $0.contains(.overloaded) }.count
        let failed = flags.filter { !$0.contains(.integratedSum) }.count
        lines.append("\(all.nSum) integrated by summation, \(all.nPrf) by profile fitting, \(failed) failed, \(overloaded) overloaded")
        return lines
    }
}
