// Progress of long steps: the frames an algorithm counts (ProgressCounter) and
// the sink, chosen by whoever made the logger, that shows them or not.
import Foundation

/// One moment of a long step: how many of its units are done.
public struct ProgressUpdate: Sendable, Equatable {
    /// What is counted, e.g. "find-spots" or "integrate".
    public var task: String
    /// Units (frames) done so far, never above `total`.
    public var done: Int
    public var total: Int
    /// True on the task's last update, whether it completed or stopped on an error.
    public var finished: Bool

    public init(task: String, done: Int, total: Int, finished: Bool) {
        self.task = task; self.done = done; self.total = total; self.finished = finished
    }
}

/// Where the counts of long steps go (a terminal line, plain lines, a test
/// recorder). Called from worker threads, once per frame or block and never
/// per pixel, so an implementation must be thread-safe and cheap; updates of
/// one task arrive in order.
public protocol ProgressSink: AnyObject, Sendable {
    func update(_ update: ProgressUpdate)
    /// A log message is about to be written: a sink drawing over one terminal
    /// line erases it so the message starts on a clean line.
    func interrupt()
}

/// The counter of one long step, from `Logger.progress(_:total:)`. The
/// algorithm calls `advance` as units complete and `finish` when it ends
/// (also on an error, e.g. from a `defer`). Without a sink every call returns
/// at once.
public final class ProgressCounter: @unchecked Sendable {
    public let task: String
    public let total: Int
    private let sink: ProgressSink?
    private let lock = NSLock()
    private var done = 0
    private var ended = false

    /// A counter reporting to `sink`; it announces the start (0 done) at once,
    /// so the sink's clock starts with the work.
    public init(task: String, total: Int, sink: ProgressSink?) {
        self.task = task; self.total = max(0, total); self.sink = sink
        sink?.update(ProgressUpdate(task: task, done: 0, total: self.total, finished: false))
    }

    /// A counter that reports nowhere.
    public static func none(_ task: String = "", total: Int = 0) -> ProgressCounter {
        ProgressCounter(task: task, total: total, sink: nil)
    }

    /// Records `count` more units done. Thread-safe.
    public func advance(by count: Int = 1) {
        guard let sink else { return }
        // The sink is called under the lock so its updates arrive in order;
        // it is rate-limited and cheap, and this runs once per frame.
        lock.lock(); defer { lock.unlock() }
        guard !ended else { return }
        done = min(total, done + count)
        sink.update(ProgressUpdate(task: task, done: done, total: total, finished: false))
    }

    /// Ends the task; later calls of `advance` or `finish` do nothing.
    public func finish() {
        guard let sink else { return }
        lock.lock(); defer { lock.unlock() }
        guard !ended else { return }
        ended = true
        sink.update(ProgressUpdate(task: task, done: done, total: total, finished: true))
    }
}
