// ImageSource: the one interface every image reader (NXmx, CBF) offers to the
// steps that read pixels (spot finding, integration, benchmarks).
import Dispatch
import MXModel

/// A problem reading images, naming the file and frame.
public enum ImageReadError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case notRecognised(path: String, reason: String)
    case missingField(path: String, field: String)
    case badField(path: String, field: String, reason: String)
    case frameUnreadable(path: String, frame: Int, reason: String)
    case frameOutOfRange(path: String, frame: Int, count: Int)
    case frameSizeMismatch(path: String, frame: Int, expected: (Int, Int), found: (Int, Int))

    public var description: String {
        switch self {
        case .fileMissing(let p): return "\(p): no such file"
        case .notRecognised(let p, let r): return "\(p): not a readable image file (\(r))"
        case .missingField(let p, let f): return "\(p): required field \(f) is missing"
        case .badField(let p, let f, let r): return "\(p): field \(f) \(r)"
        case .frameUnreadable(let p, let i, let r): return "\(p): frame \(i) cannot be read (\(r))"
        case .frameOutOfRange(let p, let i, let n): return "\(p): frame \(i) requested but the file has \(n) frames"
        case .frameSizeMismatch(let p, let i, let e, let f):
            return "\(p): frame \(i) is \(f.0)×\(f.1) pixels, expected \(e.0)×\(e.1)"
        }
    }

    public static func == (a: ImageReadError, b: ImageReadError) -> Bool { a.description == b.description }
}

/// Pixel data of a sweep. Frames are addressed by 0-based index within the
/// source; pixel values are Int32 counts, row-major (slow, fast) over the
/// whole raw image (all panels). Gap and dead pixels come out negative (−1,
/// −2), as dxtbx presents them, and are also marked in `trustedMask`.
public protocol ImageSource: AnyObject {
    /// Number of frames available.
    var frameCount: Int { get }
    /// Raw image size in pixels (fast, slow).
    var frameSize: (width: Int, height: Int) { get }
    /// Static mask over the raw image: 1 = trusted, 0 = gap/dead/masked.
    var trustedMask: [UInt8] { get }
    /// Reads one frame into `buffer` (width × height elements).
    func readFrame(_ index: Int, into buffer: UnsafeMutableBufferPointer<Int32>) throws
    /// Decodes the frames in `range`, using up to `threads` threads, and calls
    /// `body(index, pixels)` once per frame, from any thread and in any order.
    /// The buffer is valid only during the call. The default implementation
    /// reads frames in parallel with `readFrame`; readers whose library is
    /// single-threaded override it (read raw bytes serially, decode in parallel).
    func forEachFrame(in range: Range<Int>, threads: Int,
                      _ body: @escaping @Sendable (Int, UnsafeBufferPointer<Int32>) throws -> Void) throws
}

extension ImageSource {
    /// Reads one frame into a new array.
    public func readFrame(_ index: Int) throws -> [Int32] {
        let n = frameSize.width * frameSize.height
        var out = [Int32](repeating: 0, count: n)
        try out.withUnsafeMutableBufferPointer { try readFrame(index, into: $0) }
        return out
    }

    public func forEachFrame(in range: Range<Int>, threads: Int,
                             _ body: @escaping @Sendable (Int, UnsafeBufferPointer<Int32>) throws -> Void) throws {
        let n = frameSize.width * frameSize.height
        let firstError = ErrorBox()
        let indices = Array(range)
        let workers = max(1, min(threads, indices.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let buffer = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
            defer { buffer.deallocate() }
            var k = w
            while k < indices.count, !firstError.isSet {
                do {
                    try self.readFrame(indices[k], into: buffer)
                    try body(indices[k], UnsafeBufferPointer(buffer))
                } catch { firstError.set(error) }
                k += workers
            }
        }
        if let e = firstError.error { throw e }
    }
}

/// Holds the first error thrown by any worker thread.
public final class ErrorBox: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var stored: Error?
    public init() {}
    public func set(_ e: Error) { lock.wait(); if stored == nil { stored = e }; lock.signal() }
    public var error: Error? { lock.wait(); defer { lock.signal() }; return stored }
    public var isSet: Bool { error != nil }
}
