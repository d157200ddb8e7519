// ImageSetDescription: where a sweep's images live on disk.

/// Where the images of a sweep are, as dxtbx's `ImageSequence` records it:
/// a NeXus master file (`template` is the file, `singleFileIndices` the
/// frames used, 0-based) or a numbered file series (`template` with `#`
/// standing for the digits, e.g. `/data/x_#####.cbf`).
public struct ImageSetDescription: Equatable, Sendable {
    public enum Kind: String, Sendable { case nexus, fileSeries }
    public var kind: Kind
    /// Absolute path of the master file, or the template with `#`s.
    public var template: String
    /// NeXus: 0-based frame indices within the master file's data.
    public var singleFileIndices: [Int] = []
    /// Optional mask file (dxtbx "mask"), as a path.
    public var maskPath: String? = nil

    public init(kind: Kind, template: String, singleFileIndices: [Int] = []) {
        self.kind = kind; self.template = template; self.singleFileIndices = singleFileIndices
    }

    /// For a file series: the path of image number `i` (template digits filled, zero-padded).
    public func path(ofImage i: Int) -> String {
        guard kind == .fileSeries, let first = template.firstIndex(of: "#") else { return template }
        let last = template.lastIndex(of: "#")!
        let width = template.distance(from: first, to: last) + 1
        var digits = String(i)
        if digits.count < width { digits = String(repeating: "0", count: width - digits.count) + digits }
        return String(template[..<first]) + digits + String(template[template.index(after: last)...])
    }
}
