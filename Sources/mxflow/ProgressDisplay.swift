// ProgressDisplay: the frame counts of long steps shown on stderr, as one line
// redrawn in place on a terminal and as occasional plain lines otherwise.
import Dispatch
import Foundation
import MXLogging
#if canImport(Glibc)
import Glibc
#endif

/// How progress is shown, chosen by `MXFLOW_PROGRESS` and whether stderr is a terminal.
enum ProgressStyle: Equatable {
    /// One line rewritten in place with `\r`, at most `redrawInterval` apart.
    case terminal
    /// Plain lines, one per 10% step, at least `minimumInterval` seconds apart:
    /// a run shorter than that prints none, so batch logs stay short.
    case lines(minimumInterval: Double)
    case off

    /// Seconds between plain lines when stderr is not a terminal.
    static let defaultLineInterval = 5.0

    /// The style for `MXFLOW_PROGRESS=value` (nil: unset): `auto` (the default)
    /// draws on a terminal and writes plain lines elsewhere; `lines` writes a
    /// plain line at every 10% however short the step; `off` (or 0) shows
    /// nothing. An unknown value means `auto`, with a warning to print.
    static func resolve(_ value: String?, stderrIsTerminal: Bool) -> (style: ProgressStyle, warning: String?) {
        let auto: ProgressStyle = stderrIsTerminal ? .terminal : .lines(minimumInterval: defaultLineInterval)
        switch value?.lowercased() {
        case nil, "", "auto", "1", "on", "yes", "true": return (auto, nil)
        case "lines": return (.lines(minimumInterval: 0), nil)
        case "off", "0", "no", "false", "none": return (.off, nil)
        case let other?:
            return (auto, "mxflow: MXFLOW_PROGRESS=\(other) is not one of auto, lines, off; using auto")
        }
    }
}

/// The text of progress lines.
enum ProgressFormat {
    /// `integrate: 120/360 frames (33%), 80.0 frames/s, ETA 3.0 s`; rate and
    /// ETA appear once a frame is done.
    static func line(_ u: ProgressUpdate, elapsed: Double) -> String {
        let percent = u.total > 0 ? 100 * u.done / u.total : 0
        var s = "\(u.task): \(u.done)/\(u.total) frames (\(percent)%)"
        if u.done > 0 && elapsed > 0 {
            let rate = Double(u.done) / elapsed
            s += String(format: ", %.1f frames/s, ETA ", rate) + duration(Double(u.total - u.done) / rate)
        }
        return s
    }

    /// The last line of a task: `find-spots: 360/360 frames in 4.0 s (90.0 frames/s)`,
    /// or where it stopped when it ended early (an error follows).
    static func finalLine(_ u: ProgressUpdate, elapsed: Double) -> String {
        guard u.done >= u.total else {
            return "\(u.task): stopped after \(u.done)/\(u.total) frames, \(duration(elapsed))"
        }
        return "\(u.task): \(u.done)/\(u.total) frames in \(duration(elapsed))"
            + String(format: " (%.1f frames/s)", Double(u.done) / max(elapsed, 1e-9))
    }

    /// `2.8 s`, `4 min 05 s`, `1 h 02 min`.
    static func duration(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 59.95 { return String(format: "%.1f s", s) }
        let whole = Int(s.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }
}

/// Shows the progress of long steps in a `ProgressStyle`, writing through
/// `write` and timing with `clock` (both injected so tests are
/// deterministic). Never part of the log file: the logger's sink writes that,
/// and this writes only to stderr. Thread-safe.
final class ProgressDisplay: ProgressSink, @unchecked Sendable {
    let style: ProgressStyle
    private let clock: @Sendable () -> Double
    private let write: @Sendable (String) -> Void
    /// Least seconds between terminal redraws (10 per second).
    private let redrawInterval: Double
    private let lock = NSLock()

    // The task being shown (one at a time: steps run one after another).
    private var task = ""
    private var start = 0.0
    private var lastWrite = 0.0
    /// Plain lines are written as the frames done pass each tenth (in
    /// integers: a fraction would miss 3/10 ≥ 0.1 + 0.1 + 0.1).
    private var nextLineTenth = 1
    /// Characters of the progress line now on the terminal (0: none).
    private var drawnWidth = 0
    /// Whether anything of this task was shown, so it gets a final line.
    private var shown = false

    init(style: ProgressStyle, redrawInterval: Double = 0.1, clock: @escaping @Sendable () -> Double,
         write: @escaping @Sendable (String) -> Void) {
        self.style = style; self.redrawInterval = redrawInterval; self.clock = clock; self.write = write
    }

    /// The display for this process: style from `MXFLOW_PROGRESS` and
    /// whether stderr is a terminal, writing to stderr; nil when off.
    static func forStandardError(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ProgressDisplay? {
        let (style, warning) = ProgressStyle.resolve(environment["MXFLOW_PROGRESS"],
                                                     stderrIsTerminal: isatty(STDERR_FILENO) == 1)
        if let warning { fputs(warning + "\n", stderr) }
        guard style != .off else { return nil }
        return ProgressDisplay(style: style, clock: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
                               write: { fputs($0, stderr); fflush(stderr) })
    }

    func update(_ u: ProgressUpdate) {
        lock.lock(); defer { lock.unlock() }
        guard u.total > 0 else { return }
        let now = clock()
        if u.task != task || (u.done == 0 && !u.finished) {
            task = u.task; start = now; lastWrite = now; nextLineTenth = 1; drawnWidth = 0; shown = false
        }
        let elapsed = now - start
        if u.finished {
            if shown { emit("\r" + padded(ProgressFormat.finalLine(u, elapsed: elapsed)) + "\n", final: true) }
            task = ""
            return
        }
        switch style {
        case .off:
            return
        case .terminal:
            guard now - lastWrite >= redrawInterval else { return }
            let text = ProgressFormat.line(u, elapsed: elapsed)
            emit("\r" + padded(text), final: false)
            drawnWidth = text.count
            lastWrite = now
        case .lines(let minimumInterval):
            let tenth = u.done * 10 / u.total
            // The finishing update says when the last frame is done.
            guard u.done < u.total, tenth >= nextLineTenth, now - lastWrite >= minimumInterval else { return }
            emit(ProgressFormat.line(u, elapsed: elapsed) + "\n", final: false)
            nextLineTenth = tenth + 1
            lastWrite = now
        }
    }

    func interrupt() {
        lock.lock(); defer { lock.unlock() }
        guard drawnWidth > 0 else { return }
        write("\r" + String(repeating: " ", count: drawnWidth) + "\r")
        drawnWidth = 0
    }

    /// `text` with spaces over the rest of a longer line drawn before it.
    private func padded(_ text: String) -> String {
        text.count < drawnWidth ? text + String(repeating: " ", count: drawnWidth - text.count) : text
    }

    private func emit(_ s: String, final: Bool) {
        // Plain lines never carry the terminal's carriage return.
        write(style == .terminal ? s : s.replacingOccurrences(of: "\r", with: ""))
        shown = true
        if final { drawnWidth = 0 }
    }
}
