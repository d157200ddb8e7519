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
    /// Whether the background followed the sweep's radial profile (a ring across the box) rather than a constant.
    public var radialBackground = false
    public init() {}
}

/// The Kabsch coordinates of one shoebox's pixels and frames.
struct ShoeboxGeometry {
    let nx: Int, ny: Int, nz: Int
    /// (c₁, c₂) of each pixel centre, radians.
    var c1: [Double], c2: [Double]
    /// Per pixel: the least (c₁² + c₂²)/(n_σσ_b)² over its centre and corners.
    var spatialFg: [Double]
    /// Per pixel: the gaussian_rs spatial profile averaged over the pixel (centre ½, corners ⅛ each);
    /// empty when the geometry was made without the model.
    var spatialModel: [Double]
    /// Per frame: c₃ at the frame's edges (radians), (c₃/(n_σσ_m))² at its point nearest the peak, and
    /// the model rocking-curve fraction (empty without the model).
    var c3: [(Double, Double)], rot2: [Double], frac: [Double]
}

/// What summation leaves for profile fitting.
struct FitInput {
    /// Foreground pixels, and the valid foreground pixels no other reflection's foreground covers.
    var fg: [Bool], fit: [Bool]
    /// The background level and its variance; with `shape`, the scale on it.
    var background: Double, backgroundVariance: Double
    /// Per box pixel, the background's shape (background·shapeⱼ); nil when constant.
    var shape: [Float]?
    var nFg: Int
    /// Σ over the foreground of the shape (nFg when constant): the background sum is background·this.
    var fgShapeSum: Double
    var sum: Double

    /// The background under box pixel j.
    @inline(__always) func background(at j: Int) -> Double {
        guard let shape else { return background }
        return background * Double(shape[j])
    }
}

/// Integrates assembled shoeboxes of one experiment under a gaussian_rs profile.
struct ReflectionIntegrator: Sendable {
    let detector: Detector
    let scan: Scan
    let sigmaB: Double
    let sigmaM: Double
    let parameters: IntegrationParameters

    /// Pixel and frame coordinates of a box. A pixel is foreground when any
    /// of its corners or its centre lies inside the n_σ ellipsoid (DIALS'
    /// mask calculator takes the corners): with σ_b under a pixel the centre
    /// alone would cut into the spot.
    func geometry(_ frame: KabschFrame, panel p: Int, bbox bb: BoundingBox, withCorners: Bool = true,
                  withModel: Bool = true) -> ShoeboxGeometry {
        let toLab = Panel.PixelToLab(detector.panels[p])
        let nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0), nz = Int(bb.z1 - bb.z0)
        let n = parameters.nSigma
        let fgScale = 1 / (n * n * sigmaB * sigmaB), g = -0.5 / (sigmaB * sigmaB)
        var c1 = [Double](repeating: 0, count: nx * ny), c2 = c1
        var spatialFg = c1, spatialModel = withModel ? c1 : []
        // Per pixel corner: r², c₁, c₂, and the Gaussian at r² (each shared by up to four pixels).
        var corners: [Double] = [], cc1: [Double] = [], cc2: [Double] = [], cornerModel: [Double] = []
        if withCorners {
            corners = [Double](repeating: 0, count: (nx + 1) * (ny + 1)); cc1 = corners; cc2 = corners
            for y in 0...ny { for x in 0...nx {
                let dir = toLab((Double(Int(bb.x0) + x), Double(Int(bb.y0) + y)))
                let (a, b) = frame.divergenceCoordinates(of: dir)
                let m = y * (nx + 1) + x
                corners[m] = a * a + b * b; cc1[m] = a; cc2[m] = b
            } }
            if withModel { cornerModel = corners.map { exp(g * $0) } }
        }
        for y in 0..<ny { for x in 0..<nx {
            let a: Double, b: Double
            if withCorners {
                // Over a pixel (c₁, c₂) is linear to far below a pixel's width: the centre is the corners' mean.
                let m = y * (nx + 1) + x, m2 = m + nx + 1
                a = 0.25 * (cc1[m] + cc1[m + 1] + cc1[m2] + cc1[m2 + 1]); b = 0.25 * (cc2[m] + cc2[m + 1] + cc2[m2] + cc2[m2 + 1])
            } else {
                let dir = toLab((Double(Int(bb.x0) + x) + 0.5, Double(Int(bb.y0) + y) + 0.5))
                (a, b) = frame.divergenceCoordinates(of: dir)
            }
            let k = y * nx + x
            c1[k] = a; c2[k] = b
            let r2 = a * a + b * b
            guard withCorners else { spatialFg[k] = r2 * fgScale; if withModel { spatialModel[k] = exp(g * r2) }; continue }
            let m = y * (nx + 1) + x, m2 = m + nx + 1
            spatialFg[k] = min(r2, corners[m], corners[m + 1], corners[m2], corners[m2 + 1]) * fgScale
            if withModel {
                spatialModel[k] = 0.5 * exp(g * r2)
                    + 0.125 * (cornerModel[m] + cornerModel[m + 1] + cornerModel[m2] + cornerModel[m2 + 1])
            }
        } }
        var c3: [(Double, Double)] = [], rot2: [Double] = [], frac: [Double] = []
        for z in 0..<nz {
            let pa = scan.angle(atFrame: Double(Int(bb.z0) + z)), pb = scan.angle(atFrame: Double(Int(bb.z0) + z + 1))
            let nearest = min(max(frame.phi, min(pa, pb)), max(pa, pb))
            let r = frame.rotationCoordinate(nearest)
            rot2.append(r * r / (n * n * sigmaM * sigmaM))
            c3.append((frame.rotationCoordinate(pa), frame.rotationCoordinate(pb)))
            if withModel { frac.append(frame.rockingFraction(from: pa, to: pb, sigmaM: sigmaM)) }
        }
        return ShoeboxGeometry(nx: nx, ny: ny, nz: nz, c1: c1, c2: c2, spatialFg: spatialFg, spatialModel: spatialModel,
                               c3: c3, rot2: rot2, frac: frac)
    }

    /// Foreground of a box: the n_σ ellipsoid in Kabsch coordinates.
    func foreground(_ g: ShoeboxGeometry) -> [Bool] {
        let nxy = g.nx * g.ny
        var fg = [Bool](repeating: false, count: nxy * g.nz)
        for z in 0..<g.nz { for k in 0..<nxy { fg[z * nxy + k] = g.spatialFg[k] + g.rot2[z] <= 1 } }
        return fg
    }

    /// The model profile over the box, normalised to 1: the pixel-averaged
    /// Gaussian in (c₁, c₂) times the fraction of the rocking curve recorded on each frame.
    func modelProfile(_ g: ShoeboxGeometry) -> [Double] {
        let nxy = g.nx * g.ny
        var prof = [Double](repeating: 0, count: nxy * g.nz)
        var total = 0.0
        for z in 0..<g.nz { for k in 0..<nxy { let v = g.spatialModel[k] * g.frac[z]; prof[z * nxy + k] = v; total += v } }
        if total > 0 { for j in prof.indices { prof[j] /= total } }
        return prof
    }

    /// A learnt reference profile mapped onto the box's pixels, normalised to
    /// 1: bilinear in (c₁, c₂) at each pixel centre (the reference was learnt
    /// from pixel values the same way, so it already holds the pixel's
    /// width), integrated over the frame's c₃ interval.
    func referenceProfile(_ g: ShoeboxGeometry, reference: [Float], grid: ReferenceGrid) -> [Double] {
        let nxy = g.nx * g.ny, n = grid.size
        // Per frame, the layers it covers; per pixel, the bilinear value on each layer any frame covers.
        let frameLayers = (0..<g.nz).map { grid.layerOverlaps(grid.u(rotation: g.c3[$0].0), grid.u(rotation: g.c3[$0].1)) }
        let used = frameLayers.flatMap { $0.map(\.k) }
        guard let lMin = used.min(), let lMax = used.max() else { return [Double](repeating: 0, count: nxy * g.nz) }
        // The reference was learnt from foreground pixels only: pixels that are background on every frame are left at 0.
        let nearestRot = g.rot2.min() ?? 0
        var layerValues = [Double](repeating: 0, count: nxy * n)
        reference.withUnsafeBufferPointer { ref in layerValues.withUnsafeMutableBufferPointer { out in
            for k in 0..<nxy where g.spatialFg[k] + nearestRot <= 1 {
                guard let b = grid.bilinear(grid.u(divergence: g.c1[k]), grid.u(divergence: g.c2[k])) else { continue }
                // Cells off the grid count as 0: zero their weights and read a valid cell instead.
                let i0 = max(b.i, 0), i1 = min(b.i + 1, n - 1), j0 = max(b.j, 0), j1 = min(b.j + 1, n - 1)
                let w00 = b.i >= 0 && b.j >= 0 ? b.w.0 : 0, w10 = b.i + 1 < n && b.j >= 0 ? b.w.1 : 0
                let w01 = b.i >= 0 && b.j + 1 < n ? b.w.2 : 0, w11 = b.i + 1 < n && b.j + 1 < n ? b.w.3 : 0
                for l in lMin...lMax {
                    let base = l * n * n
                    out[k * n + l] = w00 * Double(ref[base + j0 * n + i0]) + w10 * Double(ref[base + j0 * n + i1])
                        + w01 * Double(ref[base + j1 * n + i0]) + w11 * Double(ref[base + j1 * n + i1])
                }
            }
        } }
        var prof = [Double](repeating: 0, count: nxy * g.nz)
        var total = 0.0
        for z in 0..<g.nz {
            let layers = frameLayers[z]
            guard !layers.isEmpty else { continue }
            for k in 0..<nxy {
                var v = 0.0
                for (l, o) in layers { v += o * layerValues[k * n + l] }
                prof[z * nxy + k] = v; total += v
            }
        }
        if total > 0 { for j in prof.indices { prof[j] /= total } }
        return prof
    }

    /// The background-subtracted valid foreground of a shoebox on the reference grid (the forward transform):
    /// each pixel's counts spread bilinearly in (c₁, c₂) over the cells around its centre, and over the c₃
    /// cells its frame covers.
    func gridProfile(_ s: ShoeboxPixels, geometry g: ShoeboxGeometry, input: FitInput, grid: ReferenceGrid) -> [Double] {
        let nxy = g.nx * g.ny, n = grid.size
        let counts = s.counts
        var out = [Double](repeating: 0, count: grid.count)
        for z in 0..<g.nz {
            let a = grid.u(rotation: g.c3[z].0), b = grid.u(rotation: g.c3[z].1)
            // A frame spans several c₃ cells: its counts are shared among them as the model rocking curve
            // would place them (one expectation step from the Gaussian prior). Spreading them evenly would
            // widen the learnt rocking curve by the frame width, and fitting, which integrates the
            // reference over the frame again, would then see too broad a profile and overestimate.
            var layers: [(Int, Double)] = grid.layerOverlaps(a, b).map { (k, _) in
                let lo = max(min(a, b), Double(k) - 0.5), hi = min(max(a, b), Double(k) + 0.5)
                let sa = (lo + 0.5) * grid.step - grid.halfWidth, sb = (hi + 0.5) * grid.step - grid.halfWidth
                return (k, 0.5 * (erf(sb / 2.0.squareRoot()) - erf(sa / 2.0.squareRoot())))
            }
            let total = layers.reduce(0) { $0 + $1.1 }
            guard total > 1e-12 else { continue }
            layers = layers.map { ($0.0, $0.1 / total) }
            for k in 0..<nxy {
                let j = z * nxy + k
                guard input.fit[j] else { continue }
                let c = Double(counts[j]) - input.background(at: j)
                guard let w = grid.bilinear(grid.u(divergence: g.c1[k]), grid.u(divergence: g.c2[k])) else { continue }
                for (l, share) in layers {
                    let v = c * share, base = l * n * n
                    func put(_ i: Int, _ jj: Int, _ f: Double) {
                        if i >= 0 && jj >= 0 && i < n && jj < n { out[base + jj * n + i] += v * f }
                    }
                    put(w.i, w.j, w.w.0); put(w.i + 1, w.j, w.w.1); put(w.i, w.j + 1, w.w.2); put(w.i + 1, w.j + 1, w.w.3)
                }
            }
        }
        return out
    }

    /// Per box pixel: does it lie in the foreground of a neighbouring reflection (frame, box)?
    func neighbourForeground(_ bb: BoundingBox, panel: Int, neighbours: [(KabschFrame, BoundingBox)]) -> [Bool]? {
        guard !neighbours.isEmpty else { return nil }
        let nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0)
        var covered = [Bool](repeating: false, count: bb.volume)
        var any = false
        for (f, nb) in neighbours {
            let ib = BoundingBox(max(Int(bb.x0), Int(nb.x0)), min(Int(bb.x1), Int(nb.x1)), max(Int(bb.y0), Int(nb.y0)),
                                 min(Int(bb.y1), Int(nb.y1)), max(Int(bb.z0), Int(nb.z0)), min(Int(bb.z1), Int(nb.z1)))
            guard ib.volume > 0 else { continue }
            let g = geometry(f, panel: panel, bbox: ib, withModel: false)
            let ix = Int(ib.x1 - ib.x0), iy = Int(ib.y1 - ib.y0)
            for z in 0..<g.nz { for y in 0..<iy { for x in 0..<ix where g.spatialFg[y * ix + x] + g.rot2[z] <= 1 {
                let j = ((Int(ib.z0) - Int(bb.z0) + z) * ny + (Int(ib.y0) - Int(bb.y0) + y)) * nx + (Int(ib.x0) - Int(bb.x0) + x)
                covered[j] = true; any = true
            } } }
        }
        return any ? covered : nil
    }

    /// Background and summation. Pixels in a neighbour's foreground are kept
    /// out of the background; a foreground shared with a neighbour is flagged
    /// `overlappedFg` and those pixels are left out of profile fitting.
    func summation(_ s: ShoeboxPixels, geometry g: ShoeboxGeometry,
                   neighbours: [(KabschFrame, BoundingBox)] = []) -> (IntegratedReflection, FitInput?) {
        var out = IntegratedReflection()
        // Local copies (no copying: the arrays are shared) spare a dynamic exclusivity check per pixel access.
        let status = s.status, counts = s.counts
        let fg = foreground(g)
        var fit = fg
        let covered = neighbourForeground(s.bbox, panel: s.panel, neighbours: neighbours)
        var bgValues: [Float] = [], bgShape: [Float] = []
        let shape = parameters.radialBackground ? radialShape(s) : nil
        var nFg = 0, nFgValid = 0, nBg = 0
        for j in fg.indices {
            let other = covered?[j] ?? false
            if fg[j] {
                nFg += 1
                if status[j] == 1 { nFgValid += 1 }
                if status[j] == 2 { out.flags.insert(.overloaded) }
                if status[j] == 0 { out.flags.insert(.foregroundIncludesBadPixels) }
                if other { out.flags.insert(.overlappedFg) }
                fit[j] = status[j] == 1 && !other
            } else {
                // A pixel in a neighbour's foreground is not this reflection's background (DIALS drops its Background code).
                if other { continue }
                nBg += 1
                if status[j] == 1 {
                    bgValues.append(counts[j])
                    if let shape { bgShape.append(shape[j]) }
                } else { out.flags.insert(.backgroundIncludesBadPixels) }
            }
        }
        out.pixels = (nBg, 0, nFg, nFgValid + bgValues.count)
        let estimate = shape == nil
            ? RobustBackground.estimate(bgValues, rejectionSigma: parameters.backgroundRejectionSigma,
                                        minPixels: parameters.minBackgroundPixels)
            : RobustBackground.estimate(bgValues, shape: bgShape, rejectionSigma: parameters.backgroundRejectionSigma,
                                        minPixels: parameters.minBackgroundPixels)
        guard let bg = estimate else {
            out.flags.insert(.failedDuringBackgroundModelling)
            return (out, nil)
        }
        out.pixels.backgroundUsed = bg.used
        // Σ of the shape over the foreground and over its valid pixels (the pixel counts when constant).
        var fgShape = Double(nFg), validShape = Double(nFgValid)
        if let shape {
            fgShape = 0; validShape = 0
            for j in fg.indices where fg[j] {
                fgShape += Double(shape[j]); if status[j] == 1 { validShape += Double(shape[j]) }
            }
        }
        let b = bg.level
        out.backgroundMean = nFg > 0 ? b * fgShape / Double(nFg) : b
        out.backgroundSum = (b * fgShape, fgShape * fgShape * bg.variance)
        guard nFg > 0, Double(nFgValid) >= parameters.validForegroundThreshold * Double(nFg) else {
            out.flags.insert(.failedDuringSummation)
            return (out, nil)
        }
        // Summation over the valid foreground.
        let nx = g.nx, ny = g.ny
        var sumC = 0.0, sumRaw = 0.0, cx = 0.0, cy = 0.0, cz = 0.0, wsum = 0.0
        for j in fg.indices where fg[j] && status[j] == 1 {
            let c = Double(counts[j])
            let bj = shape.map { b * Double($0[j]) } ?? b
            sumRaw += c; sumC += c - bj
            let w = max(c - bj, 0)
            if w > 0 {
                let x = j % nx, y = (j / nx) % ny, z = j / (nx * ny)
                cx += w * (Double(Int(s.bbox.x0) + x) + 0.5)
                cy += w * (Double(Int(s.bbox.y0) + y) + 0.5)
                cz += w * (Double(Int(s.bbox.z0) + z) + 0.5)
                wsum += w
            }
        }
        out.sum = (sumC, max(sumRaw, 0) + validShape * validShape * bg.variance)
        out.flags.insert(.integratedSum)
        out.radialBackground = shape != nil
        if wsum > 0 { out.centroid = Vec3(cx / wsum, cy / wsum, cz / wsum) }
        return (out, FitInput(fg: fg, fit: fit, background: b, backgroundVariance: bg.variance, shape: shape, nFg: nFg,
                              fgShapeSum: fgShape, sum: sumC))
    }

    /// The box's radial background shape when it should be used: known and
    /// positive on every valid pixel, and changing across them by more than
    /// `IntegrationParameters.radialBackgroundChange` of its mean (an ice or
    /// water ring's flank, the steep scatter near the beam). Elsewhere the
    /// background is flat within its noise and taken as constant.
    /// - Returns: the shape over every box pixel, NaN (unknown) replaced by its mean on the valid ones.
    func radialShape(_ s: ShoeboxPixels) -> [Float]? {
        guard !s.shape.isEmpty else { return nil }
        var lo = Float.infinity, hi = -Float.infinity, sum = 0.0, n = 0
        for (g, st) in zip(s.shape, s.status) where st == 1 {
            guard g > 0 else { return nil }  // also NaN
            lo = min(lo, g); hi = max(hi, g); sum += Double(g); n += 1
        }
        guard n > 0 else { return nil }
        let mean = sum / Double(n)
        guard Double(hi - lo) > parameters.radialBackgroundChange * mean else { return nil }
        // Pixels off the panel or masked have no profile value; they still count in the foreground's
        // background sum (as the constant's n_fg), at the box's mean.
        return s.shape.map { $0 > 0 ? $0 : Float(mean) }
    }

    /// Profile fitting: weighted least squares of c − B = I·P over the valid,
    /// unshared foreground with Poisson variances V = B + I·P, iterated
    /// (Kabsch 2010 eq. 22), to `prof` (the box profile, normalised to 1).
    func fit(_ s: ShoeboxPixels, input: FitInput, profile prof: [Double], into out: inout IntegratedReflection) {
        let fg = input.fg, use = input.fit
        let counts = s.counts
        var pFg = 0.0, pValid = 0.0
        for j in fg.indices where fg[j] { pFg += prof[j]; if use[j] { pValid += prof[j] } }
        guard pValid > 0.5 * pFg, pFg > 0 else { out.flags.insert(.failedDuringProfileFitting); return }
        var intensity = max(input.sum, 0)
        var converged = false  // a fit that does not settle in 20 steps is reported failed
        var sumPP = 0.0
        for _ in 0..<20 {
            var num = 0.0; sumPP = 0
            for j in use.indices where use[j] {
                let p = prof[j], b = input.background(at: j)
                let v = max(b + intensity * p, 1e-6)
                num += p * (Double(counts[j]) - b) / v
                sumPP += p * p / v
            }
            guard sumPP > 0 else { break }
            let next = num / sumPP
            let done = abs(next - intensity) <= 1e-4 * max(abs(next), 1)
            intensity = next
            if done { converged = true; break }
        }
        guard sumPP > 0, intensity.isFinite else { out.flags.insert(.failedDuringProfileFitting); return }
        // The fit returns the intensity of the whole box profile; the box
        // profile's share inside the foreground is what summation measures.
        let scale = pFg, fgShape = input.fgShapeSum
        // Variance: the fit's 1/ΣP²/V, plus the background level's error spread over the foreground.
        out.prf = (intensity * scale, max(scale * scale / sumPP + fgShape * fgShape * input.backgroundVariance, 1e-12))
        if !converged { out.flags.insert(.failedDuringProfileFitting); out.flags.remove(.integratedPrf); return }
        // Correlation of the fitted profile with the observed foreground (DIALS' profile.correlation).
        var sp = 0.0, so = 0.0, spp = 0.0, soo = 0.0, spo = 0.0, m = 0.0
        for j in use.indices where use[j] {
            let p = prof[j], o = Double(counts[j]) - input.background(at: j)
            sp += p; so += o; spp += p * p; soo += o * o; spo += p * o; m += 1
        }
        let cov = spo - sp * so / m, vp = spp - sp * sp / m, vo = soo - so * so / m
        out.correlation = vp > 0 && vo > 0 ? cov / (vp * vo).squareRoot() : 0
        out.flags.insert(.integratedPrf)
    }

    /// Per pixel foreground flag and model profile of a box (for tests and callers without references).
    func profile(_ frame: KabschFrame, panel p: Int, bbox bb: BoundingBox) -> (fg: [Bool], p: [Double]) {
        let g = geometry(frame, panel: p, bbox: bb)
        return (foreground(g), modelProfile(g))
    }

    /// Background, summation and profile fitting to `reference` (a learnt
    /// profile on `grid`) or, without one, to the model profile.
    func integrate(_ s: ShoeboxPixels, frame: KabschFrame, neighbours: [(KabschFrame, BoundingBox)] = [],
                   reference: [Float]? = nil, grid: ReferenceGrid? = nil) -> IntegratedReflection {
        let g = geometry(frame, panel: s.panel, bbox: s.bbox)
        var (out, input) = summation(s, geometry: g, neighbours: neighbours)
        guard parameters.profileFitting, let input else { return out }
        let prof: [Double]
        if let reference, let grid { prof = referenceProfile(g, reference: reference, grid: grid) } else { prof = modelProfile(g) }
        fit(s, input: input, profile: prof, into: &out)
        return out
    }
}
