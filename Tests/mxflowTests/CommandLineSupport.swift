// Helpers for end-to-end tests that run the built mxflow binary.
import Foundation
import MXTestSupport
import XCTest

/// The result of running a program: exit status, stdout, stderr.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Locating the built binary and shared data, running programs, scratch folders.
enum CLITest {
    static func packageRoot() -> String { TestPaths.packageRoot }

    /// The shared sweeps (`../shared/data`); a path that does not exist when absent.
    static func sharedDataDirectory() -> String { TestPaths.sharedData ?? packageRoot() + "/../shared/data" }

    /// The mxflow executable in the build products folder beside the test bundle.
    static func mxflowBinary() throws -> String {
        var candidates: [String] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append((bundle.bundlePath as NSString).deletingLastPathComponent + "/mxflow")
        }
        candidates.append(Bundle.main.bundlePath + "/mxflow")
        candidates.append((CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/mxflow")
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw XCTSkip("mxflow binary not found beside the test bundle (looked in \(candidates))")
    }


    /// Runs `executable` with `arguments` in `directory`, waiting for it to end.
    static func runProcess(_ executable: String, _ arguments: [String], in directory: String,
                    environment: [String: String]? = nil) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Copies the first `count` images of the shared CBF sweep into `work`
    /// and imports them there; returns the path of imported.expt.
    static func importCopiedCBFImages(into work: String, count: Int) throws -> String {
        let data = sharedDataDirectory() + "/cbf_p4212"
        guard FileManager.default.fileExists(atPath: data) else { throw XCTSkip("shared data not found at \(data)") }
        for i in 1...count {
            let name = String(format: "cbf_p4212_%05d.cbf", i)
            try FileManager.default.copyItem(atPath: data + "/" + name, toPath: work + "/" + name)
        }
        let r = try runProcess(try mxflowBinary(), ["import", work + "/cbf_p4212_#####.cbf"], in: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        return work + "/imported.expt"
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "mxflow-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The path of `program` on PATH, or nil.
    static func which(_ program: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
