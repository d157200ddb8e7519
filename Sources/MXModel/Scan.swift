// Scan: image range, oscillation and timing of a rotation sweep.
import MXMath

/// A rotation scan in dxtbx's conventions. Images are numbered from
/// `imageRange.first` (usually 1). The continuous frame coordinate z used in
/// reflection tables ("array index") is 0 at the start of the first image, so
/// image i spans z ∈ [i − first, i − first + 1) and φ(z) = φ0 + z·Δφ.
public struct Scan: Equatable, Sendable {
    /// First and last image numbers, inclusive.
    public var imageRange: ClosedRange<Int>
    /// Start angle of the first image and the width of each image, degrees.
    public var oscillationStartDegrees: Double
    public var oscillationWidthDegrees: Double
    /// Exposure time per image (s) and start time per image (epoch seconds);
    /// one entry per image, or empty when unknown.
    public var exposureTimes: [Double] = []
    public var epochs: [Double] = []
    public var batchOffset: Int = 0
    /// Ranges of valid images per experiment identifier (dxtbx "valid_image_ranges").
    public var validImageRanges: [String: [ClosedRange<Int>]] = [:]

    public init(imageRange: ClosedRange<Int>, oscillationStartDegrees: Double,
                oscillationWidthDegrees: Double, exposureTimes: [Double] = [], epochs: [Double] = []) {
        self.imageRange = imageRange
        self.oscillationStartDegrees = oscillationStartDegrees
        self.oscillationWidthDegrees = oscillationWidthDegrees
        self.exposureTimes = exposureTimes
        self.epochs = epochs
    }

    public var numberOfImages: Int { imageRange.count }
    /// Array range (first − 1, last): the z extent of the scan.
    public var arrayRange: Range<Int> { (imageRange.lowerBound - 1)..<imageRange.upperBound }
    /// Oscillation start and width in radians.
    public var oscillationStart: Double { radians(oscillationStartDegrees) }
    public var oscillationWidth: Double { radians(oscillationWidthDegrees) }

    /// φ (radians) at frame coordinate z (0 = start of the first image).
    public func angle(atFrame z: Double) -> Double {
        oscillationStart + (z - Double(arrayRange.lowerBound)) * oscillationWidth
    }
    /// Frame coordinate z at angle φ (radians); the inverse of `angle(atFrame:)`.
    public func frame(atAngle phi: Double) -> Double {
        Double(arrayRange.lowerBound) + (phi - oscillationStart) / oscillationWidth
    }
    /// The angular range covered, radians.
    public var oscillationRange: ClosedRange<Double> {
        let a = angle(atFrame: Double(arrayRange.lowerBound)), b = angle(atFrame: Double(arrayRange.upperBound))
        return min(a, b)...max(a, b)
    }
    /// Start angle (degrees) of image number `i`.
    public func startAngleDegrees(ofImage i: Int) -> Double {
        oscillationStartDegrees + Double(i - imageRange.lowerBound) * oscillationWidthDegrees
    }
}
