// Tests of AtomicFile: complete file or nothing, never a temporary left behind.
import XCTest
@testable import MXFormats

final class AtomicFileTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "atomicfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder).sorted() }

    func testWritesAndReplaces() throws {
        let path = folder + "/out.expt"
        try AtomicFile.write("first", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "first")
        try AtomicFile.write([UInt8]("second, longer".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second, longer")
        XCTAssertEqual(try listing(), ["out.expt"])
    }

    /// A pipe named as the output is written into, not replaced by a plain
    /// file (as renaming over it would do; for /dev/null, as root, that
    /// would replace the system's device).
    func testAPipeIsWrittenInPlace() throws {
        let path = folder + "/pipe"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let received = LockedBytes()
        let reader = Thread {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return }
            var all: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                if n <= 0 { break }
                all += chunk[0..<n]
            }
            close(fd)
            received.set(all)
        }
        reader.start()
        try AtomicFile.write("through the pipe", to: path)
        let deadline = Date().addingTimeInterval(10)
        while received.get() == nil && Date() < deadline { usleep(1000) }
        XCTAssertEqual(received.get().map { String(decoding: $0, as: UTF8.self) }, "through the pipe")
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the pipe is still a pipe")
        XCTAssertEqual(try listing(), ["pipe"], "no temporary file left")
    }

    /// Streaming more than the 1 MiB buffer arrives intact.
    func testStreamsLargeContent() throws {
        let path = folder + "/big.bin"
        let block = [UInt8](repeating: 7, count: 300_000)
        try AtomicFile.write(to: path) { w in
            for _ in 0..<5 { try w.write(block) }
            try w.write([UInt8](repeating: 9, count: 2_000_000))
        }
        let back = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(back.count, 3_500_000)
        XCTAssertEqual(back.last, 9)
        XCTAssertEqual(back.first, 7)
    }

    struct Boom: Error {}

    /// An error part way through leaves no file (and no temporary) behind,
    /// and an existing file keeps its old content.
    func testFailureLeavesNothing() throws {
        let path = folder + "/out.refl"
        XCTAssertThrowsError(try AtomicFile.write(to: path) { w in
            try w.write("partial")
            throw Boom()
        }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try listing(), [])

        try AtomicFile.write("old", to: path)
        XCTAssertThrowsError(try AtomicFile.write(to: path) { w in
            try w.write([UInt8](repeating: 1, count: 3_000_000))
            throw Boom()
        })
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        XCTAssertEqual(try listing(), ["out.refl"])
    }

    func testMissingFolderAndFolderTargetAreClearErrors() throws {
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder + "/no/such/out.expt")) { e in
            XCTAssertEqual(e as? AtomicFileError,
                           .cannotCreate(path: folder + "/no/such/out.expt", reason: "the folder \(folder)/no/such does not exist"))
        }
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder + "/sub")) { e in
            XCTAssertEqual("\(e)", "cannot create \(folder)/sub: a folder of that name exists")
        }
        XCTAssertEqual(try listing(), ["sub"])
    }

    /// A failing experiment-list encode (NaN) never touches the target.
    func testExperimentListWriteFailureLeavesNoFile() throws {
        let path = folder + "/imported.expt"
        var e = exptSampleExperiment()
        e.beam.wavelength = .infinity
        XCTAssertThrowsError(try ExperimentListCodec.write(.init([e]), to: path))
        XCTAssertEqual(try listing(), [])
    }

    func testConcurrentWritersDoNotCollide() throws {
        let path = folder + "/same.txt"
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            try? AtomicFile.write(String(repeating: "\(i)", count: 10_000), to: path)
        }
        let content = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(content.count, 10_000)
        XCTAssertEqual(Set(content).count, 1)
        XCTAssertEqual(try listing(), ["same.txt"])
    }
}

/// Bytes handed from a reader thread to the test.
private final class LockedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8]?
    func set(_ b: [UInt8]) { lock.lock(); bytes = b; lock.unlock() }
    func get() -> [UInt8]? { lock.lock(); defer { lock.unlock() }; return bytes }
}
