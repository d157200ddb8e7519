// Tests of InOrderFrames: frames put from several threads in any order reach the consumer in frame order.
import Dispatch
import Foundation
import XCTest
@testable import MXSpotFinding

final class InOrderFramesTests: XCTestCase {
    private func frame(_ i: Int) -> StrongPixelFrame {
        StrongPixelFrame(frame: i, indices: [Int32(i)], values: [1], panels: [0])
    }

    /// Collects what the consumer saw, on the consumer's queue.
    private final class Seen: @unchecked Sendable { var indices: [Int] = [], frames: [Int] = [] }

    func testFramesFromManyThreadsAreConsumedInOrder() {
        let queue = DispatchQueue(label: "test.consumer")
        let seen = Seen()
        let ordered = InOrderFrames(first: 5, ahead: 3, queue: queue) { f, i in
            // A slow consumer, so that workers must wait for it.
            usleep(200)
            seen.indices.append(i); seen.frames.append(f.frame)
        }
        // Each of 4 workers puts a scrambled share of frames 5..<205.
        let all = Array(5..<205)
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            var mine = all.filter { $0 % 4 == w }
            var g = SystemRandomNumberGenerator()
            if w % 2 == 1 { mine.shuffle(using: &g) }
            for i in mine { ordered.put(i, frame(i)) }
        }
        queue.sync {}
        XCTAssertEqual(seen.indices, all)
        XCTAssertEqual(seen.frames, all)
    }

    /// A frame that never arrives (its read failed) holds back the frames
    /// after it, but no worker waits for it: every put returns.
    func testAMissingFrameBlocksNoWorker() {
        let queue = DispatchQueue(label: "test.consumer")
        let seen = Seen()
        let ordered = InOrderFrames(first: 0, ahead: 2, queue: queue) { _, i in seen.indices.append(i) }
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            for i in [0, 1, 2, 4, 5, 6, 7, 8, 9] { ordered.put(i, self.frame(i)) }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success, "a put waited for the missing frame 3")
        queue.sync {}
        XCTAssertEqual(seen.indices, [0, 1, 2])
    }
}
