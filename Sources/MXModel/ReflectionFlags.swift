// ReflectionFlags: the per-reflection status bits of DIALS' `flags` column.

/// Status bits of a reflection, with the bit values DIALS stores in the
/// `flags` column (`flex.reflection_table.flags`), so a `.refl` written by
/// either program means the same to the other.
public struct ReflectionFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let predicted = ReflectionFlags(rawValue: 1 << 0)
    public static let observed = ReflectionFlags(rawValue: 1 << 1)
    public static let indexed = ReflectionFlags(rawValue: 1 << 2)
    public static let usedInRefinement = ReflectionFlags(rawValue: 1 << 3)
    public static let strong = ReflectionFlags(rawValue: 1 << 5)
    public static let referenceSpot = ReflectionFlags(rawValue: 1 << 6)
    public static let dontIntegrate = ReflectionFlags(rawValue: 1 << 7)
    public static let integratedSum = ReflectionFlags(rawValue: 1 << 8)
    public static let integratedPrf = ReflectionFlags(rawValue: 1 << 9)
    public static let integrated: ReflectionFlags = [.integratedSum, .integratedPrf]
    public static let overloaded = ReflectionFlags(rawValue: 1 << 10)
    public static let overlappedBg = ReflectionFlags(rawValue: 1 << 11)
    public static let overlappedFg = ReflectionFlags(rawValue: 1 << 12)
    public static let inPowderRing = ReflectionFlags(rawValue: 1 << 13)
    public static let foregroundIncludesBadPixels = ReflectionFlags(rawValue: 1 << 14)
    public static let backgroundIncludesBadPixels = ReflectionFlags(rawValue: 1 << 15)
    public static let includesBadPixels: ReflectionFlags = [.foregroundIncludesBadPixels, .backgroundIncludesBadPixels]
    public static let usedInModelling = ReflectionFlags(rawValue: 1 << 16)
    public static let centroidOutlier = ReflectionFlags(rawValue: 1 << 17)
    public static let failedDuringBackgroundModelling = ReflectionFlags(rawValue: 1 << 18)
    public static let failedDuringSummation = ReflectionFlags(rawValue: 1 << 19)
    public static let failedDuringProfileFitting = ReflectionFlags(rawValue: 1 << 20)
    public static let badReference = ReflectionFlags(rawValue: 1 << 21)
    public static let userExcludedInScaling = ReflectionFlags(rawValue: 1 << 22)
    public static let outlierInScaling = ReflectionFlags(rawValue: 1 << 23)
    public static let excludedForScaling = ReflectionFlags(rawValue: 1 << 24)
    public static let excludedForRefinement = ReflectionFlags(rawValue: 1 << 25)
    public static let scaled = ReflectionFlags(rawValue: 1 << 26)
}
