// Tests of spec reading: defaults, overrides, and one clear error per bad field.
import Foundation
import XCTest
@testable import MXSimulation

final class SimulationSpecTests: XCTestCase {
    func spec(_ json: String, _ overrides: [String] = []) throws -> SimulationSpec {
        var s = SimulationSpec()
        try s.merge(json: Data(json.utf8))
        for o in overrides {
            let eq = o.firstIndex(of: "=")!
            try s.set(String(o[..<eq]), text: String(o[o.index(after: eq)...]))
        }
        try s.validate()
        return s
    }

    func assertFails(_ json: String, _ overrides: [String] = [], naming field: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try spec(json, overrides), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(field), "error '\(e)' does not name \(field)", file: file, line: line)
        }
    }

    func testDefaultsAndOverrides() throws {
        let s = try spec(#"{"space_group": "P43212", "unit_cell": [79, 79, 38, 90, 90, 90]}"#,
                         ["n_images=12", "unit_cell=80,80,40,90,90,90", "noise=false", "orientation_u=null"])
        XCTAssertEqual(s.nImages, 12)
        XCTAssertEqual(s.unitCell, [80, 80, 40, 90, 90, 90])
        XCTAssertFalse(s.noise)
        XCTAssertEqual(s.wavelength, 0.9763)
        XCTAssertNil(s.orientationU)
    }

    func testUnknownKeyIsNamedWithASuggestion() {
        XCTAssertThrowsError(try spec(#"{"wavelenght": 1.0}"#)) { e in
            XCTAssertEqual("\(e)", "unknown spec field 'wavelenght'; did you mean 'wavelength'?")
        }
        assertFails("{}", ["frobnicate=1"], naming: "frobnicate")
    }

    func testBadValuesNameTheirField() {
        assertFails(#"{"unit_cell": [50, 60, 70, 90, 90, 190]}"#, naming: "unit_cell")
        assertFails(#"{"unit_cell": [50, 60, 70, 30, 30, 100]}"#, naming: "unit_cell")
        assertFails(#"{"unit_cell": [50, -60, 70, 90, 90, 90]}"#, naming: "unit_cell")
        assertFails(#"{"space_group": "P43212", "unit_cell": [50, 60, 70, 90, 90, 90]}"#, naming: "unit_cell")
        assertFails(#"{"space_group": "P 7 2"}"#, naming: "space_group")
        assertFails(#"{"n_images": -5}"#, naming: "n_images")
        assertFails(#"{"n_images": 0}"#, naming: "n_images")
        assertFails(#"{"hot_pixels": -1}"#, naming: "hot_pixels")
        assertFails(#"{"dead_pixels": 2.5}"#, naming: "dead_pixels")
        assertFails(#"{"intensity_scale": -10}"#, naming: "intensity_scale")
        assertFails(#"{"wavelength": "long"}"#, naming: "wavelength")
        assertFails(#"{"format": "tiff"}"#, naming: "format")
        assertFails(#"{"format": "cbf", "detector_size_px": [512, 512]}"#, naming: "detector_size_px")
        assertFails(#"{"orientation_u": [1, 0, 0, 0, 1, 0, 0, 0, 2]}"#, naming: "orientation_u")
        assertFails("{}", ["n_images=many"], naming: "n_images")
        XCTAssertThrowsError(try spec("[1, 2]")) { e in XCTAssertTrue("\(e)".contains("JSON object")) }
    }

    func testNothingIsWrittenForABadSpec() throws {
        let dir = NSTemporaryDirectory() + "mxsim-bad-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        XCTAssertThrowsError(try SimulationSpec.load(path: nil, overrides: ["n_images=-3"]))
        var s = SimulationSpec()
        try s.set("unit_cell", text: "10,10,10,120,120,120")
        XCTAssertThrowsError(try SweepWriter.write(spec: s, to: dir))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    }
}
