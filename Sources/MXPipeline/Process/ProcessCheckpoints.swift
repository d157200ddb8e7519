// ProcessCheckpoints: which nodes of the graph a run completed, under a key
// made of everything their results depend on (mxflow's version, the input
// files' names, sizes and times, the preset and the parameters). A later run
// with the same key resumes after them; any change starts afresh.
import Foundation
import MXFormats

public struct ProcessCheckpoints: Codable, Sendable, Equatable {
    public static let fileName = "mxflow.checkpoints.json"
    public var key: String
    public var completed: [String] = []

    public init(key: String) { self.key = key }

    public static func read(_ path: String) -> ProcessCheckpoints? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ProcessCheckpoints.self, from: data)
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)), to: path)
    }

    /// The key of a run: a 64-bit FNV-1a hash over its inputs and settings.
    static func key(_ o: ProcessRun.Options) -> String {
        var text = "mxflow \(MXFlowVersion.string)\n"
        let fm = FileManager.default
        for input in o.inputs {
            let attributes = try? fm.attributesOfItem(atPath: input)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            text += "input \((input as NSString).standardizingPath) \(size) \(time)\n"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        text += String(decoding: (try? encoder.encode(o.preset)) ?? Data(), as: UTF8.self) + "\n"
        text += "d_min \(o.dMin.map { "\($0)" } ?? "-") anomalous \(o.anomalous.map { "\($0)" } ?? "-")"
            + " space_group \(o.spaceGroup ?? "-") unit_cell \(o.unitCell.map { "\($0)" } ?? "-")\n"
        for step in o.stepParameters.keys.sorted() { text += "\(step) \(o.stepParameters[step]!)\n" }
        var h: UInt64 = 0xcbf29ce484222325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 16)
    }
}
