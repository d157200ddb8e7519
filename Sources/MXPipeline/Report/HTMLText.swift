// HTMLText: escaping and number formatting shared by the HTML report and its SVG plots.
import Foundation

enum HTMLText {
    /// `text` safe as element content and as a double- or single-quoted
    /// attribute value (reason strings come from errors and may hold < & ").
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab/newline are not allowed in XML 1.0 text;
            // the report must stay parseable whatever an error message carries.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// `value` with `digits` decimals, or an en dash when it is NaN or infinite.
    static func number(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "–" }
        let s = String(format: "%.\(digits)f", value)
        // "-0.00" reads as a sign where there is none.
        return s.allSatisfy({ "-0.".contains($0) }) && s.hasPrefix("-") ? String(s.dropFirst()) : s
    }

    /// An integer with digits grouped by threes with a narrow no-break space (SI style: 904 432).
    static func integer(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "\u{202F}" }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A fraction (0…1) as a percentage with `digits` decimals.
    static func percent(_ fraction: Double, _ digits: Int = 1) -> String { number(100 * fraction, digits) }

    /// A coordinate for SVG: one decimal is below a pixel's tenth, and keeps the file small.
    static func coordinate(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    /// A duration as people read it: "12.3 s", "4 min 05 s", "1 h 02 min".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }
}
