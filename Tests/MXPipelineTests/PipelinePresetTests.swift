// The presets in pipelines/ read, and the compiled-in default equals pipelines/default.json.
import Foundation
import MXPipeline
import MXTestSupport
import XCTest

final class PipelinePresetTests: XCTestCase {
    let directory = TestPaths.packageRoot + "/pipelines"

    func testCompiledDefaultEqualsTheFile() throws {
        let file = try PipelinePreset.decode(Data(contentsOf: URL(fileURLWithPath: directory + "/default.json")))
        let compiled = try PipelinePreset.decode(Data(PipelinePreset.defaultJSON.utf8))
        XCTAssertEqual(file, compiled)
    }

    func testEveryPresetReadsAndStopsAtAStep() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        XCTAssertTrue(Set(names).isSuperset(of: ["default.json", "screen.json", "anomalous.json"]))
        for name in names {
            let preset = try PipelinePreset.load(directory + "/" + name, searchDirectories: [])
            XCTAssertTrue(ProcessRun.nodes.contains(preset.stopAfter), name)
        }
        XCTAssertEqual(try PipelinePreset.load("screen", searchDirectories: [directory]).stopAfter, "index")
        XCTAssertEqual(try PipelinePreset.load("default", searchDirectories: []).name, "default")
        XCTAssertThrowsError(try PipelinePreset.load("nonesuch", searchDirectories: [directory]))
    }

    func testStepParametersAreRoutedAndValidated() throws {
        let (process, steps) = try ProcessParameterDefinitions.split(["nproc=2", "index.max_cell=150", "find_spots.sigma_strong=2"])
        XCTAssertEqual(process, ["nproc=2"])
        XCTAssertEqual(steps["index"], ["max_cell=150"])
        XCTAssertEqual(steps["find_spots"], ["sigma_strong=2"])
        XCTAssertThrowsError(try ProcessParameterDefinitions.split(["index.no_such=1"]))
    }
}
