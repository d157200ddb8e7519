// MergingStatisticsTable: the merging statistics as the text tables dials.merge prints.
import Foundation
import MXScaling

/// Text tables in dials.merge's layout: one row per resolution shell and an
/// overall row, then the overall / low / high resolution summary.
public enum MergingStatisticsTable {
    public static func shellTable(_ s: MergingStatistics) -> [String] {
        var lines = [" d_max  d_min   #obs  #uniq   mult.  %comp       <I>  <I/sI>    r_mrg   r_meas    r_pim   cc1/2   cc_ano"]
        func row(_ x: ShellStatistics) -> String {
            String(format: "%6.2f %6.2f %6d %6d %7.2f %6.2f %9.1f %7.1f %8.3f %8.3f %8.3f %7.3f %8.3f",
                   min(x.dMax, 999.99), x.dMin, x.observations, x.unique, x.multiplicity, 100 * x.completeness,
                   x.meanIntensity, x.meanIOverSigma, x.rMerge, x.rMeas, x.rPim, x.ccHalf, x.ccAnomalous)
        }
        lines += s.shells.map(row)
        lines.append(row(s.overall))
        return lines
    }

    public static func summary(_ s: MergingStatistics) -> [String] {
        let cols = [s.overall, s.innerShell, s.outerShell]
        func line(_ name: String, _ f: (ShellStatistics) -> String) -> String {
            name.padding(toLength: 40, withPad: " ", startingAt: 0) + cols.map { f($0).leftPadded(9) }.joined()
        }
        return [
            "".padding(toLength: 40, withPad: " ", startingAt: 0) + ["Overall", "Low", "High"].map { $0.leftPadded(9) }.joined(),
            line("High resolution limit") { String(format: "%.2f", $0.dMin) },
            line("Low resolution limit") { String(format: "%.2f", $0.dMax) },
            line("Completeness") { String(format: "%.1f", 100 * $0.completeness) },
            line("Multiplicity") { String(format: "%.1f", $0.multiplicity) },
            line("I/sigma") { String(format: "%.1f", $0.meanIOverSigma) },
            line("Rmerge(I)") { String(format: "%.3f", $0.rMerge) },
            line("Rmeas(I)") { String(format: "%.3f", $0.rMeas) },
            line("Rpim(I)") { String(format: "%.3f", $0.rPim) },
            line("CC half") { String(format: "%.3f", $0.ccHalf) },
            line("Anomalous completeness") { String(format: "%.1f", 100 * $0.anomalousCompleteness) },
            line("Anomalous multiplicity") { String(format: "%.1f", $0.anomalousMultiplicity) },
            line("Anomalous correlation") { $0.ccAnomalousCount > 0 ? String(format: "%.3f", $0.ccAnomalous) : "n/a" },
            line("Total observations") { "\($0.observations)" },
            line("Total unique") { "\($0.unique)" },
        ]
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
