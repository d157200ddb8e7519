// BLASThreads: OpenBLAS runs on the calling thread; mxflow parallelises above it.
import CLapacke

/// OpenBLAS' own thread pool, which mxflow does not use.
///
/// mxflow parallelises over frames, reflections and sweeps itself, and its
/// matrices are small (refinement and scaling normal equations of at most a
/// few hundred parameters), so every BLAS and LAPACK call runs on the thread
/// that makes it. The pthread build Debian installs starts one worker per
/// further core when the library loads; idle, each spins for about 0.1 s of
/// CPU before sleeping, at every command, beside mxflow's own workers.
public enum BLASThreads {
    /// One thread for BLAS from now on, and the pool's workers stopped.
    /// Call once, first thing, before other threads use BLAS.
    public static func runOnCallingThread() {
        openblas_set_num_threads(1)
        _ = blas_thread_shutdown_()
    }
}
