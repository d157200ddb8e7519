// Tests that the gaussian_rs profile model goes through `.expt` as DIALS writes it.
import XCTest
import Foundation
import MXFormats
import MXModel

final class ProfileModelCodecTests: XCTestCase {
    func testProfileRoundTripsInline() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        var list = try ExperimentListCodec.read(path: root + "/Fixtures/se_refined.expt")
        XCTAssertNil(list[0].profile)
        list[0].profile = ProfileModel(sigmaBDegrees: 0.0385, sigmaMDegrees: 0.64, nSigma: 3)
        let path = NSTemporaryDirectory() + "/mxflow-profile-\(getpid()).expt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ExperimentListCodec.write(list, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"gaussian_rs\""), text)
        let back = try ExperimentListCodec.read(path: path)
        XCTAssertEqual(back[0].profile, list[0].profile)
    }
}
