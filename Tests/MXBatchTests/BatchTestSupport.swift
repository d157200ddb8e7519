// Helpers for the batch tests: scratch folders, fake sweeps, a stand-in for `mxflow process`, running the mxflow binary.
import Foundation
import MXBatch
import MXTestSupport
import XCTest

enum BatchTest {
    /// A fresh temporary folder, removed when the test ends.
    static func folder(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "mxflow-batch-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Writes a numbered CBF series `dir/name_00001.cbf …` whose bytes do
    /// not matter (discovery groups names; the stand-in never reads them).
    static func fakeCBFSeries(_ dir: String, _ name: String, frames: Int = 3) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 1...frames {
            try Data("frame \(i)\n".utf8).write(to: URL(fileURLWithPath: String(format: "%@/%@_%05d.cbf", dir, name, i)))
        }
    }

    /// The statistics the stand-in writes for a sweep: a function of its
    /// name alone, so that two engines must report the same numbers.
    static func expectedDMin(_ name: String) -> Double {
        Double(name.unicodeScalars.reduce(0) { $0 + Int($1.value) } % 100) / 100 + 1.0
    }

    /// A shell script that behaves as `mxflow process` does for the batch
    /// (its command line, mxflow.json written atomically, exit status):
    /// - a sweep whose path contains "bad" fails at indexing (exit 1, mxflow.json says why);
    /// - "crash" is killed by SIGKILL before writing anything;
    /// - "flaky" is killed by SIGKILL on its first run only (a lost node);
    /// - every run appends "name start end nproc" to `ledger`, so tests see
    ///   how often and how concurrently each sweep ran.
    static func standIn(_ dir: String, sleep seconds: Double = 0.3) throws -> (script: String, ledger: String) {
        let script = dir + "/fake-mxflow.sh", ledger = dir + "/ledger.txt"
        let text = """
        #!/bin/bash
        [ "$1" = process ] || { echo "expected 'process', got $1" >&2; exit 64; }
        sweep="$2"; out=""; nproc=""
        for a in "$@"; do case "$a" in output_dir=*) out="${a#output_dir=}";; nproc=*) nproc="${a#nproc=}";; esac; done
        [ -n "$out" ] || { echo "no output_dir" >&2; exit 64; }
        mkdir -p "$out"
        name=$(basename "$sweep"); name=${name%%_#*}; name=${name%_master.h5}
        start=$(date +%s.%N)
        sleep \(seconds)
        case "$sweep" in
          *crash*) kill -9 $$ ;;
          *flaky*) if [ ! -e "$out/.killed_once" ]; then touch "$out/.killed_once"; kill -9 $$; fi ;;
        esac
        echo "$name $start $(date +%s.%N) $nproc" >> '\(ledger)'
        sum=0; for ((i=0; i<${#name}; i++)); do sum=$((sum + $(printf '%d' "'${name:$i:1}"))); done
        dmin=$(printf '%d.%02d' $((1 + (sum % 100) / 100)) $((sum % 100)))
        case "$sweep" in
          *bad*)
            printf '{"mxflow_version": "0.test", "status": "failed", "failure": {"step": "index", "reason": "no lattice fits the spots"}, "inputs": ["%s"], "result": null}\\n' "$sweep" > "$out/.mxflow.json.tmp"
            mv "$out/.mxflow.json.tmp" "$out/mxflow.json"; exit 1 ;;
        esac
        printf '{"mxflow_version": "0.test", "status": "success", "failure": null, "inputs": ["%s"], "result": {"space_group": "P 41 21 2", "unit_cell": [79.1, 79.1, 37.9, 90, 90, 90], "d_min": %s, "overall": {"cc_half": 0.99, "i_over_sigma": 12.5, "completeness": 0.97, "multiplicity": 6.1, "r_merge": 0.05}}}\\n' "$sweep" "$dmin" > "$out/.mxflow.json.tmp"
        mv "$out/.mxflow.json.tmp" "$out/mxflow.json"
        """
        try Data(text.utf8).write(to: URL(fileURLWithPath: script))
        chmod(script, 0o755)
        return (script, ledger)
    }

    /// Ledger lines: (name, start, end, nproc).
    static func ledger(_ path: String) -> [(name: String, start: Double, end: Double, nproc: Int)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 4, let s = Double(f[1]), let e = Double(f[2]), let n = Int(f[3]) else { return nil }
            return (String(f[0]), s, e, n)
        }
    }

    /// The mxflow executable built beside the test bundle.
    static func mxflow() throws -> String {
        var candidates: [String] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append((bundle.bundlePath as NSString).deletingLastPathComponent + "/mxflow")
        }
        candidates.append((CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/mxflow")
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw XCTSkip("mxflow binary not found beside the test bundle (looked in \(candidates))")
    }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// Starts mxflow with `arguments`; output goes to files in `dir`.
    static func start(_ arguments: [String], in dir: String, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try mxflow())
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let tag = UUID().uuidString.prefix(8)
        FileManager.default.createFile(atPath: "\(dir)/.stdout-\(tag)", contents: nil)
        FileManager.default.createFile(atPath: "\(dir)/.stderr-\(tag)", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: "\(dir)/.stdout-\(tag)")
        p.standardError = FileHandle(forWritingAtPath: "\(dir)/.stderr-\(tag)")
        p.standardInput = FileHandle.nullDevice
        outputs[ObjectIdentifier(p)] = ("\(dir)/.stdout-\(tag)", "\(dir)/.stderr-\(tag)")
        try p.run()
        return p
    }

    nonisolated(unsafe) static var outputs: [ObjectIdentifier: (String, String)] = [:]

    static func finish(_ p: Process) -> Result {
        p.waitUntilExit()
        let (o, e) = outputs[ObjectIdentifier(p)]!
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Result(status: p.terminationStatus, stdout: read(o), stderr: read(e))
    }

    /// Runs mxflow to the end.
    static func run(_ arguments: [String], in dir: String, environment: [String: String] = [:]) throws -> Result {
        finish(try start(arguments, in: dir, environment: environment))
    }

    /// Waits up to `timeout` seconds for `condition`.
    static func wait(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// Whether Slurm's sbatch is on PATH (tests needing Slurm skip only when it is not).
    static var hasSbatch: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/sbatch") }
    }
}
