// Logger: levelled messages from library code, routed by the caller.

/// How important a message is. `debug` goes to the log file only; `info`
/// and above are shown on the terminal too (the driver decides).
public enum LogLevel: Int, Comparable, Sendable, CustomStringConvertible {
    case debug = 0, info, warning, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warning: return "warning"
        case .error: return "error"
        }
    }
}

/// A logger passed into algorithms: library targets never print. The sink
/// (terminal, log file, report collector, or nothing) belongs to the caller,
/// as does the optional progress sink that long steps count frames into.
public struct Logger: Sendable {
    public typealias Sink = @Sendable (LogLevel, String) -> Void
    private let sink: Sink
    /// Where `progress(_:total:)` counters report; nil: nowhere.
    public let progressSink: ProgressSink?

    public init(_ sink: @escaping Sink) { self.sink = sink; progressSink = nil }

    /// This logger with long steps' progress going to `progress`. Each message
    /// first lets `progress` step aside (erase a line it drew over), so log
    /// lines and a redrawn progress line do not run into each other.
    public func withProgress(_ progress: ProgressSink?) -> Logger {
        guard let progress else { return Logger(sink: sink, progress: nil) }
        let inner = sink
        return Logger(sink: { level, message in progress.interrupt(); inner(level, message) }, progress: progress)
    }

    private init(sink: @escaping Sink, progress: ProgressSink?) { self.sink = sink; progressSink = progress }

    /// A counter for a long step of `total` units (frames) named `task`,
    /// reporting to this logger's progress sink (or nowhere).
    public func progress(_ task: String, total: Int) -> ProgressCounter {
        ProgressCounter(task: task, total: total, sink: progressSink)
    }

    /// A logger that drops everything (tests, inner loops of retries).
    public static let silent = Logger { _, _ in }

    public func debug(_ message: @autoclosure () -> String) { sink(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { sink(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { sink(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { sink(.error, message()) }
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) { sink(level, message()) }
}
