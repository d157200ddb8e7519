// ReflectionIntegrator: background, summation and profile fitting of one assembled shoebox.
import MXMath
import MXModel
#if canImport(Glibc)
import Glibc
#endif

/// What integration measured for one reflection (DIALS' columns).
public struct IntegratedReflection: Sendable {
    public var sum = (value: 0.0, variance: -1.0)
    public var prf = (value: 0.0, variance: -1.0)
    public var backgroundMean = 0.0
    public var backgroundSum = (value: 0.0, variance: 0.0)
    public var pixels = (background: 0, backgroundUsed: 0, foreground: 0, valid: 0)
    public var correlation = 0.0
    /// Centroid of the background-subtracted foreground (px, px, frame).
    public var centroid = Vec3(0, 0, 0)
    public var flags: ReflectionFlags = []
    public init() {}
}

/// Integrates assembled shoeboxes of one experiment under a gaussian_rs profile.
struct ReflectionIntegrator: Sendable {
    let detector: Detector
    let scan: Scan
    let sigmaB: Double
    let sigmaM: Double
    let parameters: IntegrationParameters

    /// Per pixel of the box: foreground or not, and the model profile P
    /// (normalised to 1 over the box) — the Gaussian in (c₁, c₂) times the
    /// fraction of the rocking curve recorded on each frame.
    func profile(_ frame: KabschFrame, panel p: Int, bbox bb: BoundingBox) -> (fg: [Bool], p: [Double]) {
        let panel = detector.panels[p]
        let nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0), nz = Int(bb.z1 - bb.z0)
        let n = parameters.nSigma
        var spatialFg = [Double](repeating: 0, count: nx * ny)
        var spatial = [Double](repeating: 0, count: nx * ny)
        for y in 0..<ny { for x in 0..<nx {
            let dir = panel.labCoordinate(pixel: (Double(Int(bb.x0) + x) + 0.5, Double(Int(bb.y0) + y) + 0.5))
            let (c1, c2) = frame.divergenceCoordinates(of: dir)
            let r2 = c1 * c1 + c2 * c2
            spatialFg[y * nx + x] = r2 / (n * n * sigmaB * sigmaB)
            spatial[y * nx + x] = exp(-0.5 * r2 / (sigmaB * sigmaB))
        } }
        var fg = [Bool](repeating: false, count: nx * ny * nz)
        var prof = [Double](repeating: 0, count: nx * ny * nz)
        var total = 0.0
        for z in 0..<nz {
            let pa = scan.angle(atFrame: Double(Int(bb.z0) + z)), pb = scan.angle(atFrame: Double(Int(bb.z0) + z + 1))
            let nearest = min(max(frame.phi, min(pa, pb)), max(pa, pb))
            let c3 = frame.rotationCoordinate(nearest)
            let rot2 = c3 * c3 / (n * n * sigmaM * sigmaM)
            let frac = frame.rockingFraction(from: pa, to: pb, sigmaM: sigmaM)
            for k in 0..<(nx * ny) {
                let j = z * nx * ny + k
                fg[j] = spatialFg[k] + rot2 <= 1
                prof[j] = spatial[k] * frac
                total += prof[j]
            }
        }
        if total > 0 { for j in prof.indices { prof[j] /= total } }
        return (fg, prof)
    }

    func integrate(_ s: ShoeboxPixels, frame: KabschFrame) -> IntegratedReflection {
        var out = IntegratedReflection()
        let (fg, prof) = profile(frame, panel: s.panel, bbox: s.bbox)
        var bgValues: [Float] = []
        var nFg = 0, nFgValid = 0, nBg = 0
        for j in fg.indices {
            if fg[j] {
                nFg += 1
                if s.status[j] == 1 { nFgValid += 1 }
                if s.status[j] == 2 { out.flags.insert(.overloaded) }
                if s.status[j] == 0 { out.flags.insert(.foregroundIncludesBadPixels) }
            } else {
                nBg += 1
                if s.status[j] == 1 { bgValues.append(s.counts[j]) } else { out.flags.insert(.backgroundIncludesBadPixels) }
            }
        }
        out.pixels = (nBg, 0, nFg, nFgValid + bgValues.count)
        guard let bg = RobustBackground.estimate(bgValues, rejectionSigma: parameters.backgroundRejectionSigma,
                                                 minPixels: parameters.minBackgroundPixels) else {
            out.flags.insert(.failedDuringBackgroundModelling)
            return out
        }
        out.pixels.backgroundUsed = bg.used
        out.backgroundMean = bg.level
        let b = bg.level
        out.backgroundSum = (b * Double(nFg), Double(nFg * nFg) * bg.variance)
        guard nFg > 0, Double(nFgValid) >= parameters.validForegroundThreshold * Double(nFg) else {
            out.flags.insert(.failedDuringSummation)
            return out
        }
        // Summation over the valid foreground; pixels lost to masks are made
        // up from the model profile's share, as the foreground fraction is
        // above the valid threshold.
        let nx = Int(s.bbox.x1 - s.bbox.x0), ny = Int(s.bbox.y1 - s.bbox.y0)
        var sumC = 0.0, sumRaw = 0.0, cx = 0.0, cy = 0.0, cz = 0.0, wsum = 0.0
        var pValid = 0.0, pFg = 0.0
        for j in fg.indices where fg[j] {
            pFg += prof[j]
            guard s.status[j] == 1 else { continue }
            pValid += prof[j]
            let c = Double(s.counts[j])
            sumRaw += c; sumC += c - b
            let w = max(c - b, 0)
            if w > 0 {
                let x = j % nx, y = (j / nx) % ny, z = j / (nx * ny)
                cx += w * (Double(Int(s.bbox.x0) + x) + 0.5)
                cy += w * (Double(Int(s.bbox.y0) + y) + 0.5)
                cz += w * (Double(Int(s.bbox.z0) + z) + 0.5)
                wsum += w
            }
        }
        let nV = Double(nFgValid)
        out.sum = (sumC, max(sumRaw, 0) + nV * nV * bg.variance)
        out.flags.insert(.integratedSum)
        if wsum > 0 { out.centroid = Vec3(cx / wsum, cy / wsum, cz / wsum) }
        else { out.centroid = Vec3(0, 0, 0) }
        guard parameters.profileFitting else { return out }
        // Profile fitting: weighted least squares of c − B = I·P over the valid
        // foreground with Poisson variances V = B + I·P, iterated (DIALS
        // fits the same model with its reference profile; Kabsch 2010 eq. 22).
        guard pValid > 0.5 * pFg, pFg > 0 else { out.flags.insert(.failedDuringProfileFitting); return out }
        var intensity = max(sumC, 0)
        var converged = false  // a fit that does not settle in 20 steps is reported failed
        var sumPP = 0.0
        for _ in 0..<20 {
            var num = 0.0; sumPP = 0
            for j in fg.indices where fg[j] && s.status[j] == 1 {
                let p = prof[j]
                let v = max(b + intensity * p, 1e-6)
                num += p * (Double(s.counts[j]) - b) / v
                sumPP += p * p / v
            }
            guard sumPP > 0 else { break }
            let next = num / sumPP
            let done = abs(next - intensity) <= 1e-4 * max(abs(next), 1)
            intensity = next
            if done { converged = true; break }
        }
        guard sumPP > 0, intensity.isFinite else { out.flags.insert(.failedDuringProfileFitting); return out }
        // The fit returns the intensity of the whole box profile; the box
        // profile's share inside the foreground is what summation measures.
        let scale = pFg
        // Variance: the fit's 1/ΣP²/V, plus the background level's error spread over the foreground.
        out.prf = (intensity * scale, max(scale * scale / sumPP + Double(nFg * nFg) * bg.variance, 1e-12))
        if !converged { out.flags.insert(.failedDuringProfileFitting); out.flags.remove(.integratedPrf); return out }
        // Correlation of the model profile with the observed foreground.
        var sp = 0.0, so = 0.0, spp = 0.0, soo = 0.0, spo = 0.0, m = 0.0
        for j in fg.indices where fg[j] && s.status[j] == 1 {
            let p = prof[j], o = Double(s.counts[j]) - b
            sp += p; so += o; spp += p * p; soo += o * o; spo += p * o; m += 1
        }
        let cov = spo - sp * so / m, vp = spp - sp * sp / m, vo = soo - so * so / m
        out.correlation = vp > 0 && vo > 0 ? cov / (vp * vo).squareRoot() : 0
        out.flags.insert(.integratedPrf)
        return out
    }
}
