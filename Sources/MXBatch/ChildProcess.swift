// ChildProcess: starting, polling and stopping child programs (posix_spawn, waitpid), and running a command for its output.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A started child program, in its own process group so that stopping it
/// stops anything it started too.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    /// The kernel's start time of the process (clock ticks after boot, from
    /// /proc): with the pid it identifies the process even after pid reuse.
    public let startTime: String?

    /// Starts `program` (a path, or a name looked up on PATH) with
    /// `arguments`, stdin from /dev/null and stdout+stderr appended to `log`.
    /// - Throws: `BatchError.cannotStart` with the system's reason.
    public static func start(_ program: String, _ arguments: [String], log: String,
                             environment: [String: String] = [:]) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty); sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let pid = try spawn(program, arguments, actions: &actions, attributes: &attributes, environment: environment)
        return ChildProcess(pid: pid, startTime: Self.startTime(of: pid))
    }

    /// How the child ended, or nil while it runs.
    public func poll() -> Termination? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == 0 { return nil }
        if r < 0 { return .unknown }
        return Self.decode(status)
    }

    /// Waits for the child to end.
    public func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .unknown }
        }
        return Self.decode(status)
    }

    /// Sends `signal` to the child's process group.
    public func signal(_ signal: Int32) { _ = kill(-pid, signal) }

    /// Stops the child: SIGTERM, then SIGKILL after `grace` seconds; reaps it.
    public func stop(grace: Double = 5) -> Termination {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if let t = poll() { return t }
            usleep(50_000)
        }
        signal(SIGKILL)
        return wait()
    }

    static func decode(_ status: Int32) -> Termination {
        let low = status & 0x7f
        if low == 0 { return .exited(Int((status >> 8) & 0xff)) }
        return .signalled(Int(low))
    }

    /// Field 22 of /proc/<pid>/stat (start time); nil when the process is gone.
    public static func startTime(of pid: pid_t) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// Stops a process recorded by an earlier batch if it still runs (same
    /// pid and start time); returns whether one was stopped.
    public static func stopStale(pid: Int, startTime: String?) -> Bool {
        guard let startTime, Self.startTime(of: pid_t(pid)) == startTime else { return false }
        _ = kill(-pid_t(pid), SIGTERM)
        for _ in 0..<100 {
            if Self.startTime(of: pid_t(pid)) != startTime { return true }
            usleep(50_000)
        }
        _ = kill(-pid_t(pid), SIGKILL)
        return true
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(cString: buffer)
    }
}

/// The result of a command run for its output.
public struct CommandResult: Equatable, Sendable {
    public var termination: Termination
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var succeeded: Bool { termination == .exited(0) && !timedOut }
}

/// Runs short commands (sbatch, squeue, sacct) and captures what they print.
public protocol CommandRunner {
    /// Runs `program` (looked up on PATH) with `arguments`, killing it after
    /// `timeout` seconds.
    /// - Throws: `BatchError.cannotStart` when the program cannot be started
    ///   (not installed: the reason says "No such file or directory").
    func run(_ program: String, _ arguments: [String], timeout: Double) throws -> CommandResult
}

/// Runs commands on this machine, their output through temporary files (no
/// pipe to fill up while we wait).
public struct SystemCommandRunner: CommandRunner {
    public init() {}

    public func run(_ program: String, _ arguments: [String], timeout: Double) throws -> CommandResult {
        let base = NSTemporaryDirectory() + "mxflow-cmd-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let pid = try spawn(program, arguments, actions: &actions, attributes: &attributes, environment: [:])
        let child = ChildProcess(pid: pid, startTime: nil)
        let deadline = Date().addingTimeInterval(timeout)
        var termination: Termination? = nil
        var timedOut = false
        while termination == nil {
            termination = child.poll()
            if termination == nil {
                if Date() > deadline {
                    _ = kill(pid, SIGKILL)
                    termination = child.wait()
                    timedOut = true
                } else {
                    usleep(20_000)
                }
            }
        }
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        return CommandResult(termination: termination!, stdout: read(outPath), stderr: read(errPath), timedOut: timedOut)
    }
}

/// posix_spawnp with the current environment plus `environment`.
private func spawn(_ program: String, _ arguments: [String], actions: inout posix_spawn_file_actions_t,
                   attributes: inout posix_spawnattr_t, environment: [String: String]) throws -> pid_t {
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
    guard rc == 0 else { throw BatchError.cannotStart(program: program, reason: String(cString: strerror(rc))) }
    return pid
}
