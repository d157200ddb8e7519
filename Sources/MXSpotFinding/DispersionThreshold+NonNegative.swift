// DispersionThreshold+NonNegative: the dispersion thresholds for panels whose trusted counts are ≥ 0.
import MXThresholdKernel
import MXThresholdKernelAVX2

/// Which compiled copy of the background pass runs.
enum BackgroundPassVariant {
    case baseline, avx2

    /// The fastest this processor runs.
    static let best: BackgroundPassVariant = ProcessorFeatures.haswell ? .avx2 : .baseline
    /// Those this processor runs (the tests compare them).
    static var available: [BackgroundPassVariant] { ProcessorFeatures.haswell ? [.baseline, .avx2] : [.baseline] }
}

extension DispersionThreshold {
    /// The dispersion thresholds when every value that enters the sums is ≥ 0
    /// (trusted range starting at −1 or above, as for photon counters): the
    /// background pass of MXThresholdKernel (in its AVX2 copy where the
    /// processor has it), with dispersion_extended's erosion and cores' test
    /// in its core stage. Same decisions as the general kernel.
    static func nonNegativeStrongPixels(image: UnsafePointer<Int32>, rowStride: Int,
                                        lowI: Int32, highI: Int32, parameters p: SpotFindingParameters,
                                        plan: ThresholdPlan, workspace ws: ThresholdWorkspace,
                                        variant: BackgroundPassVariant, strong: inout [Int32]) {
        let w = ws.width, h = ws.height
        let settings = BackgroundPassSettings(
            lowI: lowI, highI: highI, kernel: (min(p.kernelSize.x, w), min(p.kernelSize.y, h)),
            wideKernel: (p.kernelSize.x + 2, p.kernelSize.y + 2),
            erosionRadius: max(0, min(p.kernelSize.x, p.kernelSize.y) - 1), extended: p.algorithm == .dispersionExtended,
            gain: p.gain, sigmaBackground: p.sigmaBackground, sigmaStrong: p.sigmaStrong,
            globalThreshold: p.globalThreshold, minCount: p.minLocal)
        let ringRows = BackgroundPass.ringRows(settings)
        if ws.backgroundPass?.width != w || ws.backgroundPass?.ringRows != ringRows {
            ws.backgroundPass = BackgroundPassBuffers(width: w, ringRows: ringRows)
        }
        let buffers = ws.backgroundPass!
        switch variant {
        case .baseline:
            BackgroundPass.runBaseline(image: image, rowStride: rowStride, settings: settings, plan: plan,
                                       buffers: buffers, direct: &strong)
        case .avx2:
            BackgroundPass.runAVX2(image: image, rowStride: rowStride, settings: settings, plan: plan,
                                   buffers: buffers, direct: &strong)
        }
    }
}
