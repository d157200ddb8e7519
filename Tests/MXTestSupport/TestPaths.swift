// TestPaths: where tests find the package, its testdata/, and the shared sweeps beside it.
import Foundation

/// Locations used by tests. The shared simulated sweeps live in
/// `../shared/data` beside the package (CI lays them out so); a git worktree
/// nested deeper finds them beside one of its ancestors.
public enum TestPaths {
    /// The package root: the nearest folder above this file holding Package.swift.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
            url.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// `shared/data` beside the package root or beside one of its ancestors,
    /// or the folder named by `MXFLOW_SHARED_DATA`; nil when absent (tests
    /// that need it skip).
    public static let sharedData: String? = {
        if let env = ProcessInfo.processInfo.environment["MXFLOW_SHARED_DATA"] { return env }
        var url = URL(fileURLWithPath: packageRoot)
        while url.path != "/" {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("shared/data").standardized.path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    /// The bundled small sweeps, `testdata/` in the package.
    public static var testdata: String { packageRoot + "/testdata" }
}
