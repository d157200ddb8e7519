// CBFImageSource: the pixels of a numbered mini-CBF series, one file per frame, as an ImageSource.
import MXModel

/// Reads the frames of a mini-CBF series (`/dir/name_#####.cbf`). Frame
/// index 0 is the first image of `imageRange`. Each file is independent, so
/// the protocol's default parallel `forEachFrame` (one reader per thread)
/// is used: a frame costs one open/read of ~1 MB plus a byte-offset decode
/// straight into the caller's buffer.
///
/// Trusted mask. DIALS (dxtbx 3.11) masks, for a Pilatus mini-CBF: (1) the
/// module gaps as static panel mask rectangles (`determine_pilatus_mask`),
/// and (2) on every image separately, pixels outside the open trusted range
/// (−1, Count_cutoff), i.e. value ≤ −1 or ≥ cutoff (`Panel.
/// apply_trusted_range_mask`, used by `ImageSet.get_mask`). `trustedMask` here
/// is static: the module gaps (when the size is a Pilatus layout) and every
/// pixel that is negative in the first frame (gaps −1, bad pixels −2). Pixel
/// values stay as stored (−1, −2 remain negative), so per-frame checks on
/// value < 0 or ≥ the panel's trusted high keep working for overloads and
/// for pixels that go bad later in the sweep.
public final class CBFImageSource: ImageSource {
    /// File template with `#` for the digits.
    public let imageSet: ImageSetDescription
    /// Image numbers covered; frame index i is image `imageRange.lowerBound + i`.
    public let imageRange: ClosedRange<Int>
    public let frameSize: (width: Int, height: Int)
    public let trustedMask: [UInt8]
    /// Whether each read checks the Content-MD5 (off by default: it costs ~2 ms per MB).
    public var verifyChecksums = false

    public var frameCount: Int { imageRange.count }

    /// Opens the series `template` (e.g. "/data/x_#####.cbf") over `imageRange`,
    /// reading the first image to learn its size and mask.
    public init(template: String, imageRange: ClosedRange<Int>) throws {
        self.imageSet = ImageSetDescription(kind: .fileSeries, template: template)
        self.imageRange = imageRange
        let firstPath = imageSet.path(ofImage: imageRange.lowerBound)
        let (file, pixels) = try CBFFile.read(path: firstPath)
        let w = file.imageSize.width, h = file.imageSize.height
        self.frameSize = (w, h)
        var mask = [UInt8](repeating: 1, count: w * h)
        for i in 0..<(w * h) where pixels[i] < 0 { mask[i] = 0 }
        for gap in pilatusModuleGaps(width: w, height: h) {
            for y in gap.y { for x in gap.x { mask[y * w + x] = 0 } }
        }
        self.trustedMask = mask
    }

    /// Opens the images of an experiment imported by `importCBFSeries`.
    public convenience init(experiment: Experiment) throws {
        guard let set = experiment.imageSet, set.kind == .fileSeries else {
            throw CBFError.notCBF(path: experiment.imageSet?.template ?? "(no image set)",
                                  reason: "the experiment's images are not a file series")
        }
        let range = experiment.scan?.imageRange ?? 1...1
        try self.init(template: set.template, imageRange: range)
    }

    /// Path of frame `index` (0-based).
    public func path(ofFrame index: Int) -> String {
        imageSet.path(ofImage: imageRange.lowerBound + index)
    }

    public func readFrame(_ index: Int, into buffer: UnsafeMutableBufferPointer<Int32>) throws {
        guard index >= 0 && index < frameCount else {
            throw ImageReadError.frameOutOfRange(path: imageSet.template, frame: index, count: frameCount)
        }
        let path = path(ofFrame: index)
        let bytes = try CBFFile.readWholeFile(path: path)
        try bytes.withUnsafeBytes { raw in
            let file = try CBFFile.parse(raw, path: path)
            guard file.imageSize == frameSize else {
                throw CBFError.sizeMismatch(path: path, expected: frameSize, found: file.imageSize)
            }
            guard buffer.count == frameSize.width * frameSize.height else {
                throw ImageReadError.frameUnreadable(path: path, frame: index, reason:
                    "the buffer holds \(buffer.count) pixels, the frame \(frameSize.width * frameSize.height)")
            }
            try file.decodePixels(fileBytes: raw, into: buffer, verifyChecksum: verifyChecksums)
        }
    }
}
