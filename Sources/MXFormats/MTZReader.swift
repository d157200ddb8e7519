// MTZReader: reads a CCP4 MTZ file (either byte order) into an MTZFile.
import Foundation

/// Reads MTZ as cmtzlib's `MtzGet` does: the header position from word 2,
/// the byte order from the machine stamp (high nibble of byte 8: 4 =
/// little-endian IEEE, 1 = big-endian IEEE), the 80-character records up to
/// `END`, then history, batch headers and `MTZENDOFHEADERS`. A numeric
/// `VALM` missing-value flag is turned into NaN.
public enum MTZReader {
    public static func read(path: String) throws -> MTZFile {
        guard let bytes = AtomicFile.readAll(path) else {
            throw MTZError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path)
                                      ? "permission or I/O error" : "no such file")
        }
        return try decode(bytes, path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> MTZFile {
        func fail(_ reason: String) -> MTZError { .malformed(path: path, reason: reason) }
        guard bytes.count >= 80, bytes[0..<4] == Array("MTZ ".utf8)[...] else {
            throw fail("does not start with 'MTZ '")
        }
        let bigEndian: Bool
        switch bytes[8] >> 4 {
        case 4: bigEndian = false
        case 1: bigEndian = true
        default: throw fail("machine stamp \(String(format: "%02x", bytes[8])) is not IEEE")
        }
        func word(_ offset: Int) -> UInt32 {
            let v = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            return bigEndian ? v.byteSwapped : v
        }
        let headerWord = Int(Int32(bitPattern: word(4)))
        var pos = (headerWord - 1) * 4
        guard headerWord > 20, pos < bytes.count else { throw fail("header position \(headerWord) is outside the file") }

        func nextRecord() throws -> String {
            guard pos + 80 <= bytes.count else { throw fail("header ends without MTZENDOFHEADERS") }
            let s = String(decoding: bytes[pos..<pos + 80], as: UTF8.self)
            pos += 80
            return s
        }

        var title = "", cell: [Double] = [], sort = [0, 0, 0, 0, 0]
        var ncol = 0, nref = 0
        var symNumber = 0, symName = "", lattice: Character = "P", pointGroup = "", nsymp = 0
        var ops: [String] = []
        var colHeaders: [(label: String, type: Character, dataset: Int)] = []
        var datasets: [Int: MTZDataset] = [:]
        var datasetOrder: [Int] = []
        var missing: Float? = nil
        func dataset(_ id: Int) -> MTZDataset {
            if let d = datasets[id] { return d }
            datasetOrder.append(id)
            return MTZDataset(id: id, project: "", crystal: "", dataset: "", cell: cell, wavelength: 0)
        }

        header: while true {
            let rec = try nextRecord()
            let key = rec.prefix(4).uppercased()
            let fields = tokens(rec)
            let rest = fields.dropFirst()
            switch key {
            case "VERS": continue
            case "TITL": title = String(rec.dropFirst(6)).trimmingCharacters(in: .whitespaces)
            case "NCOL":
                guard rest.count >= 2, let c = Int(rest[rest.startIndex]), let r = Int(rest[rest.startIndex + 1]) else {
                    throw fail("bad NCOL record '\(rec.trimmingCharacters(in: .whitespaces))'")
                }
                ncol = c; nref = r
            case "CELL": cell = rest.compactMap { Double($0) }
            case "SORT": sort = rest.compactMap { Int($0) }
            case "SYMI":
                guard rest.count >= 4 else { throw fail("missing tokens in SYMINF record") }
                let r = Array(rest)
                nsymp = Int(r[1]) ?? 0
                lattice = r[2].first ?? "P"
                symNumber = Int(r[3]) ?? 0
                symName = r.count > 4 ? r[4] : ""
                pointGroup = r.count > 5 ? r[5] : ""
            case "SYMM":
                ops.append(String(rec.dropFirst(5)).trimmingCharacters(in: .whitespaces))
            case "VALM":
                if let v = rest.first, let f = Float(v) { missing = f }
            case "COLU":
                let r = Array(rest)
                guard r.count >= 2, let type = r[1].first else { throw fail("bad COLUMN record '\(rec)'") }
                colHeaders.append((r[0], type, r.count >= 5 ? Int(r[4]) ?? 0 : 0))
            case "PROJ", "CRYS", "DATA", "DCEL", "DWAV":
                guard let idText = rest.first, let id = Int(idText) else { continue }
                var d = dataset(id)
                let value = fields.count > 2 ? fields[2...].joined(separator: " ") : ""
                switch key {
                case "PROJ": d.project = value
                case "CRYS": d.crystal = value
                case "DATA": d.dataset = value
                case "DCEL": d.cell = rest.dropFirst().compactMap { Double($0) }
                default: d.wavelength = rest.dropFirst().first.flatMap { Double($0) } ?? 0
                }
                datasets[id] = d
            case "END ":
                break header
            default: continue
            }
        }
        guard colHeaders.count == ncol else {
            throw fail("NCOL says \(ncol) columns but \(colHeaders.count) COLUMN records follow")
        }
        guard 80 + 4 * ncol * nref <= bytes.count else {
            throw fail("\(nref) reflections × \(ncol) columns do not fit in \(bytes.count) bytes")
        }
        // Reflection data.
        var values = [[Float]](repeating: [Float](repeating: 0, count: nref), count: ncol)
        var offset = 80
        for i in 0..<nref {
            for j in 0..<ncol {
                var v = Float(bitPattern: word(offset))
                if let m = missing, v == m { v = .nan }
                values[j][i] = v
                offset += 4
            }
        }
        // History and batches.
        var history: [String] = []
        var batches: [MTZBatch] = []
        trailer: while pos + 80 <= bytes.count {
            let rec = try nextRecord()
            let fields = tokens(rec)
            guard let key = fields.first?.uppercased() else { continue }
            switch key {
            case "MTZHIST":
                let count = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
                for _ in 0..<count {
                    history.append(try nextRecord().trimmingCharacters(in: .whitespaces))
                }
            case "MTZBATS": continue
            case "BH":
                guard fields.count >= 5, let number = Int(fields[1]), let nwords = Int(fields[2]),
                      let nint = Int(fields[3]), let nreal = Int(fields[4]), nwords == nint + nreal else {
                    throw fail("bad batch header record '\(rec.trimmingCharacters(in: .whitespaces))'")
                }
                let titleRecord = try nextRecord()
                let batchTitle = titleRecord.hasPrefix("TITLE") ? String(titleRecord.dropFirst(6))
                    .trimmingCharacters(in: .whitespaces) : ""
                guard pos + 4 * nwords <= bytes.count else { throw fail("batch \(number) header is truncated") }
                var ints = [Int32](repeating: 0, count: MTZBatch.integerCount)
                var reals = [Float](repeating: 0, count: MTZBatch.realCount)
                for k in 0..<nint where k < ints.count { ints[k] = Int32(bitPattern: word(pos + 4 * k)) }
                for k in 0..<nreal where k < reals.count { reals[k] = Float(bitPattern: word(pos + 4 * (nint + k))) }
                pos += 4 * nwords
                var labels = ["", "", ""]
                if pos + 80 <= bytes.count, String(decoding: bytes[pos..<pos + 4], as: UTF8.self) == "BHCH" {
                    let l = try nextRecord()
                    let body = Array(l.dropFirst(5))
                    for a in 0..<3 where body.count >= 8 * a + 8 {
                        labels[a] = String(body[(8 * a)..<(8 * a + 8)]).trimmingCharacters(in: .whitespaces)
                    }
                }
                batches.append(MTZBatch(number: number, title: batchTitle, integers: ints, reals: reals,
                                        axisLabels: labels))
            case "MTZENDOFHEADERS": break trailer
            default: continue
            }
        }
        let symmetry = MTZSymmetry(number: symNumber, name: symName, lattice: lattice, pointGroup: pointGroup,
                                   operations: ops, primitiveCount: nsymp)
        var file = MTZFile(title: title, cell: cell, symmetry: symmetry,
                           datasets: datasetOrder.compactMap { datasets[$0] },
                           columns: zip(colHeaders, values).map {
                               MTZColumn(label: $0.0.label, type: $0.0.type, datasetID: $0.0.dataset, values: $0.1)
                           },
                           batches: batches, history: history, sortOrder: sort)
        if datasetOrder.isEmpty { file.datasets = [MTZDataset.base(cell: cell)] }
        return file
    }

    /// Whitespace-separated tokens, a single-quoted string counting as one token (quotes removed).
    static func tokens(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false, inToken = false
        for ch in s {
            if ch == "'" {
                if quoted { out.append(current); current = ""; inToken = false }
                quoted.toggle()
                continue
            }
            if quoted { current.append(ch); continue }
            if ch == " " || ch == "\t" {
                if inToken { out.append(current); current = ""; inToken = false }
            } else {
                current.append(ch); inToken = true
            }
        }
        if inToken || quoted { out.append(current) }
        return out
    }
}
