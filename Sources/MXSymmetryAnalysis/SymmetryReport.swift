// SymmetryReport: the element, subgroup and screw-axis tables and the decision, as dials.symmetry prints them.
import Foundation
import MXSymmetry

public enum SymmetryReport {
    /// All tables and the decision, line by line.
    public static func lines(_ r: SymmetryResult) -> [String] {
        let l = r.laue
        var out: [String] = []
        out.append(String(format: "Reduced cell: %@ (change of basis from input: %@)",
                          cellText(l.reducedCell), l.toReduced.description))
        out.append(String(format: "Overall CC for %d unrelated pairs: %.3f", l.unrelatedPairs, l.ccUnrelated))
        out.append(String(format: "Estimated E(CC) of true correlation coefficient from variances = %.3f",
                          l.expectedCCFromVariance))
        out.append(String(format: "Estimated sd(CC) = %.3f / sqrt(N)", l.ccSigFac))
        out.append(String(format: "Estimated E(CC) of true correlation coefficient from identity = %.3f (%d pairs); used %.3f",
                          l.identityCC, l.identityPairs, l.ccTrue))
        out.append("")
        out.append("Scoring individual symmetry elements")
        var rows: [[String]] = [["likelihood", "Z-CC", "CC", "N", "", "Operator"]]
        for e in l.elements {
            rows.append([String(format: "%.3f", e.likelihood), String(format: "%.2f", e.zcc),
                         String(format: "%.2f", e.cc), "\(e.count)", stars(e.likelihood),
                         "\(e.order) |(\(e.axis.map(String.init).joined(separator: ", "))) \(e.operatorTriplet)"])
        }
        out += table(rows)
        out.append("")
        out.append("Scoring all possible sub-groups")
        rows = [["Patterson group", "", "Likelihood", "NetZcc", "Zcc+", "Zcc-", "CC", "CC-", "delta", "Reindex operator"]]
        for c in l.candidates {
            rows.append([c.pattersonGroupName, c.rotations == r.chosenLaueClass.rotations ? "***" : "",
                         String(format: "%.3f", c.likelihood), String(format: "%.2f", c.netZcc),
                         String(format: "%.2f", c.zccIn), String(format: "%.2f", c.zccOut),
                         String(format: "%.2f", c.ccIn), String(format: "%.2f", c.ccOut),
                         String(format: "%.1f", c.maxDeltaDegrees), c.changeOfBasis.description])
        }
        out += table(rows)
        out.append("")
        let c = r.chosenLaueClass
        out.append("Best solution: \(c.pattersonGroupName)" + (r.userImposed ? " (from the space group given)" : ""))
        out.append(String(format: "Laue group likelihood: %.3f; confidence (best − next): %.3f",
                          c.likelihood, l.confidence))
        out.append("Reindex operator: \(c.changeOfBasis)")
        if let a = r.absences {
            out.append("")
            out.append("Analysing systematic absences (Laue class \(c.pattersonGroupName))")
            if a.tests.isEmpty && a.candidates.count > 1 {
                out.append("No reflection that tells the space groups of this Laue class apart was measured "
                           + "(\(a.candidates.map(\.group.xHM).joined(separator: ", "))); the choice below is a prior, not data.")
            } else if a.tests.isEmpty {
                out.append("No screw axes distinguish the space groups of this Laue class.")
            } else {
                rows = [["Zone", "N", "<I>", "<I/sig>", "P(absent)"]]
                for t in a.tests {
                    rows.append([t.label, "\(t.count)", String(format: "%.3g", t.meanIntensity),
                                 String(format: "%.2f", t.meanIOverSigma), String(format: "%.3f", t.probabilityAbsent)])
                }
                out += table(rows)
                rows = [["Space group", "score"]]
                for s in a.candidates { rows.append([s.group.xHM, String(format: "%.3f", s.score)]) }
                out += table(rows)
            }
            if !a.equivalent.isEmpty {
                let names = a.equivalent.map(\.xHM).joined(separator: ", ")
                out.append("Space groups with an equivalent score (enantiomorphs, screw axes hidden by the lattice "
                           + "absences, or axes without measured reflections): \(names)")
            }
        }
        out.append("")
        out.append(String(format: "Chosen space group: %@ (No. %d); Laue group likelihood %.3f%@",
                          r.spaceGroup.xHM, r.spaceGroup.number, c.likelihood,
                          r.absences.map { String(format: ", absence score %.3f", $0.confidence) } ?? ""))
        out.append("Change of basis from the input indexing: \(r.changeOfBasis)")
        return out
    }

    static func stars(_ p: Double) -> String { p > 0.9 ? "***" : (p > 0.7 ? "**" : (p > 0.5 ? "*" : "")) }

    static func cellText(_ c: UnitCell) -> String {
        "(" + c.parameters.map { String(format: "%.3f", $0) }.joined(separator: ", ") + ")"
    }

    /// A plain text table: header, rule, rows; numbers right-aligned.
    static func table(_ rows: [[String]]) -> [String] {
        guard let header = rows.first else { return [] }
        var widths = header.map(\.count)
        for r in rows { for (i, v) in r.enumerated() { widths[i] = max(widths[i], v.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, v in
                let pad = String(repeating: " ", count: widths[i] - v.count)
                return Double(v) != nil ? pad + v : v + pad
            }.joined(separator: " | ")
        }
        return [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-")]
            + rows.dropFirst().map(line)
    }
}
