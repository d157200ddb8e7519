// ProcessorFeatures: which instruction sets this processor runs, read once.
import Foundation

public enum ProcessorFeatures {
    /// True when the processor has what code built for Haswell (x86-64-v3) may
    /// use: AVX2, FMA, BMI1/2, LZCNT, MOVBE, F16C, POPCNT. Set
    /// `MXFLOW_SIMD=baseline` in the environment to run the baseline code anyway
    /// (to compare the two, or to rule the wide code out).
    ///
    /// Read from /proc/cpuinfo on Linux; false elsewhere. This file is built
    /// for the baseline, so the check itself runs on any processor.
    public static let haswell: Bool = {
        if ProcessInfo.processInfo.environment["MXFLOW_SIMD"] == "baseline" { return false }
        #if os(Linux) && arch(x86_64)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        return ["avx", "avx2", "fma", "bmi1", "bmi2", "abm", "movbe", "f16c", "popcnt"].allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()
}
