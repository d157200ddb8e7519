// Tests of streaming 3-D labelling: connectivity, closing of finished spots, frame gaps, panels.
import MXMath
import XCTest
@testable import MXSpotFinding

final class ConnectedComponentsTests: XCTestCase {
    let w = 10

    func frame(_ z: Int, _ pixels: [(Int, Int)], panel: Int16 = 0) -> StrongPixelFrame {
        let idx = pixels.map { Int32($0.1 * w + $0.0) }.sorted()
        return StrongPixelFrame(frame: z, indices: idx, values: idx.map { _ in 5 },
                                panels: idx.map { _ in panel })
    }

    func sizes(_ groups: [[StrongPixel]]) -> [Int] { groups.map(\.count).sorted() }

    func testFourConnectedWithinFrameNotDiagonal() {
        var cc = ConnectedComponents(width: w)
        // An L of 3 pixels, plus a pixel touching it only diagonally.
        XCTAssertEqual(cc.add(frame(0, [(1, 1), (2, 1), (2, 2), (3, 3)])), [])
        XCTAssertEqual(sizes(cc.add(frame(1, []))), [1, 3])
        XCTAssertEqual(cc.finish().count, 0)
    }

    func testSamePixelOnNextFrameJoinsAndOpenSpotsStayOpen() {
        var cc = ConnectedComponents(width: w)
        XCTAssertEqual(cc.add(frame(4, [(5, 5)])).count, 0)
        XCTAssertEqual(cc.add(frame(5, [(5, 5), (5, 6)])).count, 0)
        // Frame 6 continues nothing: the 3-pixel spot closes.
        let done = cc.add(frame(6, [(0, 0)]))
        XCTAssertEqual(sizes(done), [3])
        XCTAssertEqual(Set(done[0].map(\.z)), [4, 5])
        XCTAssertEqual(sizes(cc.finish()), [1])
    }

    /// Two separate blobs on frame 0 joined by a bridge on frame 1 form one spot (a U shape in 3-D).
    func testBridgeOnLaterFrameMergesComponents() {
        var cc = ConnectedComponents(width: w)
        XCTAssertEqual(cc.add(frame(0, [(1, 1), (3, 1)])).count, 0)
        XCTAssertEqual(cc.add(frame(1, [(1, 1), (2, 1), (3, 1)])).count, 0)
        XCTAssertEqual(sizes(cc.finish()), [5])
    }

    /// Frames that are not consecutive (a rejected frame between) do not connect.
    func testGapInFramesSplitsSpots() {
        var cc = ConnectedComponents(width: w)
        _ = cc.add(frame(0, [(4, 4)]))
        let done = cc.add(frame(2, [(4, 4)]))
        XCTAssertEqual(sizes(done), [1])
        XCTAssertEqual(sizes(cc.finish()), [1])
    }

    /// Pixels at the end of one row and the start of the next are not neighbours.
    func testRowWrapIsNotAdjacent() {
        var cc = ConnectedComponents(width: w)
        _ = cc.add(frame(0, [(9, 2), (0, 3)]))
        XCTAssertEqual(sizes(cc.finish()), [1, 1])
    }

    /// Neighbouring pixels on different panels stay apart.
    func testPanelsDoNotConnect() {
        var cc = ConnectedComponents(width: w)
        let f = StrongPixelFrame(frame: 0, indices: [22, 23], values: [1, 1], panels: [0, 1])
        _ = cc.add(f)
        XCTAssertEqual(sizes(cc.finish()), [1, 1])
    }

    /// Output order: components closed by one frame come in order of their
    /// first pixel, each with its pixels in the order they were added.
    func testClosedComponentsComeInOrderOfFirstPixel() {
        var cc = ConnectedComponents(width: w)
        // Frame 0: spot A at (5, 1), spot B at (1, 2); frame 1 grows B only.
        _ = cc.add(frame(0, [(5, 1), (1, 2)]))
        XCTAssertEqual(cc.add(frame(1, [(1, 2), (2, 2)])).map { $0.map(\.x) }, [[5]])
        let done = cc.add(frame(2, []))
        XCTAssertEqual(done.count, 1)
        XCTAssertEqual(done[0].map { [$0.x, $0.y, $0.z] }, [[1, 2, 0], [1, 2, 1], [2, 2, 1]])
    }

    /// Streaming labelling of random sparse sweeps (with a skipped frame and
    /// two panels) against a flood fill over the whole sweep: same components,
    /// handed back when the next fed frame misses them, ordered by first pixel.
    func testMatchesFloodFillReference() {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<20 {
            let width = 12, height = 9
            let zs = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11].filter { $0 != 3 || trial % 2 == 0 }
            let density = 0.15 + 0.02 * Double(trial % 10)
            var frames: [StrongPixelFrame] = []
            for z in zs {
                var idx: [Int32] = [], val: [Int32] = [], pan: [Int16] = []
                for k in 0..<(width * height) where rng.uniform() < density {
                    idx.append(Int32(k)); val.append(Int32(rng.next() % 50)); pan.append(k % width < 7 ? 0 : 1)
                }
                frames.append(StrongPixelFrame(frame: z, indices: idx, values: val, panels: pan))
            }
            var streamed: [[StrongPixel]] = []
            var cc = ConnectedComponents(width: width)
            for f in frames { streamed += cc.add(f) }
            streamed += cc.finish()
            XCTAssertEqual(streamed, referenceLabelling(frames, width: width), "trial \(trial)")
        }
    }

    /// Flood fill over all frames at once, with the streaming output order.
    func referenceLabelling(_ frames: [StrongPixelFrame], width: Int) -> [[StrongPixel]] {
        // Every pixel in feeding order, and where to find it.
        var pixels: [StrongPixel] = []
        var at: [[Int]: Int] = [:]
        for f in frames {
            for i in f.indices.indices {
                let k = Int(f.indices[i])
                at[[k % width, k / width, f.frame]] = pixels.count
                pixels.append(StrongPixel(x: Int32(k % width), y: Int32(k / width), z: Int32(f.frame),
                                          value: f.values[i], panel: f.panels[i]))
            }
        }
        var label = [Int](repeating: -1, count: pixels.count)
        var components: [[Int]] = []
        for s in pixels.indices where label[s] < 0 {
            label[s] = components.count
            var members = [s], queue = [s]
            while let q = queue.popLast() {
                let p = pixels[q]
                let (x, y, z) = (Int(p.x), Int(p.y), Int(p.z))
                for n in [[x - 1, y, z], [x + 1, y, z], [x, y - 1, z], [x, y + 1, z], [x, y, z - 1], [x, y, z + 1]] {
                    guard n[0] >= 0, n[0] < width, let j = at[n], label[j] < 0, pixels[j].panel == p.panel else { continue }
                    label[j] = components.count; members.append(j); queue.append(j)
                }
            }
            components.append(members.sorted())
        }
        // A component closes on the first fed frame after its last one (else at the end).
        let fed = frames.map(\.frame)
        func closing(_ c: [Int]) -> Int {
            let last = c.map { Int(pixels[$0].z) }.max()!
            return fed.firstIndex { $0 > last } ?? fed.count
        }
        let ordered = components.sorted { a, b in
            let ca = closing(a), cb = closing(b)
            return ca != cb ? ca < cb : a[0] < b[0]
        }
        return ordered.map { $0.map { pixels[$0] } }
    }
}

