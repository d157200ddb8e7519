// BackgroundPassBuffers: the row buffers of the background pass and its core stage.

/// Row buffers of the background pass, sized for one panel width and window.
public final class BackgroundPassBuffers {
    public let width: Int, ringRows: Int
    /// Ring of classified rows: value where the pixel enters the sums, else 0;
    /// its square (wrapping); 1 where a masked-in pixel drops out this frame.
    @usableFromInline let value, square, dropped: UnsafeMutablePointer<Int32>
    @usableFromInline let rowHasDropped: UnsafeMutablePointer<Bool>
    /// Column sums over the window rows and their prefix sums along the row.
    @usableFromInline let columnSum, columnSquare, columnDropped: UnsafeMutablePointer<Int32>
    @usableFromInline let prefixSum, prefixSquare, prefixDropped: UnsafeMutablePointer<Int32>
    /// dispersion_extended's core stage, kept for its storage.
    var cores: CoreStage?
    /// Stands in for the core stage's bit row where there is none (never written).
    @usableFromInline let zeroBits: UnsafeMutablePointer<UInt64>

    public init(width: Int, ringRows: Int) {
        self.width = width; self.ringRows = ringRows
        let ring = width * ringRows
        value = .allocate(capacity: ring); square = .allocate(capacity: ring); dropped = .allocate(capacity: ring)
        value.initialize(repeating: 0, count: ring); square.initialize(repeating: 0, count: ring)
        dropped.initialize(repeating: 0, count: ring)
        rowHasDropped = .allocate(capacity: ringRows)
        rowHasDropped.initialize(repeating: false, count: ringRows)
        columnSum = .allocate(capacity: width); columnSquare = .allocate(capacity: width)
        columnDropped = .allocate(capacity: width)
        prefixSum = .allocate(capacity: width + 1); prefixSquare = .allocate(capacity: width + 1)
        prefixDropped = .allocate(capacity: width + 1)
        zeroBits = .allocate(capacity: 1)
        zeroBits.initialize(to: 0)
    }

    deinit {
        for p in [value, square, dropped, columnSum, columnSquare, columnDropped, prefixSum, prefixSquare, prefixDropped] {
            p.deallocate()
        }
        rowHasDropped.deallocate()
        zeroBits.deallocate()
    }

    /// The core stage for a panel of this width and `height`, made on first use.
    @usableFromInline func coreStage(height: Int, radius: Int, wide: (x: Int, y: Int)) -> CoreStage {
        if let c = cores, c.height == height, c.radius == radius, c.wide == wide { return c }
        let c = CoreStage(width: width, height: height, radius: radius, wide: wide)
        cores = c
        return c
    }
}
