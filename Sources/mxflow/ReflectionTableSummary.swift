// ReflectionTableSummary: the text `mxflow show` prints for a `.refl` file.
import Foundation
import MXModel

/// What `mxflow show` prints for a reflection table: the row count, the
/// experiment identifiers, and per column its DIALS type with min, max and
/// mean of numeric columns (per component for vectors), as `dials.show`'s
/// reflection summary does.
struct ReflectionTableSummary {
    let table: ReflectionTable
    let file: String
    init(_ table: ReflectionTable, file: String) { self.table = table; self.file = file }

    var text: String {
        var out = ["Reflection table \(file): \(table.count) rows, \(table.columnNames.count) columns"]
        for (id, name) in table.experimentIdentifiers.sorted(by: { $0.key < $1.key }) {
            out.append("  experiment \(id): \(name)")
        }
        let width = max(6, table.columnNames.map(\.count).max() ?? 0)
        let header = "Column".padding(toLength: width, withPad: " ", startingAt: 0)
        out.append("  \(header)  \("type".padding(toLength: 22, withPad: " ", startingAt: 0))  min / max / mean")
        for name in table.columnNames {
            guard let column = table[name] else { continue }
            let label = name.padding(toLength: width, withPad: " ", startingAt: 0)
            let type = column.typeName.padding(toLength: 22, withPad: " ", startingAt: 0)
            out.append("  \(label)  \(type)  \(statistics(column))")
        }
        return out.joined(separator: "\n")
    }

    func statistics(_ column: ReflectionColumn) -> String {
        func stats(_ v: [Double]) -> String {
            guard let lo = v.min(), let hi = v.max() else { return "" }
            let mean = v.reduce(0, +) / Double(v.count)
            return String(format: "%.4g / %.4g / %.4g", lo, hi, mean)
        }
        func components(_ rows: [[Double]]) -> String {
            guard let n = rows.first?.count else { return "" }
            return (0..<n).map { k in "(" + stats(rows.map { $0[k] }) + ")" }.joined(separator: " ")
        }
        switch column {
        case .double(let a): return stats(a)
        case .int(let a): return stats(a.map { Double($0) })
        case .size(let a): return stats(a.map { Double($0) })
        case .vec2(let a): return components(a.map { [$0.x, $0.y] })
        case .vec3(let a): return components(a.map { [$0.x, $0.y, $0.z] })
        case .miller(let a): return components(a.map { [Double($0.h), Double($0.k), Double($0.l)] })
        case .bool(let a): return "\(a.filter { $0 }.count) true"
        default: return ""
        }
    }
}
