// Shared pieces of every subcommand: key=value arguments, --show-config, and
// turning library errors into one sentence and an exit code.
import ArgumentParser
import Foundation
import MXLogging
import MXPipeline
#if canImport(Glibc)
import Glibc
#endif

/// Positional arguments of a step: input files and `key=value` parameters,
/// in any order, as DIALS commands take them.
struct StepArguments: ParsableArguments {
    @Argument(help: "Input files and key=value parameters.")
    var items: [String] = []

    @Flag(name: .customLong("show-config"), help: "Print every parameter with its default and help, then exit.")
    var showConfig = false

    /// Items without `=`: file paths.
    var files: [String] { items.filter { !$0.contains("=") } }
    /// Items with `=`: parameters.
    var parameterItems: [String] { items.filter { $0.contains("=") } }

    /// Parses the key=value items into `set`; prints the listing and exits
    /// when --show-config was given.
    func parameters(_ definitions: [ParameterDefinition]) throws -> ParameterSet {
        var set = ParameterSet(definitions)
        do { try set.parse(parameterItems) } catch let e as ParameterError {
            throw ValidationError(e.description)
        }
        if showConfig {
            print(set.configListing())
            throw CleanExit.message("")
        }
        try checkOutputFolders(set)
        return set
    }
}

/// Output files whose folder does not exist, refused before any work is
/// done: otherwise the step would run to the end and only then fail to
/// write. The log is left out (it is best effort), and so are
/// `output.directory` (created by the step) and `output.prefix` (not a path).
func checkOutputFolders(_ set: ParameterSet) throws {
    let notFiles: Set<String> = ["output.log", "output.directory", "output.prefix"]
    for d in set.definitions where d.name.hasPrefix("output.") && !notFiles.contains(d.name) {
        guard let path = set.string(d.name), path.contains("/") else { continue }
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if folder.isEmpty || (FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
            continue
        }
        throw ValidationError("\(d.name)=\(path): the folder \(folder) does not exist; create it first or choose another path")
    }
}

/// A step's typed parameters made from its parameter set; a value the
/// mapping rejects becomes a usage error, like a malformed key=value.
func typedParameters<T>(_ make: () throws -> T) throws -> T {
    do { return try make() } catch let e as ParameterError { throw ValidationError(e.description) }
}

/// Runs a step body, turning any library error into "mxflow <step>: <sentence>"
/// on stderr and exit code 1.
func runStep(_ name: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ValidationError {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch let e as ExitCode {
        throw e
    } catch {
        let message = String(describing: error)
        fputs("mxflow \(name): \(message)\n", stderr)
        throw ExitCode(1)
    }
}

/// The `.expt` and `.refl` among a step's file arguments, or a usage error
/// naming the command's usual inputs (`example`, e.g. "refined.expt refined.refl").
func experimentAndReflectionPaths(_ files: [String], command: String,
                                  example: String) throws -> (expt: String, refl: String) {
    guard files.count == 2, let e = files.first(where: { $0.hasSuffix(".expt") || $0.hasSuffix(".json") }),
          let r = files.first(where: { $0.hasSuffix(".refl") }) else {
        throw ValidationError("name one experiment list and one reflection file (e.g. mxflow \(command) \(example))")
    }
    return (e, r)
}

/// The logger of a step: every message goes to the step's log file
/// (`output.log`), info and above to the terminal too. The log opens with
/// the version and the parameters changed from their defaults, as DIALS logs do.
/// Long steps' progress goes to stderr only (`ProgressDisplay`), never to the log.
func stepLogger(_ command: String, _ set: ParameterSet) -> Logger {
    let logFile = LogFile(path: set.text("output.log"))
    let logger = Logger { level, message in
        logFile.write(message)
        if level >= .info { print(message) }
    }.withProgress(ProgressDisplay.forStandardError())
    logger.info("mxflow \(MXFlowVersion.string) \(command)")
    let diff = set.nonDefaultLines
    if !diff.isEmpty { logger.info("Parameters changed from their defaults:\n  " + diff.joined(separator: "\n  ")) }
    return logger
}

/// Appends log lines to a file (best effort: a log that cannot be written
/// must not stop processing).
final class LogFile: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()
    /// Opens `path` emptied, or for appending (a resumed run keeps its log).
    /// open(2), not FileManager.createFile: that writes a new file and renames
    /// it over the path, which would put a plain file in place of /dev/null or
    /// a pipe given as the log.
    init(path: String, append: Bool = false) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o666)
        handle = fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil
    }
    func write(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        handle?.write(Data((line + "\n").utf8))
    }
}
