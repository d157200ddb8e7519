// CBFTestSupport: locating the shared CBF sweep and scratch directories for the CBF tests.
import Foundation
import MXTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `shared/data` beside the package root (`../shared/data`), or beside one of
/// its ancestors (a worktree under /work/wt/<name> finds /work/shared/data);
/// nil when absent.
func cbfSharedDataDirectory() -> String? { TestPaths.sharedData }

/// The 30 shared Pilatus images, or a skip when the data are absent.
func cbfSharedSweep() throws -> [String] {
    guard let data = cbfSharedDataDirectory(),
          access(data + "/cbf_p4212/cbf_p4212_00001.cbf", R_OK) == 0 else {
        throw XCTSkip("shared CBF sweep ../shared/data/cbf_p4212 is absent")
    }
    return (1...30).map { String(format: "%@/cbf_p4212/cbf_p4212_%05d.cbf", data, $0) }
}

/// A fresh empty directory under /tmp for one test.
func cbfScratchDirectory(_ name: String = #function) -> String {
    var template = Array("/tmp/mxflow-cbf-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "cannot create a scratch directory")
    return String(cString: made!)
}

/// Removes a scratch directory and its files (one level).
func cbfRemoveDirectory(_ dir: String) {
    if let d = opendir(dir) {
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { unlink(dir + "/" + name) }
        }
        closedir(d)
    }
    rmdir(dir)
}
