// BackgroundPassBuffers: the row buffers of the background pass and the dispersive pixels it finds.

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
    /// A row of zeros, standing for rows beyond the panel.
    @usableFromInline let zeroRow: UnsafeMutablePointer<Int32>
    /// The dispersive pixels of the last frame, kept for their storage.
    public var records: DispersiveRecords

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
        zeroRow = .allocate(capacity: width)
        zeroRow.initialize(repeating: 0, count: width)
        records = DispersiveRecords(capacity: 4096)
    }

    deinit {
        for p in [value, square, dropped, columnSum, columnSquare, columnDropped, prefixSum, prefixSquare, prefixDropped,
                  zeroRow] {
            p.deallocate()
        }
        rowHasDropped.deallocate()
        records.deallocate()
    }
}

/// The dispersive pixels of one panel image, in raster order, with what the
/// extended test needs of each: its count, and the wider window's Σv and
/// number of pixels dropped this frame. Plain pointers with a count, so an
/// append in the row loop is a store and an increment (no uniqueness check,
/// as Swift arrays need).
public struct DispersiveRecords {
    // Public storage: the background pass, inlined into its callers, appends here.
    public var index: UnsafeMutablePointer<Int32>
    public var value: UnsafeMutablePointer<Int32>
    public var wideDropped: UnsafeMutablePointer<Int32>
    public var wideSum: UnsafeMutablePointer<Int64>
    public var count = 0
    @usableFromInline var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        index = .allocate(capacity: capacity); value = .allocate(capacity: capacity)
        wideDropped = .allocate(capacity: capacity); wideSum = .allocate(capacity: capacity)
    }

    func deallocate() {
        index.deallocate(); value.deallocate(); wideDropped.deallocate(); wideSum.deallocate()
    }

    @inlinable mutating func removeAll() { count = 0 }

    @inlinable @inline(__always) mutating func append(index k: Int32, value v: Int32, wideDropped d: Int32, wideSum s: Int64) {
        if count == capacity { grow() }
        index[count] = k; value[count] = v; wideDropped[count] = d; wideSum[count] = s
        count += 1
    }

    @usableFromInline mutating func grow() {
        let more = capacity * 2
        func moved<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: more)
            new.moveInitialize(from: old, count: count)
            old.deallocate()
            return new
        }
        index = moved(index); value = moved(value); wideDropped = moved(wideDropped); wideSum = moved(wideSum)
        capacity = more
    }

    public var indices: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: index, count: count) }
}
