// Test support for prediction: a hand-made experiment and the shared-data locator.
import Foundation
import MXMath
import MXModel
@testable import MXPrediction

enum PredictionFixtures {
    /// The package root, found by walking up from this file to Package.swift.
    static func packageRoot() -> String {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return "."
    }

    /// `../shared/data` beside the package (one more level up from a worktree).
    static func sharedDataDirectory() -> String {
        let root = packageRoot()
        for candidate in [root + "/../shared/data", root + "/../../shared/data"]
        where FileManager.default.fileExists(atPath: candidate) { return candidate }
        return root + "/../shared/data"
    }

    /// λ = 1 Å along −z, rotation about x, a 100 × 100 mm panel 100 mm
    /// downstream (fast +x, slow −y, 0.1 mm pixels), one 360-image 1° scan from
    /// 0°, and a cubic 10 Å crystal with U = I.
    static func simpleExperiment(cell: Double = 10) -> Experiment {
        let panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(-50, 50, -100),
                          imageSize: (1000, 1000), pixelSize: (0.1, 0.1), trustedRange: (-1, 1e6))
        let crystal = Crystal(realSpaceA: Vec3(cell, 0, 0), realSpaceB: Vec3(0, cell, 0), realSpaceC: Vec3(0, 0, cell))
        return Experiment(identifier: "simple", beam: Beam(wavelength: 1), detector: Detector(panels: [panel]),
                          goniometer: Goniometer(rotationAxis: Vec3(1, 0, 0)),
                          scan: Scan(imageRange: 1...360, oscillationStartDegrees: 0, oscillationWidthDegrees: 1),
                          crystal: crystal)
    }
}
