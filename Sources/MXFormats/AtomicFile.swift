// AtomicFile: writing an output file so that it is either complete or absent.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an output file could not be written. The target path is never left
/// half-written: on any of these errors the temporary file has been removed
/// and whatever was at the path before is untouched.
public enum AtomicFileError: Error, Equatable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case renameFailed(path: String, reason: String)

    /// Why, without the path: "No space left on device".
    public var reason: String {
        switch self {
        case .cannotCreate(_, let r), .writeFailed(_, let r), .renameFailed(_, let r): return r
        }
    }

    public var description: String {
        switch self {
        case .cannotCreate(let p, let r): return "cannot create \(p): \(r)"
        case .writeFailed(let p, let r): return "cannot write \(p): \(r)"
        case .renameFailed(let p, let r): return "cannot put \(p) in place: \(r)"
        }
    }
}

/// Writes files atomically: the bytes go to a temporary file in the same
/// folder (so the final rename stays on one file system and is atomic), which
/// is flushed to disk with fsync and then renamed over the target. Readers
/// therefore see either the old file or the complete new one, and a crash or
/// error never leaves a truncated output behind (ARCHITECTURE.md, "no
/// half-written output file"). Every writer in mxflow goes through this.
/// A path that names a device or a pipe is written in place instead.
public enum AtomicFile {
    /// Writes `text` as UTF-8 to `path`.
    public static func write(_ text: String, to path: String) throws {
        try write(to: path) { try $0.write(text) }
    }

    /// Writes `bytes` to `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0.write(bytes) }
    }

    /// Streams a file: `body` writes through the given writer (buffered). If
    /// `body` throws, the temporary file is removed and the error rethrown.
    public static func write(to path: String, _ body: (Writer) throws -> Void) throws {
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG, (st.st_mode & S_IFMT) != S_IFDIR {
            try writeStream(to: path, body)
            return
        }
        let (fd, temporary) = try createTemporary(for: path)
        let writer = Writer(fd: fd, path: path)
        do {
            try body(writer)
            try writer.flush()
            guard fsync(fd) == 0 else { throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription()) }
            guard close(fd) == 0 else {
                writer.closed = true
                throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription())
            }
            writer.closed = true
            guard rename(temporary, path) == 0 else {
                throw AtomicFileError.renameFailed(path: path, reason: AtomicFile.errnoDescription())
            }
        } catch {
            if !writer.closed { _ = close(fd) }
            _ = unlink(temporary)
            throw error
        }
        syncDirectory(of: path)
    }

    /// A device or pipe named as the output (/dev/null, /dev/stdout, a FIFO):
    /// there is no file to replace, and renaming over the name would put a
    /// plain file in the device's place, so the bytes go straight in.
    private static func writeStream(to path: String, _ body: (Writer) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError.cannotCreate(path: path, reason: AtomicFile.errnoDescription()) }
        let writer = Writer(fd: fd, path: path)
        defer { _ = close(fd) }
        try body(writer)
        try writer.flush()
    }

    /// The last resort when `write` fails for lack of space: overwrites the
    /// existing file at `path` inside the bytes it already holds, then cuts it
    /// to length, so no new blocks are needed. Not atomic, so only for a file
    /// kept padded for the purpose (a run's summary, which must record a
    /// failure even on a full disk).
    /// - Throws: `AtomicFileError.writeFailed` when the file is missing or too small.
    public static func overwriteInPlace(_ bytes: [UInt8], at path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription()) }
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription()) }
        guard Int(st.st_size) >= bytes.count else {
            throw AtomicFileError.writeFailed(path: path, reason: "\(bytes.count) bytes do not fit in the \(st.st_size) reserved")
        }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = pwrite(fd, raw.baseAddress! + offset, raw.count - offset, off_t(offset))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription())
                }
                offset += n
            }
        }
        guard ftruncate(fd, off_t(bytes.count)) == 0, fsync(fd) == 0 else {
            throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription())
        }
    }

    /// A buffered sink onto the temporary file.
    public final class Writer {
        fileprivate let fd: Int32
        fileprivate let path: String
        fileprivate var closed = false
        private var buffer: [UInt8] = []
        private let capacity = 1 << 20

        fileprivate init(fd: Int32, path: String) {
            self.fd = fd; self.path = path
            buffer.reserveCapacity(capacity)
        }

        public func write(_ text: String) throws { try write(Array(text.utf8)) }

        public func write(_ bytes: [UInt8]) throws {
            if buffer.count + bytes.count > capacity { try flush() }
            if bytes.count >= capacity { try writeAll(bytes) } else { buffer.append(contentsOf: bytes) }
        }

        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            if buffer.count + bytes.count > capacity { try flush() }
            if bytes.count >= capacity { try writeAll(bytes) } else { buffer.append(contentsOf: bytes) }
        }

        fileprivate func flush() throws {
            guard !buffer.isEmpty else { return }
            try buffer.withUnsafeBytes { try writeAll($0) }
            buffer.removeAll(keepingCapacity: true)
        }

        private func writeAll(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try writeAll($0) }
        }

        private func writeAll(_ raw: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError.writeFailed(path: path, reason: AtomicFile.errnoDescription())
                }
                offset += n
            }
        }
    }

    /// Opens a new, exclusive temporary file next to `path`, named after it
    /// (".name.<pid>.<n>.tmp") so that a stray one is recognisable.
    private static func createTemporary(for path: String) throws -> (Int32, String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw AtomicFileError.cannotCreate(path: path, reason: "the path names a folder, not a file") }
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw AtomicFileError.cannotCreate(path: path, reason: "a folder of that name exists")
        }
        for _ in 0..<100 {
            let n = counter.next()
            let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).\(n).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, temporary) }
            if errno != EEXIST {
                let reason = errno == ENOENT ? "the folder \(directory) does not exist" : AtomicFile.errnoDescription()
                throw AtomicFileError.cannotCreate(path: path, reason: reason)
            }
        }
        throw AtomicFileError.cannotCreate(path: path, reason: "no free temporary name in \(directory)")
    }

    /// fsync the folder so the rename itself survives a crash; best effort
    /// (some file systems refuse to open folders for sync).
    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    private static let counter = Counter()

    /// A process-wide counter for temporary names, safe across threads.
    private final class Counter: @unchecked Sendable {
        private var value = 0
        private var lock = pthread_mutex_t()
        init() { pthread_mutex_init(&lock, nil) }
        func next() -> Int {
            pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
            value += 1
            return value
        }
    }
}

/// write(2), named apart from `Writer.write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, bytes, count)
    #else
    return Darwin.write(fd, bytes, count)
    #endif
}

extension AtomicFile {
    /// The C library's message for the current errno.
    static func errnoDescription() -> String { String(cString: strerror(errno)) }

    /// Reads a whole file into memory; nil when it cannot be opened or read.
    public static func readAll(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: chunk[..<n]) }
            if n < chunk.count {
                if ferror(f) != 0 { return nil }
                break
            }
        }
        return out
    }
}
