// Tests of streaming 3-D labelling: connectivity, closing of finished spots, frame gaps, panels.
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
}
