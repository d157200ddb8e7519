// Tests of long steps' progress: the counter and logger plumbing (MXLogging),
// and the line format and terminal/plain-line policy of ProgressDisplay, on a fake clock.
import Foundation
import MXLogging
@testable import mxflow
import XCTest

/// A clock the test moves by hand, and everything written, in order.
private final class FakeTerminal: @unchecked Sendable {
    private let lock = NSLock()
    private var _now = 0.0
    private var _written: [String] = []
    var now: Double {
        get { lock.lock(); defer { lock.unlock() }; return _now }
        set { lock.lock(); _now = newValue; lock.unlock() }
    }
    var written: [String] { lock.lock(); defer { lock.unlock() }; return _written }
    var text: String { written.joined() }
    func write(_ s: String) { lock.lock(); _written.append(s); lock.unlock() }

    func display(_ style: ProgressStyle) -> ProgressDisplay {
        ProgressDisplay(style: style, clock: { self.now }, write: { self.write($0) })
    }
}

/// Records every update and interrupt it is sent.
private final class RecordingSink: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var updates: [ProgressUpdate] = []
    private(set) var interrupts = 0
    func update(_ u: ProgressUpdate) { lock.lock(); updates.append(u); lock.unlock() }
    func interrupt() { lock.lock(); interrupts += 1; lock.unlock() }
}

final class ProgressDisplayTests: XCTestCase {
    // MARK: format

    func testLineShowsCountPercentRateAndETA() {
        let u = ProgressUpdate(task: "integrate", done: 120, total: 360, finished: false)
        // 120 frames in 1.5 s: 80 frames/s, 240 left take 3 s.
        XCTAssertEqual(ProgressFormat.line(u, elapsed: 1.5), "integrate: 120/360 frames (33%), 80.0 frames/s, ETA 3.0 s")
        XCTAssertEqual(ProgressFormat.line(ProgressUpdate(task: "integrate", done: 0, total: 360, finished: false),
                                           elapsed: 0.2), "integrate: 0/360 frames (0%)")
    }

    func testFinalLineGivesTimeAndRateOrWhereItStopped() {
        XCTAssertEqual(ProgressFormat.finalLine(ProgressUpdate(task: "find-spots", done: 360, total: 360, finished: true),
                                                elapsed: 4), "find-spots: 360/360 frames in 4.0 s (90.0 frames/s)")
        XCTAssertEqual(ProgressFormat.finalLine(ProgressUpdate(task: "find-spots", done: 12, total: 360, finished: true),
                                                elapsed: 1.25), "find-spots: stopped after 12/360 frames, 1.2 s")
    }

    func testDurationsInSecondsMinutesAndHours() {
        XCTAssertEqual(ProgressFormat.duration(2.84), "2.8 s")
        XCTAssertEqual(ProgressFormat.duration(59.9), "59.9 s")
        XCTAssertEqual(ProgressFormat.duration(245), "4 min 05 s")
        XCTAssertEqual(ProgressFormat.duration(3725), "1 h 02 min")
        XCTAssertEqual(ProgressFormat.duration(-1), "0.0 s")
    }

    // MARK: style

    func testStyleFromEnvironmentAndTerminal() {
        XCTAssertEqual(ProgressStyle.resolve(nil, stderrIsTerminal: true).style, .terminal)
        XCTAssertEqual(ProgressStyle.resolve("auto", stderrIsTerminal: false).style,
                       .lines(minimumInterval: ProgressStyle.defaultLineInterval))
        XCTAssertEqual(ProgressStyle.resolve("0", stderrIsTerminal: true).style, .off)
        XCTAssertEqual(ProgressStyle.resolve("OFF", stderrIsTerminal: false).style, .off)
        XCTAssertEqual(ProgressStyle.resolve("lines", stderrIsTerminal: true).style, .lines(minimumInterval: 0))
        let unknown = ProgressStyle.resolve("fancy", stderrIsTerminal: true)
        XCTAssertEqual(unknown.style, .terminal)
        XCTAssertEqual(unknown.warning, "mxflow: MXFLOW_PROGRESS=fancy is not one of auto, lines, off; using auto")
        XCTAssertNil(ProgressStyle.resolve(nil, stderrIsTerminal: false).warning)
    }

    // MARK: terminal policy

    func testTerminalRedrawsInPlaceAtMostTenTimesASecondAndEndsWithNewline() {
        let t = FakeTerminal()
        let counter = ProgressCounter(task: "find-spots", total: 1000, sink: t.display(.terminal))
        // 1000 frames over one second, one every millisecond.
        for i in 1...999 { t.now = Double(i) / 1000; counter.advance() }
        let redraws = t.written
        XCTAssertGreaterThanOrEqual(redraws.count, 9)
        XCTAssertLessThanOrEqual(redraws.count, 10)
        XCTAssertTrue(redraws.allSatisfy { $0.hasPrefix("\r") && !$0.contains("\n") }, "\(redraws)")
        XCTAssertEqual(redraws.first, "\rfind-spots: 100/1000 frames (10%), 1000.0 frames/s, ETA 0.9 s")
        t.now = 1.0
        counter.advance()
        counter.finish()
        let last = t.written.last ?? ""
        XCTAssertTrue(last.hasPrefix("\r") && last.hasSuffix("\n"), last)
        // Spaces cover the rest of the longer line drawn before.
        XCTAssertEqual(last.trimmingCharacters(in: .whitespacesAndNewlines),
                       "find-spots: 1000/1000 frames in 1.0 s (1000.0 frames/s)")
        let count = t.written.count
        counter.advance()   // after finish: ignored
        counter.finish()
        XCTAssertEqual(t.written.count, count)
    }

    func testTerminalStaysSilentForStepsShorterThanOneRedraw() {
        let t = FakeTerminal()
        let counter = ProgressCounter(task: "find-spots", total: 3, sink: t.display(.terminal))
        for i in 1...3 { t.now = 0.02 * Double(i); counter.advance() }
        counter.finish()
        XCTAssertEqual(t.written, [])
    }

    func testLogMessageErasesTheLineWhichIsRedrawnLater() {
        let t = FakeTerminal()
        let display = t.display(.terminal)
        let messages = FakeTerminal()
        let logger = Logger { _, m in messages.write(m) }.withProgress(display)
        let counter = logger.progress("integrate", total: 10)
        t.now = 0.5; counter.advance()
        XCTAssertEqual(t.written, ["\rintegrate: 1/10 frames (10%), 2.0 frames/s, ETA 4.5 s"])
        logger.warning("image 2 rejected")
        XCTAssertEqual(t.written.last, "\r" + String(repeating: " ", count: 53) + "\r")
        XCTAssertEqual(messages.written, ["image 2 rejected"])
        logger.info("nothing drawn now: nothing to erase")
        XCTAssertEqual(t.written.count, 2)
        t.now = 1.0; counter.advance()
        XCTAssertEqual(t.written.last, "\rintegrate: 2/10 frames (20%), 2.0 frames/s, ETA 4.0 s")
        // A shorter line covers the rest of the longer one before it.
        counter.finish()
        XCTAssertEqual(t.written.last, "\rintegrate: stopped after 2/10 frames, 1.0 s" + String(repeating: " ", count: 10) + "\n")
    }

    // MARK: plain-line policy

    func testPlainLinesEveryTenthButNotMoreOftenThanTheInterval() {
        let t = FakeTerminal()
        let counter = ProgressCounter(task: "integrate", total: 100, sink: t.display(.lines(minimumInterval: 5)))
        // One frame every 0.1 s: 10 s in all.
        for i in 1...100 { t.now = Double(i) / 10; counter.advance() }
        counter.finish()
        XCTAssertEqual(t.written, ["integrate: 50/100 frames (50%), 10.0 frames/s, ETA 5.0 s\n",
                                   "integrate: 100/100 frames in 10.0 s (10.0 frames/s)\n"])
    }

    func testPlainLinesNoneForAShortStep() {
        let t = FakeTerminal()
        let counter = ProgressCounter(task: "find-spots", total: 100, sink: t.display(.lines(minimumInterval: 5)))
        for i in 1...100 { t.now = Double(i) / 25; counter.advance() }   // 4 s
        counter.finish()
        XCTAssertEqual(t.written, [])
    }

    func testForcedPlainLinesAtEachTenthWithoutCarriageReturns() {
        let t = FakeTerminal()
        let counter = ProgressCounter(task: "simulate", total: 10, sink: t.display(.lines(minimumInterval: 0)))
        for i in 1...10 { t.now = Double(i); counter.advance() }
        counter.finish()
        XCTAssertEqual(t.written.count, 10)   // 1/10 … 9/10, then the final line
        XCTAssertEqual(t.written[2], "simulate: 3/10 frames (30%), 1.0 frames/s, ETA 7.0 s\n")
        XCTAssertEqual(t.written.last, "simulate: 10/10 frames in 10.0 s (1.0 frames/s)\n")
        XCTAssertFalse(t.text.contains("\r"))
    }

    // MARK: counter

    func testCounterWithoutSinkAndLoggerWithoutProgressDoNothing() {
        let counter = Logger.silent.progress("integrate", total: 10)
        counter.advance(by: 3)
        counter.finish()
        XCTAssertNil(Logger.silent.progressSink)
        XCTAssertNil(Logger { _, _ in }.withProgress(nil).progressSink)
    }

    func testCounterFromManyThreadsArrivesInOrderAndFinishesOnce() {
        let sink = RecordingSink()
        let counter = Logger.silent.withProgress(sink).progress("find-spots", total: 200)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in for _ in 0..<50 { counter.advance() } }
        counter.advance(by: 5)   // past the total: clamped
        counter.finish()
        counter.finish()
        let done = sink.updates.map(\.done)
        XCTAssertEqual(done.first, 0)
        XCTAssertEqual(done, done.sorted())
        XCTAssertEqual(sink.updates.filter(\.finished).count, 1)
        XCTAssertEqual(sink.updates.last, ProgressUpdate(task: "find-spots", done: 200, total: 200, finished: true))
        XCTAssertEqual(sink.updates.count, 1 + 201 + 1)
    }
}
