// FFT: 3-D discrete Fourier transforms of real and complex grids through FFTW3.
import CFFTW
import Foundation

/// FFTW's planner is not thread-safe (FFTW manual §5.4 "Thread safety"):
/// only `fftw_execute` may run concurrently, so every plan is made under one lock.
private let plannerLock = NSLock()

/// A 3-D grid of n0 × n1 × n2 points in row-major order (the last index runs
/// fastest), transformed with FFTW3 in double precision.
///
/// The forward transform is FFTW's: F(k) = Σ_j f(j)·exp(−2πi j·k / n), unnormalised.
public enum FFT3D {
    /// Forward transform of a real grid (`values.count == n0·n1·n2`). Returns
    /// the non-redundant half spectrum, n0 × n1 × (n2/2 + 1) complex values as
    /// interleaved (re, im) pairs; the rest follows from F(−k) = conj F(k).
    public static func forwardReal(_ values: [Double], dimensions n: (Int, Int, Int)) -> [Double] {
        precondition(n.0 > 0 && n.1 > 0 && n.2 > 0 && values.count == n.0 * n.1 * n.2,
                     "grid of \(values.count) points is not \(n.0)×\(n.1)×\(n.2)")
        let half = n.2 / 2 + 1
        let inCount = values.count, outCount = n.0 * n.1 * half
        let input = fftw_alloc_real(inCount)!
        let output = fftw_alloc_complex(outCount)!
        defer { fftw_free(input); fftw_free(output) }
        plannerLock.lock()
        // FFTW_ESTIMATE leaves the input alone while planning, so fill after.
        let plan = fftw_plan_dft_r2c_3d(Int32(n.0), Int32(n.1), Int32(n.2), input, output, FFTW_ESTIMATE)
        plannerLock.unlock()
        defer { plannerLock.lock(); fftw_destroy_plan(plan); plannerLock.unlock() }
        values.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: inCount) }
        fftw_execute(plan)
        return output.withMemoryRebound(to: Double.self, capacity: 2 * outCount) {
            Array(UnsafeBufferPointer(start: $0, count: 2 * outCount))
        }
    }

    /// Forward (sign −1) or backward (sign +1) transform of a complex grid
    /// given as interleaved (re, im) pairs, `2·n0·n1·n2` numbers; unnormalised.
    public static func complex(_ values: [Double], dimensions n: (Int, Int, Int), forward: Bool = true) -> [Double] {
        let count = n.0 * n.1 * n.2
        precondition(count > 0 && values.count == 2 * count,
                     "complex grid of \(values.count / 2) points is not \(n.0)×\(n.1)×\(n.2)")
        let buffer = fftw_alloc_complex(count)!
        defer { fftw_free(buffer) }
        plannerLock.lock()
        let plan = fftw_plan_dft_3d(Int32(n.0), Int32(n.1), Int32(n.2), buffer, buffer,
                                    forward ? FFTW_FORWARD : FFTW_BACKWARD, FFTW_ESTIMATE)
        plannerLock.unlock()
        defer { plannerLock.lock(); fftw_destroy_plan(plan); plannerLock.unlock() }
        buffer.withMemoryRebound(to: Double.self, capacity: 2 * count) { p in
            values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: 2 * count) }
        }
        fftw_execute(plan)
        return buffer.withMemoryRebound(to: Double.self, capacity: 2 * count) {
            Array(UnsafeBufferPointer(start: $0, count: 2 * count))
        }
    }

    /// The smallest size ≥ n whose only prime factors are 2, 3 and 5, for
    /// which FFTW's codelets are fastest.
    public static func goodSize(atLeast n: Int) -> Int {
        var m = max(n, 1)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }
}
