// NXmxImageSource: the frames of an NXmx sweep, read as raw chunks under one lock and decoded in parallel.
import CHDF5
import Dispatch
import MXModel

/// Pixels of an NXmx (Eiger-style) sweep. Bitshuffle-LZ4 frames stored one
/// per chunk are read as raw chunks (`H5Dread_chunk`) and decoded in Swift,
/// so decoding runs on many threads while HDF5 (one global lock) only reads
/// bytes; other layouts and filters (deflate, none) go through `H5Dread`.
/// Unsigned data become Int32 with the gap value 2^b − 1 (b the bit depth,
/// e.g. 0xFFFFFFFF or 0xFFFF) as −1, and with bit_depth_readout also the dead
/// value 2^b − 2 as −2, as dxtbx presents them.
public final class NXmxImageSource: ImageSource, @unchecked Sendable {
    public let masterPath: String
    public let frameCount: Int
    public let frameSize: (width: Int, height: Int)
    public let trustedMask: [UInt8]

    /// One frame dataset of the sweep (Eiger masters may link several).
    final class Block {
        let dataset: HDF5Dataset
        let firstFrame: Int
        let frames: Int
        /// Bytes per stored element, and whether signed.
        let elementSize: Int
        let signed: Bool
        /// Whether frames are single bitshuffle-LZ4 chunks decoded here.
        let rawChunks: Bool
        /// File that holds the data, for messages.
        let storagePath: String
        init(dataset: HDF5Dataset, firstFrame: Int, frames: Int, elementSize: Int, signed: Bool,
             rawChunks: Bool, storagePath: String) {
            self.dataset = dataset; self.firstFrame = firstFrame; self.frames = frames
            self.elementSize = elementSize; self.signed = signed; self.rawChunks = rawChunks
            self.storagePath = storagePath
        }
    }
    let blocks: [Block]
    /// Stored values replaced by markers (gap −1, dead −2), as dxtbx does.
    let substitutions: [(UInt32, Int32)]
    /// Frame buffers and scratch kept between `forEachFrame` calls, so that
    /// callers going block by block do not map and fault in fresh pages each time.
    private let frameMemory = FrameMemoryPool()
    /// Serialises every HDF5 call made for this source.
    private let hdf5Lock = DispatchSemaphore(value: 1)
    private let file: HDF5File

    /// Opens the sweep of the master file at `masterPath`.
    /// - Throws: `ImageReadError` naming the file and field (missing file, not
    ///   NXmx, missing external data file, frames of the wrong size).
    /// - Parameter decodeInSwift: false sends every frame through HDF5's own
    ///   filter pipeline (`H5Dread`), for comparison and as a fallback.
    public init(masterPath: String, decodeInSwift: Bool = true) throws {
        let file = try HDF5File(readingAt: masterPath)
        let layout = try NXmxLayout.locate(file)
        self.file = file
        self.masterPath = file.path
        var blocks: [Block] = []
        var first = 0
        var size: (Int, Int)? = nil
        for (path, frames) in layout.dataBlocks {
            let d = try file.dataset(path)
            let shape = d.shape
            if let s = size, s != (shape[2], shape[1]) {
                throw ImageReadError.badField(path: file.path, field: path,
                                              reason: "has frames of \(shape[2])×\(shape[1]) pixels, unlike \(s.0)×\(s.1) before it")
            }
            size = (shape[2], shape[1])
            let (bytes, signed): (Int, Bool)
            switch d.elementType {
            case .integer(let b, let s): (bytes, signed) = (b, s)
            case .float(let b): (bytes, signed) = (b, true)
            default:
                throw ImageReadError.badField(path: file.path, field: path, reason: "does not hold numbers")
            }
            let filters = d.filters
            let raw = decodeInSwift && d.chunkShape == [1, shape[1], shape[2]] && !signed && (bytes == 4 || bytes == 2)
                && filters.count == 1 && filters[0].id == BitshuffleLZ4.filterID
                && (filters[0].clientData.count < 5 || filters[0].clientData[4] == 2)
                && (filters[0].clientData.count < 3 || Int(filters[0].clientData[2]) == bytes)
            blocks.append(Block(dataset: d, firstFrame: first, frames: frames, elementSize: bytes, signed: signed,
                                rawChunks: raw, storagePath: d.storagePath))
            first += frames
        }
        self.blocks = blocks
        self.frameCount = first
        let (w, h) = size ?? (0, 0)
        self.frameSize = (w, h)

        // Marker values. dxtbx (FormatNXmx) turns 2^b − 1 into −1 and 2^b − 2
        // into −2 when bit_depth_readout b is given (2^31 for b = 32, after
        // the cast to int32); without it, the all-ones value of bit_depth_image
        // (else of the stored type) marks gaps as −1 (0xFFFFFFFF is −1 anyway).
        var subs: [(UInt32, Int32)] = []
        let storedBits = 8 * (blocks.first?.elementSize ?? 4)
        if !(blocks.first?.signed ?? true) {
            if let r = try layout.optional(layout.detector, "bit_depth_readout"),
               let b = try? r.readInt64s().first, b > 1, b <= 32 {
                let top: UInt64 = b == 32 ? 1 << 31 : 1 << UInt64(b)
                subs = [(UInt32(top - 1), -1), (UInt32(top - 2), -2)]
            } else {
                var bits = storedBits
                if let d = try layout.optional(layout.detector, "bit_depth_image"),
                   let b = try? d.readInt64s().first, b > 0, b < storedBits {
                    bits = Int(b)
                }
                subs = [(UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(bits)) - 1), -1)]
            }
        }
        substitutions = subs.filter { $0.0 != 0xFFFF_FFFF && (storedBits == 32 || $0.0 <= 0xFFFF) }

        // Static mask: any non-zero pixel_mask bit (gap, dead, hot, user) is untrusted.
        var mask = [UInt8](repeating: 1, count: w * h)
        if let pm = try layout.optional(layout.detector, "pixel_mask") {
            let shape = pm.shape
            guard shape == [h, w] || shape == [1, h, w] else {
                throw ImageReadError.badField(path: file.path, field: pm.path,
                                              reason: "has shape \(shape), expected [\(h), \(w)]")
            }
            let values = try pm.readInt64s()
            for i in 0..<(w * h) where values[i] != 0 { mask[i] = 0 }
        }
        self.trustedMask = mask
    }

    /// The block holding frame `index`, and the index within it.
    private func locate(_ index: Int) throws -> (Block, Int) {
        guard index >= 0, index < frameCount else {
            throw ImageReadError.frameOutOfRange(path: masterPath, frame: index, count: frameCount)
        }
        for b in blocks where index < b.firstFrame + b.frames { return (b, index - b.firstFrame) }
        throw ImageReadError.frameOutOfRange(path: masterPath, frame: index, count: frameCount)
    }

    /// Reads frame `index` (0-based) into `buffer` (width × height values).
    public func readFrame(_ index: Int, into buffer: UnsafeMutableBufferPointer<Int32>) throws {
        var scratch = FrameScratch()
        defer { scratch.release() }
        try readFrame(index, into: buffer, scratch: &scratch)
    }

    /// Per-thread working memory: the raw chunk, and a 16-bit staging buffer.
    struct FrameScratch {
        var raw = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        var half = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        mutating func ensureRaw(_ n: Int) {
            if raw.count < n { raw.deallocate(); raw = .allocate(byteCount: n, alignment: 16) }
        }
        mutating func ensureHalf(_ n: Int) {
            if half.count < n { half.deallocate(); half = .allocate(byteCount: n, alignment: 16) }
        }
        func release() { raw.deallocate(); half.deallocate() }
    }

    /// Reads the stored bytes of a frame (under the HDF5 lock); returns the
    /// byte count and whether the filter was skipped for that chunk.
    private func readRaw(_ block: Block, _ local: Int, index: Int, scratch: inout FrameScratch) throws -> (Int, Bool) {
        hdf5Lock.wait()
        defer { hdf5Lock.signal() }
        do {
            let n = try block.dataset.chunkStorageSize(at: [local, 0, 0])
            guard n > 0 else {
                throw ImageReadError.frameUnreadable(path: block.storagePath, frame: index, reason: "its chunk was never written")
            }
            scratch.ensureRaw(n)
            let r = try block.dataset.readRawChunk(at: [local, 0, 0], into: scratch.raw)
            return (r.bytes, r.filterMask & 1 != 0)
        } catch let e as ImageReadError {
            if case .frameUnreadable = e { throw e }
            throw ImageReadError.frameUnreadable(path: block.storagePath, frame: index, reason: "\(e)")
        }
    }

    private func readFrame(_ index: Int, into buffer: UnsafeMutableBufferPointer<Int32>,
                           scratch: inout FrameScratch) throws {
        let (block, local) = try locate(index)
        let n = frameSize.width * frameSize.height
        precondition(buffer.count >= n, "frame buffer holds \(buffer.count) pixels, needs \(n)")
        let e = block.elementSize
        if block.rawChunks {
            let (bytes, skipped) = try readRaw(block, local, index: index, scratch: &scratch)
            let source = UnsafeRawBufferPointer(rebasing: scratch.raw[0..<bytes])
            // 32-bit data decode straight into the output; 16-bit via a staging buffer.
            let target: UnsafeMutableRawBufferPointer
            if e == 4 {
                target = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0..<(n * 4)])
            } else {
                scratch.ensureHalf(n * e)
                target = UnsafeMutableRawBufferPointer(rebasing: scratch.half[0..<(n * e)])
            }
            do {
                if skipped {
                    guard bytes == n * e else {
                        throw BitshuffleLZ4Error.sizeMismatch(expectedBytes: n * e, headerBytes: bytes)
                    }
                    target.copyMemory(from: source)
                } else {
                    try BitshuffleLZ4.decode(source, into: target, elementSize: e)
                }
            } catch let err as BitshuffleLZ4Error {
                throw ImageReadError.frameUnreadable(path: block.storagePath, frame: index, reason: err.description)
            }
            convert(target, elementSize: e, into: buffer, count: n)
        } else {
            hdf5Lock.wait()
            defer { hdf5Lock.signal() }
            do {
                if block.signed {
                    try block.dataset.readHyperslab(start: [local, 0, 0], count: [1, frameSize.height, frameSize.width],
                                                    memType: chdf5_native_int32(), into: UnsafeMutableRawBufferPointer(buffer))
                } else if e == 4 || e == 2 {
                    let memType = e == 4 ? chdf5_native_uint32() : chdf5_native_uint16()
                    let target: UnsafeMutableRawBufferPointer
                    if e == 4 {
                        target = UnsafeMutableRawBufferPointer(buffer)
                    } else {
                        scratch.ensureHalf(n * 2)
                        target = scratch.half
                    }
                    try block.dataset.readHyperslab(start: [local, 0, 0], count: [1, frameSize.height, frameSize.width],
                                                    memType: memType, into: target)
                    convert(UnsafeMutableRawBufferPointer(rebasing: target[0..<(n * e)]), elementSize: e,
                            into: buffer, count: n)
                } else {
                    // 8- or 64-bit unsigned: let HDF5 convert (values above Int32.max clip).
                    try block.dataset.readHyperslab(start: [local, 0, 0], count: [1, frameSize.height, frameSize.width],
                                                    memType: chdf5_native_int32(), into: UnsafeMutableRawBufferPointer(buffer))
                }
            } catch let err as ImageReadError {
                throw ImageReadError.frameUnreadable(path: block.storagePath, frame: index, reason: "\(err)")
            }
        }
    }

    /// Converts decoded unsigned values to Int32 in `out`, marker values
    /// (gap 2^b − 1 → −1, dead 2^b − 2 → −2) substituted. 32-bit values are
    /// already in place (the bit pattern 0xFFFFFFFF is −1).
    private func convert(_ decoded: UnsafeMutableRawBufferPointer, elementSize: Int,
                         into out: UnsafeMutableBufferPointer<Int32>, count n: Int) {
        if elementSize == 2 {
            let src = decoded.bindMemory(to: UInt16.self)
            for i in 0..<n { out[i] = Int32(src[i]) }
        }
        guard let first = substitutions.first else { return }
        // One pass; a value that matches nothing is compared twice at most.
        let (f1, t1) = (Int32(bitPattern: first.0), first.1)
        let second = substitutions.count > 1 ? substitutions[1] : first
        let (f2, t2) = (Int32(bitPattern: second.0), second.1)
        for i in 0..<n {
            let v = out[i]
            if v == f1 { out[i] = t1 } else if v == f2 { out[i] = t2 }
        }
    }

    /// Decodes the frames in `range` on `threads` threads. Each thread takes
    /// the next frame, reads its raw chunk while holding the HDF5 lock (so
    /// reads are serial), then decodes and calls `body` outside it; memory is
    /// one raw chunk and one frame per thread, never the sweep.
    public func forEachFrame(in range: Range<Int>, threads: Int,
                             _ body: @escaping @Sendable (Int, UnsafeBufferPointer<Int32>) throws -> Void) throws {
        guard !range.isEmpty else { return }
        if range.lowerBound < 0 || range.upperBound > frameCount {
            let bad = range.lowerBound < 0 ? range.lowerBound : range.upperBound - 1
            throw ImageReadError.frameOutOfRange(path: masterPath, frame: bad, count: frameCount)
        }
        let n = frameSize.width * frameSize.height
        let firstError = ErrorBox()
        let next = FrameCounter(range.lowerBound)
        let end = range.upperBound
        let workers = max(1, min(threads, range.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let memory = self.frameMemory.take(pixels: n)
            defer { self.frameMemory.give(memory) }
            while !firstError.isSet {
                let i = next.take()
                guard i < end else { break }
                do {
                    try self.readFrame(i, into: memory.buffer, scratch: &memory.scratch)
                    try body(i, UnsafeBufferPointer(memory.buffer))
                } catch { firstError.set(error) }
            }
        }
        if let e = firstError.error { throw e }
    }
}

/// One worker's frame buffer and raw-chunk scratch.
final class FrameMemory {
    let buffer: UnsafeMutableBufferPointer<Int32>
    var scratch = NXmxImageSource.FrameScratch()
    init(pixels: Int) { buffer = .allocate(capacity: pixels) }
    deinit { buffer.deallocate(); scratch.release() }
}

/// Frame memory handed to whichever worker thread asks, and kept when given back.
final class FrameMemoryPool: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var free: [FrameMemory] = []
    func take(pixels: Int) -> FrameMemory {
        lock.wait(); defer { lock.signal() }
        while let m = free.popLast() { if m.buffer.count == pixels { return m } }
        return FrameMemory(pixels: pixels)
    }
    func give(_ m: FrameMemory) { lock.wait(); free.append(m); lock.signal() }
}

/// Hands out consecutive frame indices to worker threads.
final class FrameCounter: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var value: Int
    init(_ start: Int) { value = start }
    func take() -> Int {
        lock.wait(); defer { lock.signal() }
        let v = value
        value += 1
        return v
    }
}
