// SpotFilter: the per-spot acceptance tests of spot finding (size, peak–centroid separation).

/// Why a spot was dropped, counted for the log.
public struct SpotFilterCounts: Equatable, Sendable {
    public var tooSmall = 0
    public var tooLarge = 0
    public var peakCentroidSeparation = 0
    /// Components cut into separate peaks (`SpotSplitter`), and the spots they became.
    public var split = 0, splitInto = 0
    public init() {}
}

/// DIALS' filters in its order: connected components outside
/// [minSpotSize, maxSpotSize] pixels are dropped when shoeboxes are made
/// (dials/algorithms/spot_finding/finder.py `pixel_list_to_shoeboxes`), then
/// spots whose brightest pixel lies more than `maxSeparation` px (3-D) from the
/// centroid (`PeakCentroidDistanceFilter`).
public struct SpotFilter: Sendable {
    public var minSpotSize: Int
    public var maxSpotSize: Int
    public var maxSeparation: Double?

    public init(minSpotSize: Int, maxSpotSize: Int, maxSeparation: Double?) {
        self.minSpotSize = minSpotSize; self.maxSpotSize = maxSpotSize; self.maxSeparation = maxSeparation
    }

    /// Whether a component of `pixelCount` pixels is kept by the size test.
    public func acceptsSize(_ pixelCount: Int, counts: inout SpotFilterCounts) -> Bool {
        if pixelCount < minSpotSize { counts.tooSmall += 1; return false }
        if pixelCount > maxSpotSize { counts.tooLarge += 1; return false }
        return true
    }

    /// Whether a measured spot passes the peak–centroid test.
    public func acceptsShape(_ m: SpotMeasurement, counts: inout SpotFilterCounts) -> Bool {
        if let d = maxSeparation, m.peakCentroidSeparation > d { counts.peakCentroidSeparation += 1; return false }
        return true
    }
}
