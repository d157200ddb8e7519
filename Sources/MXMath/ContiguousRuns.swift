// ContiguousRuns: a range of work split over threads, one contiguous run per thread.
import Dispatch

/// Splits `0..<count` over at most `threads` threads (fewer when a thread
/// would get under `minimumPerThread` items) and calls `body` once per
/// thread with its run. Runs are contiguous, not strided: threads writing
/// neighbouring results would share cache lines. One thread runs inline.
public func forEachContiguousRun(_ count: Int, threads: Int, minimumPerThread: Int = 1,
                                 _ body: (Range<Int>) -> Void) {
    let workers = max(1, min(threads, count / max(1, minimumPerThread)))
    if workers == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        body((w * count / workers)..<((w + 1) * count / workers))
    }
}

/// `body(k)` for k in `0..<count` on up to `threads` threads, the results in k order.
public func parallelMap<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { out in
        forEachContiguousRun(count, threads: threads) { run in
            for k in run { out[k] = body(k) }
        }
    }
    return results.map { $0! }
}
