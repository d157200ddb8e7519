// BackgroundPass+AVX2: the background pass compiled for Haswell-class processors (AVX2: eight lanes, pmulld).
// This module alone is built with `-target-cpu haswell` (Package.swift); call it only when
// `ProcessorFeatures.haswell` is true.
import MXThresholdKernel

public enum AVX2Instructions: InstructionSet {}

extension BackgroundPass {
    /// `BackgroundPass.run` specialised here, so compiled with AVX2.
    /// Never inlined: the caller's module is built for the baseline, and
    /// cross-module optimisation would otherwise compile this body there.
    @inline(never) public static func runAVX2(image: UnsafePointer<Int32>, rowStride: Int, settings: BackgroundPassSettings,
                               plan: ThresholdPlan, buffers: BackgroundPassBuffers, direct: inout [Int32]) {
        run(AVX2Instructions.self, image: image, rowStride: rowStride, settings: settings, plan: plan,
            buffers: buffers, direct: &direct)
    }
}
