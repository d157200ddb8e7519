// BatchLock: one batch (or watch) at a time per state folder, by an flock the kernel drops when the holder dies.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on `folder/mxflow_batch.lock`, held while the object
/// lives. A second batch on the same folder would rerun the first one's
/// sweeps and stop its children as stale; the lock refuses it instead. The
/// kernel releases the lock when the holder exits, even on SIGKILL, so a
/// killed batch never blocks its resumption.
public final class BatchLock {
    private let fd: Int32

    /// - Throws: `BatchError.busy` when another process holds the folder.
    public init(folder: String) throws {
        let path = folder + "/mxflow_batch.lock"
        // O_CLOEXEC: the children must not inherit (and so keep) the lock.
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BatchError.outputFolder(path: folder, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw BatchError.busy(folder: folder, holder: holder ?? "")
        }
        ftruncate(fd, 0)
        let text = "pid \(getpid()) on \(ChildProcess.hostName)\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }

    deinit { close(fd) }
}
