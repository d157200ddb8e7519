// Indexing with the models of a shared sweep (insulin I213, from its truth.expt); skips when ../shared/data is absent.
import Foundation
import XCTest
import MXFormats
import MXMath
import MXModel
@testable import MXIndexing

/// `../shared/data` beside the package root, found by walking up from this
/// file (or the folder named by MXFLOW_SHARED_DATA, for checkouts elsewhere).
func sharedDataDirectory() -> URL? {
    if let env = ProcessInfo.processInfo.environment["MXFLOW_SHARED_DATA"] { return URL(fileURLWithPath: env) }
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            let data = url.deletingLastPathComponent().appendingPathComponent("shared/data")
            return FileManager.default.fileExists(atPath: data.path) ? data : nil
        }
    }
    return nil
}

final class SharedSweepIndexingTests: XCTestCase {
    /// Spots predicted from insulin's true models (Eiger geometry with
    /// parallax, first 30 × 1°) with 0.3 px jitter, the header's beam centre moved
    /// by 0.8 mm: indexing must recover the primitive cubic-I cell (67.55 Å,
    /// 109.47°), the orientation within 0.05° and ≥ 90 % of the spots.
    func testInsulinModels() throws {
        guard let data = sharedDataDirectory() else { throw XCTSkip("../shared/data is absent") }
        let path = data.appendingPathComponent("insulin_i213/truth.expt").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is absent") }
        var truth = try ExperimentListCodec.read(path: path)[0]
        truth.scan?.imageRange = 1...30  // the first 30° keep the test fast
        let a = try XCTUnwrap(truth.crystal?.A)
        let spots = syntheticSpots(settings: [a], experiment: truth, dMin: 3.0, noise: 0.3,
                                   absent: { ($0.h + $0.k + $0.l) % 2 != 0 })  // I-centring
        var header = truth
        header.crystal = nil
        header.detector.panels[0].origin = truth.detector.panels[0].origin + Vec3(0.8, 0, 0)
        var p = IndexingParameters()
        p.methods = [.fft3d]
        p.macroCycles = 2
        p.maxRefinementObservations = 500
        let result = try Indexer(parameters: p).index(experiment: header, reflections: spots.table)
        let found = result.experiments[0].crystal!.A
        let cell = Indexer.cellParameters(found)
        for l in cell[0..<3] { XCTAssertEqual(l, 78 * 3.0.squareRoot() / 2, accuracy: 0.003 * 67.55) }
        for angle in cell[3...] { XCTAssertEqual(angle, 109.4712, accuracy: 0.2) }
        XCTAssertEqual(result.beamCentreShift.fast, -0.8, accuracy: 0.05)
        // Primitive found, conventional true: A_found = A_true·M with det M = 2.
        let m = try XCTUnwrap(a.inverse) * found
        XCTAssertEqual(m.determinant, 2, accuracy: 0.01)
        let rounded = Mat3(m.elements.map { $0.rounded() })
        let r = found * rounded.inverse! * a.inverse!
        let angle = acos(min(1, (try r.nearestRotation().trace - 1) / 2)) * 180 / .pi
        XCTAssertLessThan(angle, 0.05)
        let ids = result.reflections.ints("id")!
        XCTAssertGreaterThan(Double(ids.filter { $0 == 0 }.count) / Double(ids.count), 0.9)
    }
}
