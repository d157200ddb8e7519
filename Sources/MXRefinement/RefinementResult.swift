// RefinementResult: refined models, updated reflections, RMSDs, history and parameter uncertainties.
import MXModel

/// RMSDs of one experiment's reflections used in refinement.
public struct ExperimentRMSD: Equatable, Sendable {
    public var experiment: Int
    public var count: Int
    /// x, y in mm and φ in radians.
    public var xMillimetre: Double, yMillimetre: Double, phiRadians: Double
    /// x, y in pixels and φ in frames (images).
    public var xPixel: Double, yPixel: Double, phiFrames: Double
}

/// One Levenberg–Marquardt step (step 0 = the starting model).
public struct RefinementCycle: Equatable, Sendable {
    public var step: Int
    public var reflections: Int
    /// Overall RMSDs in px and frames, over all experiments.
    public var rmsdXPixel: Double, rmsdYPixel: Double, rmsdPhiFrames: Double
    /// ½·Σ w·r² at this step.
    public var objective: Double
}

/// A refined parameter: starting and final value with its e.s.d. (same units).
public struct RefinedParameter: Equatable, Sendable {
    public var name: String
    public var initial: Double
    public var final: Double
    public var esd: Double
    public var shift: Double { final - initial }
}

/// A refined unit cell with e.s.d.s (Å, degrees, Å³).
public struct CellWithUncertainty: Equatable, Sendable {
    public var crystal: Int
    public var parameters: [Double]
    public var esds: [Double]
    public var volume: Double
    public var volumeEsd: Double
}

/// Everything `refine(...)` returns.
public struct RefinementResult: Sendable {
    public var experiments: ExperimentList
    /// The input table with `xyzcal.mm`, `xyzcal.px`, `s1` updated from the
    /// refined models, `used_in_refinement` set on the reflections used and
    /// `centroid_outlier` on those rejected.
    public var reflections: ReflectionTable
    public var rmsds: [ExperimentRMSD]
    public var history: [RefinementCycle]
    public var parameters: [RefinedParameter]
    public var cells: [CellWithUncertainty]
    public var outliersRejected: Int
    public var converged: Bool
    /// Why iterations stopped, in words.
    public var stopReason: String
}
