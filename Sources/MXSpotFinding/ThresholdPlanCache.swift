// ThresholdPlanCache: one panel's ThresholdPlan, built once and shared by every thread.
import Foundation
import MXThresholdKernel

/// The plan of one panel, shared by the workspaces of every thread.
final class ThresholdPlanCache: @unchecked Sendable {
    private let lock = NSLock()
    private var plan: ThresholdPlan?
    /// Set by an owner whose mask stays unchanged, in place, while the cache
    /// lives (`SpotFinder`'s run): the mask is then compared once per address,
    /// not read whole (1 MB) on every frame.
    private let maskIsFixed: Bool
    private var comparedMask: UnsafePointer<UInt8>?

    init(maskIsFixed: Bool = false) { self.maskIsFixed = maskIsFixed }

    /// The plan for this mask and these parameters, built on first use (or
    /// when they change). A thread that finds another building it waits for
    /// that plan rather than building its own.
    func plan(mask: UnsafePointer<UInt8>, width: Int, height: Int, kernel: (x: Int, y: Int),
              gain: Double, sigmaBackground: Double) -> ThresholdPlan {
        lock.lock()
        defer { lock.unlock() }
        if let plan, maskIsFixed, comparedMask == mask,
           plan.matches(width: width, height: height, kernel: kernel, gain: gain, sigmaBackground: sigmaBackground) {
            return plan
        }
        if let plan, plan.matches(mask: mask, width: width, height: height, kernel: kernel,
                                  gain: gain, sigmaBackground: sigmaBackground) {
            comparedMask = mask
            return plan
        }
        comparedMask = mask
        let built = ThresholdPlan(mask: mask, width: width, height: height, kernel: kernel,
                                  gain: gain, sigmaBackground: sigmaBackground)
        plan = built
        return built
    }
}
