// ImageImport: `mxflow import`'s library half — sweeps from files, templates
// or folders, and the pixel reader for an imported image set.
import MXModel

/// Imports every sweep named by `paths` (NeXus master files, CBF images, a
/// `#` template or a folder; see `ImageInput.resolve`), one experiment per
/// sweep, in the order given.
///
/// What `dials.import` adds on top of the format readers is added here too:
/// the Pilatus module gaps become panel mask rectangles (dxtbx
/// `determine_pilatus_mask`), and each experiment gets an identifier in
/// UUID form. dials.import draws a random UUID; mxflow derives one from the
/// image template and frames, so the same data always gets the same
/// identifier and output files are reproducible.
/// - Throws: one sentence naming the file: missing, unrecognised, unreadable.
public func importImages(_ paths: [String]) throws -> ExperimentList {
    var experiments: [Experiment] = []
    for input in try ImageInput.resolve(paths) {
        var e: Experiment
        switch input {
        case .nexus(let master):
            e = try importNXmx(masterPath: master)
        case .cbfSeries(_, let files):
            e = try importCBFSeries(paths: files)
            for i in e.detector.panels.indices where e.detector[i].mask.isEmpty {
                let size = e.detector[i].imageSize
                e.detector[i].mask = pilatusModuleGaps(width: size.fast, height: size.slow).map {
                    Panel.MaskRectangle(x0: $0.x.lowerBound, y0: $0.y.lowerBound, x1: $0.x.upperBound, y1: $0.y.upperBound)
                }
            }
        }
        if e.identifier.isEmpty { e.identifier = experimentIdentifier(for: e) }
        experiments.append(e)
    }
    return ExperimentList(experiments)
}

/// Opens the pixel reader for an image set written by `importImages` (or
/// read from a DIALS `.expt`): the NeXus master file, or the CBF series over
/// `imageRange` (when nil, the numbers of the files on disk that match the
/// template, first to last).
public func openImageSource(_ imageSet: ImageSetDescription, imageRange: ClosedRange<Int>? = nil) throws -> ImageSource {
    switch imageSet.kind {
    case .nexus:
        return try NXmxImageSource(masterPath: imageSet.template)
    case .fileSeries:
        if let imageRange { return try CBFImageSource(template: imageSet.template, imageRange: imageRange) }
        let files = try ImageInput.expandTemplate(imageSet.template)
        guard let first = files.first.flatMap(ImageInput.imageNumber), let last = files.last.flatMap(ImageInput.imageNumber) else {
            throw ImageInputError.templateMatchesNothing(template: imageSet.template)
        }
        return try CBFImageSource(template: imageSet.template, imageRange: first...last)
    }
}

/// A UUID-shaped identifier derived from what identifies the sweep (image
/// template, frames, image range), by two FNV-1a 64-bit hashes with
/// different offset bases (Fowler–Noll–Vo; 128 bits in all).
public func experimentIdentifier(for e: Experiment) -> String {
    var key = e.imageSet?.template ?? ""
    if let set = e.imageSet, !set.singleFileIndices.isEmpty {
        key += "|\(set.singleFileIndices.first!)-\(set.singleFileIndices.last!)x\(set.singleFileIndices.count)"
    }
    if let s = e.scan { key += "|\(s.imageRange.lowerBound)-\(s.imageRange.upperBound)" }
    func fnv1a(_ basis: UInt64) -> UInt64 {
        var h = basis
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
    let hi = fnv1a(0xcbf29ce484222325), lo = fnv1a(0x84222325cbf29ce4)
    func hex(_ v: UInt64, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
    let h = hex(hi, 16), l = hex(lo, 16)
    let a = h.prefix(8), b = h.dropFirst(8).prefix(4), c = h.dropFirst(12)
    let d = l.prefix(4), rest = l.dropFirst(4)
    return "\(a)-\(b)-\(c)-\(d)-\(rest)"
}
