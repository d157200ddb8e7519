// Simulation: a synthetic rotation sweep — models, true intensities,
// predicted spots, and frames rendered on demand, deterministically.
import Dispatch
import MXFormats
import MXMath
import MXSymmetry
import MXModel
#if canImport(Glibc)
import Glibc
#endif

/// One unique reflection of the truth table (Laue-group representative).
public struct TrueReflection: Sendable {
    public var hkl: (Int, Int, Int)
    public var d: Double
    public var iPlus: Double
    public var iMinus: Double
    public var centric: Bool
}

/// A spot as rendered: where, when, how wide and how strong.
public struct RenderedSpot: Sendable {
    public var reflection: PredictedReflection
    /// Total photons over the full rocking curve before per-frame factors.
    public var photons: Double
    /// Rocking σ in φ (radians) and spatial σ (pixels).
    public var sigmaPhi: Double
    public var sigmaPx: Double
    /// Frames (0-based) the spot is drawn on.
    public var frames: ClosedRange<Int>
}

/// A synthetic sweep: every model and the ground truth, with `frame(_:)`
/// drawing the pixels of one image. Frames depend only on the spec and the
/// frame index (one random stream per frame), never on thread order.
public struct Simulation: Sendable {
    public let spec: SimulationSpec
    public let group: SimulationSpaceGroup
    public let beam: Beam
    /// The true detector and the one the header states (different when the
    /// spec asks for a wrong header beam centre).
    public let detector: Detector
    public let headerDetector: Detector
    public let goniometer: Goniometer
    public let scan: Scan
    /// U and A = U·B of each lattice (lab frame at φ = 0).
    public let orientations: [Mat3]
    public let settingMatrices: [Mat3]
    public let bMatrix: Mat3
    public let latticeScales: [Double]
    public let atomCount: Int
    public let dMin: Double
    /// Mean |F|² in 4–5 Å used to normalise I to ⟨I⟩ = 1 there.
    public let normalisation: Double
    public let unique: [TrueReflection]
    public let spots: [RenderedSpot]
    /// Spots per frame, as indices into `spots`.
    let spotsByFrame: [[Int]]
    /// Expected background counts per pixel at unit flux.
    let background: [Float]
    /// Pixel status: 0 good, 1 module gap, 2 dead, 3 hot.
    public let pixelStatus: [UInt8]

    /// Counts a hot pixel reads.
    public var hotValue: Int32 { Int32(min(spec.saturation, 60_000)) }

    public init(spec: SimulationSpec) throws {
        try spec.validate()
        self.spec = spec
        let group = try SimulationSpaceGroup.lookup(spec.spaceGroupName)
        self.group = group
        var rng = RandomSource(seed: spec.seed)

        // Beam and detector (dxtbx: beam along −z, fast (1,0,0), slow (0,−1,0)).
        var beam = Beam(direction: Vec3(0, 0, 1), wavelength: spec.wavelength)
        beam.polarizationFraction = spec.polarizationFraction
        beam.divergence = spec.beamDivergence
        self.beam = beam
        let size = spec.detectorSize, px = spec.pixelSize
        let centre = spec.beamCentrePx ?? (Double(size.fast) / 2, Double(size.slow) / 2)
        func panel(centreMm: (Double, Double)) -> Panel {
            var p = Panel(name: "module", fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0),
                          origin: Vec3(-centreMm.0, centreMm.1, -spec.distance),
                          imageSize: (size.fast, size.slow), pixelSize: (px, px),
                          trustedRange: (-1, Double(spec.saturation)))
            p.thickness = spec.sensorThickness
            p.material = "Si"
            if spec.sensorThickness > 0 {
                // Spots land where photons are absorbed, deeper in the sensor for
                // oblique rays; model it as dxtbx does (ParallaxCorrectedPxMmStrategy,
                // μ of silicon from NIST's tables) so DIALS' geometry and ours agree.
                p.pxMmStrategy = .parallaxCorrected
                p.mu = SensorAttenuation.mu(material: "Si", wavelength: spec.wavelength)
                    ?? 3.9226 * pow(spec.wavelength / 0.9763, 3)
            }
            return p
        }
        let trueMm = (centre.x * px, centre.y * px)
        detector = Detector(panels: [panel(centreMm: trueMm)])
        let off = spec.headerBeamOffsetMm
        headerDetector = Detector(panels: [panel(centreMm: (trueMm.0 + off.x, trueMm.1 + off.y))])

        goniometer = Goniometer(rotationAxis: spec.rotationAxis)
        scan = Scan(imageRange: 1...spec.nImages, oscillationStartDegrees: spec.startAngle,
                    oscillationWidthDegrees: spec.oscWidth,
                    exposureTimes: Array(repeating: spec.exposureTime, count: spec.nImages),
                    epochs: (0..<spec.nImages).map { Double($0) * spec.exposureTime })

        // Crystal: U from the spec or the seed; a second lattice rotated about a random axis.
        let u = spec.orientationU.map { Mat3($0) } ?? CellGeometry.randomRotation(&rng)
        let b = CellGeometry.bMatrix(spec.unitCell)
        bMatrix = b
        var us = [u], scales = [1.0]
        let secondAxis = CellGeometry.randomDirection(&rng)
        if spec.secondLatticeFraction > 0 {
            us.append(Mat3.rotation(axis: secondAxis, angle: radians(spec.secondLatticeRotation)) * u)
            scales.append(spec.secondLatticeFraction)
        }
        orientations = us
        settingMatrices = us.map { $0 * b }
        latticeScales = scales

        // Resolution limit: the spec's, else the farthest detector corner.
        let s0 = beam.s0
        dMin = spec.dMin ?? detector.maxResolution(s0: s0)

        // Atom model and structure factors of the unique reflections.
        let volume = CellGeometry.volume(spec.unitCell)
        let nOps = group.operations.count
        let nAtoms = spec.atomsPerAsu ?? AtomModel.proteinAtomCount(cellVolume: volume, operations: nOps)
        atomCount = nAtoms
        var atomRng = RandomSource(seed: spec.seed, stream: 1)
        let model = AtomModel.random(count: nAtoms, anomalousElement: spec.anomalousElement,
                                     anomalousCount: spec.anomalousAtoms, fPrime: spec.anomalousFp,
                                     fDoublePrime: spec.anomalousFdp, bFactor: spec.wilsonB, rng: &atomRng)
        let (uniqueHKL, uniqueD) = Self.uniqueReflections(group: group, b: b, dMin: dMin)
        // Structure factors of the present reflections only (absences are zero by symmetry).
        let present = uniqueHKL.indices.filter { !group.isAbsent(uniqueHKL[$0]) }
        let (fpPresent, fmPresent) = model.structureFactors(present.map { uniqueHKL[$0] }, group: group,
                                                            s2: present.map { DiffractionPhysics.s2(d: uniqueD[$0]) },
                                                            threads: spec.nproc)
        var fp = [Double](repeating: 0, count: uniqueHKL.count), fm = fp
        for (j, i) in present.enumerated() { fp[i] = fpPresent[j]; fm[i] = fmPresent[j] }
        var shell = 0.0, shellCount = 0
        for i in uniqueHKL.indices where uniqueD[i] >= 4 && uniqueD[i] <= 5 {
            shell += 0.5 * (fp[i] + fm[i]); shellCount += 1
        }
        // Few reflections in 4–5 Å (tiny cell or low resolution): fall back to all.
        if shellCount < 20 { shell = (fp.reduce(0, +) + fm.reduce(0, +)) / 2; shellCount = max(1, fp.count) }
        let norm = max(shell / Double(shellCount), 1e-30)
        normalisation = norm
        var unique: [TrueReflection] = []
        unique.reserveCapacity(uniqueHKL.count)
        var lookup: [Int64: Int] = [:]
        for i in uniqueHKL.indices {
            let h = uniqueHKL[i]
            let absent = group.isAbsent(h)
            let centric = group.isCentric(h)
            var ip = absent ? 0 : fp[i] / norm, im = absent ? 0 : fm[i] / norm
            if centric { let m = 0.5 * (ip + im); ip = m; im = m }
            lookup[Self.key(h)] = unique.count
            unique.append(TrueReflection(hkl: h, d: uniqueD[i], iPlus: ip, iMinus: im, centric: centric))
        }
        self.unique = unique

        // Predict every lattice over the scan, with a margin for rocking tails.
        let phi0 = radians(spec.startAngle), width = radians(spec.oscWidth)
        let phiRange = phi0...(phi0 + width * Double(spec.nImages))
        let sigmaM = radians(spec.mosaicity), sigmaB = radians(spec.beamDivergence)
        let margin = 5 * (sigmaM * sigmaM + sigmaB * sigmaB).squareRoot() / 0.05
        var spots: [RenderedSpot] = []
        let frameCount = spec.nImages
        for (li, a) in settingMatrices.enumerated() {
            let predicted = RotationPredictor.predict(
                A: a, s0: s0, goniometer: goniometer, detector: detector, phiRange: phiRange,
                margin: margin, dMin: dMin, lattice: li,
                index: { h in
                    let rep = group.laueRepresentative(of: h)
                    guard let i = lookup[Self.key(rep.hkl)] else { return nil }
                    return 2 * i + (rep.plus ? 0 : 1)
                })
            for p in predicted {
                let t = unique[p.intensityIndex / 2]
                let intensity = p.intensityIndex % 2 == 0 ? t.iPlus : t.iMinus
                // p.zeta is the Lorentz ζ (Kabsch's scaled by sin 2θ). Only reflections in the blind
                // region about the axis (Kabsch's |ζ| < 0.02: smeared over tens of degrees) are left
                // out; low-resolution ones, whose Lorentz ζ is small only because 2θ is, are real
                // spots and are drawn, or the truth would list reflections no image holds.
                let sin2Theta = p.s1.cross(s0).length / (p.s1.length * s0.length)
                let kabschZeta = p.zeta / max(sin2Theta, 1e-6)
                if intensity <= 0 || abs(kabschZeta) < 0.02 { continue }
                var photons = spec.intensityScale * intensity * latticeScales[li]
                if spec.lorentz { photons /= abs(p.zeta) }
                if spec.polarisation {
                    photons *= DiffractionPhysics.polarisation(s0: s0, s1: p.s1, normal: beam.polarizationNormal,
                                                               fraction: spec.polarizationFraction)
                }
                let sigmaPhi = DiffractionPhysics.rockingWidth(mosaicity: sigmaM, divergence: sigmaB, zeta: kabschZeta)
                let pathMm = detector[p.panel].labCoordinate(pixel: (p.x, p.y)).length
                let spread = pathMm * sigmaB / px
                let sigmaPx = max((spread * spread + spec.psf * spec.psf).squareRoot(), 0.25)
                // Frames touched by φc ± 4σ (or the one frame holding φc when partiality is off).
                let zc = (p.phi - phi0) / width
                let reach = spec.partiality ? 4 * sigmaPhi / width : 0
                let first = Int(floor(zc - reach)), last = Int(floor(zc + reach))
                guard last >= 0, first < frameCount else { continue }
                spots.append(RenderedSpot(reflection: p, photons: photons, sigmaPhi: sigmaPhi, sigmaPx: sigmaPx,
                                          frames: max(0, first)...min(frameCount - 1, last)))
            }
        }
        self.spots = spots
        var byFrame = [[Int]](repeating: [], count: frameCount)
        for (i, s) in spots.enumerated() { for f in s.frames { byFrame[f].append(i) } }
        spotsByFrame = byFrame

        // Pixel status: module gaps, then dead and hot pixels on good pixels.
        var status = [UInt8](repeating: 0, count: size.fast * size.slow)
        if let m = spec.moduleSize {
            let g = spec.gap
            for y in 0..<size.slow { for x in 0..<size.fast {
                if x % (m.fast + g.fast) >= m.fast || y % (m.slow + g.slow) >= m.slow { status[y * size.fast + x] = 1 }
            } }
        }
        var pixRng = RandomSource(seed: spec.seed, stream: 2)
        for (count, mark) in [(spec.deadPixels, UInt8(2)), (spec.hotPixels, UInt8(3))] {
            var placed = 0, tries = 0
            while placed < count && tries < 100 * (count + 1) {
                tries += 1
                let i = pixRng.integer(below: status.count)
                if status[i] == 0 { status[i] = mark; placed += 1 }
            }
        }
        pixelStatus = status
        background = Self.backgroundImage(spec: spec, panel: detector[0], s0: s0)
    }

    static func key(_ h: (Int, Int, Int)) -> Int64 {
        (Int64(h.0 + 1024) << 22) | (Int64(h.1 + 1024) << 11) | Int64(h.2 + 1024)
    }

    /// The CCP4-ASU representatives with d ≥ dMin (absent ones included,
    /// with zero intensity), sorted by index.
    static func uniqueReflections(group: SimulationSpaceGroup, b: Mat3, dMin: Double) -> ([(Int, Int, Int)], [Double]) {
        let o = b.inverse!.transposed // columns a, b, c: |a| bounds |h|
        let hmax = Int(o.col0.length / dMin) + 1, kmax = Int(o.col1.length / dMin) + 1
        let lmax = Int(o.col2.length / dMin) + 1
        var out: [(Int, Int, Int)] = [], ds: [Double] = []
        let limit = 1 / (dMin * dMin)
        for h in -hmax...hmax { for k in -kmax...kmax { for l in -lmax...lmax {
            if h == 0 && k == 0 && l == 0 { continue }
            let q2 = (b * Vec3(Double(h), Double(k), Double(l))).lengthSquared
            if q2 > limit { continue }
            let rep = group.laueRepresentative(of: (h, k, l))
            guard rep.hkl == (h, k, l) else { continue }
            out.append((h, k, l)); ds.append(1 / q2.squareRoot())
        } } }
        return (out, ds)
    }

    // MARK: background and per-frame factors

    /// Ice Ih powder lines (Å) with relative strengths, strongest three first.
    public static let iceRings: [(d: Double, weight: Double)] = [
        (3.90, 1.0), (3.67, 0.6), (3.44, 0.8), (2.67, 0.25), (2.25, 0.3), (1.92, 0.15),
    ]

    /// Expected background counts per pixel at unit flux: constant, a broad
    /// water ring centred at 1/d ≈ 0.31 Å⁻¹ (liquid water's first peak near
    /// 3.2 Å), and narrow ice rings; scaled by the pixel's solid angle
    /// relative to the beam centre (cos³ of the obliquity).
    static func backgroundImage(spec: SimulationSpec, panel: Panel, s0: Vec3) -> [Float] {
        let nx = panel.imageSize.fast, ny = panel.imageSize.slow
        var bg = [Float](repeating: 0, count: nx * ny)
        let k = s0.length, dist = panel.distance
        let constant = spec.backgroundConstant, water = spec.backgroundWater, ice = spec.iceRings
        for y in 0..<ny { for x in 0..<nx {
            let lab = panel.labCoordinate(pixel: (Double(x) + 0.5, Double(y) + 0.5))
            let r = lab.length
            let q = (lab / r * k - s0).length // 1/d
            let cos3 = pow(dist / r, 3)
            let w = (q - 0.31) / 0.05
            var v = constant + water * exp(-0.5 * w * w)
            if ice > 0 {
                for ring in iceRings {
                    let dq = (q - 1 / ring.d) / 0.0025
                    v += ice * ring.weight * exp(-0.5 * dq * dq)
                }
            }
            bg[y * nx + x] = Float(v * cos3)
        } }
        return bg
    }

    /// Relative beam flux at φ (degrees): a slow sinusoidal drift.
    public func flux(atDegrees phi: Double) -> Double {
        1 + spec.fluxDrift * sin(2 * .pi * phi / spec.fluxPeriod)
    }
    /// Transmission through the crystal and mount at φ: smooth, 1 − a·(1 + sin φ)/2.
    public func transmission(atDegrees phi: Double) -> Double {
        1 - spec.absorption * 0.5 * (1 + sin(radians(phi)))
    }
    /// Dose fraction at the middle of frame i (0 at the start, 1 at the end).
    public func doseFraction(frame i: Int) -> Double { (Double(i) + 0.5) / Double(spec.nImages) }

    /// Overall spot scale on frame i at resolution d: flux × transmission ×
    /// (1 − decay_scale·dose) × exp(−2·decay_b·dose·s²) (damage raises B).
    public func spotScale(frame i: Int, d: Double) -> Double {
        let mid = spec.startAngle + (Double(i) + 0.5) * spec.oscWidth
        let dose = doseFraction(frame: i)
        return flux(atDegrees: mid) * transmission(atDegrees: mid) * (1 - spec.decayScale * dose)
            * exp(-2 * spec.decayB * dose * DiffractionPhysics.s2(d: d))
    }

    // MARK: frames

    /// Pixel values of frame i (0-based), row-major slow × fast: Poisson
    /// counts of background plus spots, saturated at the spec's limit; gap
    /// pixels −1, dead −2, hot pixels a fixed high count.
    public func frame(_ i: Int) -> [Int32] {
        let size = spec.detectorSize
        let nx = size.fast, ny = size.slow
        let mid = spec.startAngle + (Double(i) + 0.5) * spec.oscWidth
        let bgScale = Float(flux(atDegrees: mid))
        var expected = [Float](repeating: 0, count: nx * ny)
        for p in 0..<expected.count { expected[p] = background[p] * bgScale }
        let phiA = radians(spec.startAngle + Double(i) * spec.oscWidth)
        let phiB = phiA + radians(spec.oscWidth)
        var fx = [Double](), fy = [Double]()
        // Spec values are table look-ups: read them once, not per pixel.
        let partiality = spec.partiality, noise = spec.noise
        for si in spotsByFrame[i] {
            let s = spots[si]
            let r = s.reflection
            let part = partiality
                ? DiffractionPhysics.partiality(phiCentre: r.phi, sigma: s.sigmaPhi, from: phiA, to: phiB) : 1
            let total = s.photons * part * spotScale(frame: i, d: r.d)
            if total < 1e-3 { continue }
            // Separable Gaussian integrated over each pixel with erf.
            let half = Int(ceil(4 * s.sigmaPx))
            let x0 = max(0, Int(floor(r.x)) - half), x1 = min(nx - 1, Int(floor(r.x)) + half)
            let y0 = max(0, Int(floor(r.y)) - half), y1 = min(ny - 1, Int(floor(r.y)) + half)
            if x0 > x1 || y0 > y1 { continue }
            let k = 1 / (s.sigmaPx * 2.0.squareRoot())
            fx.removeAll(keepingCapacity: true); fy.removeAll(keepingCapacity: true)
            for x in x0...x1 { fx.append(0.5 * (erf((Double(x + 1) - r.x) * k) - erf((Double(x) - r.x) * k))) }
            for y in y0...y1 { fy.append(0.5 * (erf((Double(y + 1) - r.y) * k) - erf((Double(y) - r.y) * k))) }
            for y in y0...y1 {
                let wy = total * fy[y - y0]
                let row = y * nx
                for x in x0...x1 { expected[row + x] += Float(wy * fx[x - x0]) }
            }
        }
        var rng = RandomSource(seed: spec.seed, stream: 1000 + UInt64(i))
        let sat = Int32(clamping: spec.saturation)
        var out = [Int32](repeating: 0, count: nx * ny)
        for p in 0..<out.count {
            switch pixelStatus[p] {
            case 1: out[p] = -1; continue
            case 2: out[p] = -2; continue
            case 3: out[p] = hotValue; continue
            default: break
            }
            let lam = Double(expected[p])
            let v = noise ? rng.poisson(lam) : Int(lam.rounded())
            out[p] = v >= Int(sat) ? sat : Int32(v)
        }
        return out
    }

    /// Renders frames `range` on `threads` threads, handing each to `body`
    /// (any thread, any order); the pixels depend on the frame index only.
    public func renderFrames(_ range: Range<Int>, threads: Int,
                             _ body: @escaping @Sendable (Int, [Int32]) throws -> Void) throws {
        let errors = FirstError()
        let next = AtomicCounter()
        let indices = Array(range)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, indices.count))) { _ in
            while !errors.isSet {
                let k = next.increment()
                if k >= indices.count { break }
                do { try body(indices[k], frame(indices[k])) } catch { errors.set(error) }
            }
        }
        if let e = errors.error { throw e }
    }
}

/// The first error thrown by any worker.
final class FirstError: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var stored: Error?
    func set(_ e: Error) { lock.wait(); if stored == nil { stored = e }; lock.signal() }
    var error: Error? { lock.wait(); defer { lock.signal() }; return stored }
    var isSet: Bool { error != nil }
}
