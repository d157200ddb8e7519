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
        precondition(values.count == n.0 * n.1 * n.2, "grid of \(values.count) points is not \(n.0)×\(n.1)×\(n.2)")
        return forwardRealInPlace(dimensions: n, fill: { grid, rowLength in
            values.withUnsafeBufferPointer { v in
                for row in 0..<(n.0 * n.1) {
                    (grid.baseAddress! + row * rowLength).update(from: v.baseAddress! + row * n.2, count: n.2)
                }
            }
        }, read: { Array($0) })
    }

    /// The forward real transform in one buffer, for grids too large to hold
    /// twice (indexing's 256³ is 134 MB in double precision). `fill` writes the
    /// real grid, zeroed beforehand, into rows of `rowLength` = 2·(n2/2 + 1)
    /// numbers (point (i0, i1, i2) at (i0·n1 + i1)·rowLength + i2; the last
    /// numbers of each row are padding); `read` then gets the half spectrum,
    /// n0 × n1 × (n2/2 + 1) interleaved (re, im) pairs, valid only during the call.
    public static func forwardRealInPlace<R>(dimensions n: (Int, Int, Int),
                                             fill: (UnsafeMutableBufferPointer<Double>, _ rowLength: Int) -> Void,
                                             read: (UnsafeBufferPointer<Double>) -> R) -> R {
        precondition(n.0 > 0 && n.1 > 0 && n.2 > 0, "grid dimensions \(n.0)×\(n.1)×\(n.2) must be positive")
        let half = n.2 / 2 + 1
        let count = n.0 * n.1 * 2 * half
        let buffer = fftw_alloc_real(count)!
        defer { fftw_free(buffer) }
        plannerLock.lock()
        // FFTW_ESTIMATE leaves the array alone while planning, so fill after.
        let plan = buffer.withMemoryRebound(to: fftw_complex.self, capacity: count / 2) { complex in
            fftw_plan_dft_r2c_3d(Int32(n.0), Int32(n.1), Int32(n.2), buffer, complex, FFTW_ESTIMATE)
        }
        plannerLock.unlock()
        defer { plannerLock.lock(); fftw_destroy_plan(plan); plannerLock.unlock() }
        buffer.initialize(repeating: 0, count: count)
        fill(UnsafeMutableBufferPointer(start: buffer, count: count), 2 * half)
        fftw_execute(plan)
        return read(UnsafeBufferPointer(start: buffer, count: count))
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

    /// Forward transforms of `count` real sequences of length `n` stored one
    /// after another, with one FFTW plan (`fftw_plan_many_dft_r2c`). Returns
    /// `count` half spectra of n/2 + 1 complex values, interleaved (re, im).
    public static func forwardRealBatch(_ values: [Double], length n: Int, count: Int) -> [Double] {
        precondition(n > 0 && count > 0 && values.count == n * count, "batch of \(values.count) is not \(count)×\(n)")
        let half = n / 2 + 1
        let input = fftw_alloc_real(n * count)!
        let output = fftw_alloc_complex(half * count)!
        defer { fftw_free(input); fftw_free(output) }
        var size = Int32(n)
        plannerLock.lock()
        let plan = fftw_plan_many_dft_r2c(1, &size, Int32(count), input, nil, 1, Int32(n), output, nil, 1, Int32(half),
                                          FFTW_ESTIMATE)
        plannerLock.unlock()
        defer { plannerLock.lock(); fftw_destroy_plan(plan); plannerLock.unlock() }
        values.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: n * count) }
        fftw_execute(plan)
        return output.withMemoryRebound(to: Double.self, capacity: 2 * half * count) {
            Array(UnsafeBufferPointer(start: $0, count: 2 * half * count))
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
