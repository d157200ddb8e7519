// MTZWriter: writes an MTZFile in CCP4's MTZ layout (little-endian), atomically.
import Foundation

/// An MTZ file that cannot be written or read, naming the file and the problem.
public enum MTZError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read the MTZ file (\(r))"
        case .malformed(let p, let r): return "\(p): not a valid MTZ file (\(r))"
        case .invalid(let p, let r): return "\(p): cannot write this MTZ (\(r))"
        }
    }
}

/// Writes MTZ as cmtzlib's `MtzPut` lays it out (notes §5 "MTZ"): the
/// 80-byte preamble (`MTZ `, header word position, machine stamp
/// `44 41 00 00` = little-endian IEEE), the reflection records row-major as
/// Float32 from word 21, then 80-character header records up to `END`,
/// `MTZHIST` with the history, `MTZBATS` with each batch header (`BH`,
/// `TITLE`, 185 binary words, `BHCH`) and `MTZENDOFHEADERS`.
public enum MTZWriter {
    /// Encodes and writes `file` to `path` through `AtomicFile`.
    public static func write(_ file: MTZFile, to path: String) throws {
        let bytes = try encode(file, path: path)
        try AtomicFile.write(bytes, to: path)
    }

    /// The file's bytes.
    public static func encode(_ file: MTZFile, path: String = "<memory>") throws -> [UInt8] {
        let n = file.reflectionCount
        for c in file.columns where c.values.count != n {
            throw MTZError.invalid(path: path, reason: "column \(c.label) has \(c.values.count) values, expected \(n)")
        }
        for c in file.columns where file.dataset(id: c.datasetID) == nil {
            throw MTZError.invalid(path: path, reason: "column \(c.label) refers to missing dataset \(c.datasetID)")
        }
        guard file.cell.count == 6 else { throw MTZError.invalid(path: path, reason: "cell needs 6 numbers") }
        let ncol = file.columns.count
        var out = [UInt8]()
        out.reserveCapacity(80 + 4 * n * ncol + 80 * (40 + 2 * ncol) + file.batches.count * 1000)
        let headerWord = 21 + n * ncol          // 1-based word of the first header record
        out += Array("MTZ ".utf8)
        appendInt32(Int32(truncatingIfNeeded: headerWord), to: &out)
        out += [0x44, 0x41, 0x00, 0x00]
        out += [UInt8](repeating: 0, count: 80 - out.count)
        // Reflection records, row-major.
        var row = [Float](repeating: 0, count: ncol)
        for i in 0..<n {
            for (j, c) in file.columns.enumerated() { row[j] = c.values[i] }
            row.withUnsafeBytes { out += $0 }
        }
        // Header records.
        func record(_ s: String) { appendRecord(s, to: &out) }
        record("VERS MTZ:V1.1")
        record("TITLE " + file.title)
        record("NCOL \(pad(ncol, 8)) \(pad(n, 12)) \(pad(file.batches.count, 8))")
        record("CELL  " + file.cell.map { fixed($0, 4, width: 9) }.joined(separator: " "))
        record("SORT  " + file.sortOrder.prefix(5).map { pad($0, 3) }.joined(separator: " "))
        let s = file.symmetry
        record("SYMINF \(pad(s.operations.count, 3)) \(pad(s.primitiveCount, 2)) \(s.lattice) \(pad(s.number, 5)) "
               + "\(padLeft("'\(s.name)'", 22)) \(s.pointGroup)")
        for op in s.operations { record("SYMM " + op) }
        let reso = file.resolutionRange() ?? (0, 0)
        record("RESO \(scientific(reso.min)) \(scientific(reso.max))")
        record("VALM NAN")
        for c in file.columns {
            let r = c.range
            record("COLUMN \(padRight(c.label, 30)) \(c.type) \(general(Double(r.min))) \(general(Double(r.max))) "
                   + pad(c.datasetID, 4))
        }
        record("NDIF \(pad(file.datasets.count, 8))")
        for d in file.datasets {
            record("PROJECT \(pad(d.id, 7)) \(d.project)")
            record("CRYSTAL \(pad(d.id, 7)) \(d.crystal)")
            record("DATASET \(pad(d.id, 7)) \(d.dataset)")
            record("DCELL \(pad(d.id, 9)) " + d.cell.map { fixed($0, 4, width: 10) }.joined(separator: " "))
            record("DWAVEL \(pad(d.id, 8)) \(fixed(d.wavelength, 5, width: 10))")
        }
        let numbers = file.batches.map(\.number)
        for start in stride(from: 0, to: numbers.count, by: 12) {
            record("BATCH " + numbers[start..<min(start + 12, numbers.count)].map { pad($0, 6) }.joined())
        }
        record("END")
        let history = file.history.suffix(30)
        record("MTZHIST \(pad(history.count, 3))")
        for h in history { record(h) }
        if !file.batches.isEmpty {
            record("MTZBATS")
            for b in file.batches {
                guard b.integers.count == MTZBatch.integerCount, b.reals.count == MTZBatch.realCount else {
                    throw MTZError.invalid(path: path, reason: "batch \(b.number) needs 29 integer and 156 real words")
                }
                record("BH \(pad(b.number, 8))\(pad(185, 8))\(pad(29, 8))\(pad(156, 8))")
                record("TITLE " + b.title)
                for v in b.integers { appendInt32(v, to: &out) }
                b.reals.withUnsafeBytes { out += $0 }
                record("BHCH " + b.axisLabels.prefix(3).map { padRight($0, 8) }.joined())
            }
        }
        record("MTZENDOFHEADERS")
        return out
    }

    // MARK: formatting

    static func appendInt32(_ v: Int32, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    /// One 80-character ASCII record, truncated or blank-padded.
    static func appendRecord(_ s: String, to out: inout [UInt8]) {
        var bytes = Array(s.utf8.map { $0 < 128 ? $0 : UInt8(ascii: "?") }.prefix(80))
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: 80 - bytes.count)
        out += bytes
    }

    static func pad(_ v: Int, _ width: Int) -> String { padLeft(String(v), width) }
    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
    static func padRight(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
    static func fixed(_ v: Double, _ decimals: Int, width: Int) -> String {
        padLeft(String(format: "%.\(decimals)f", v), width)
    }
    static func general(_ v: Double) -> String { padLeft(String(format: "%.9g", v), 17) }
    static func scientific(_ v: Double) -> String { padRight(String(format: "%.12f", v), 20) }
}
