// Tests of learnt reference profiles (recovery of a non-Gaussian shape, fitting with them) and of overlap masking.
import XCTest
import MXMath
import MXModel
@testable import MXIntegration
#if canImport(Glibc)
import Glibc
#endif

final class ReferenceProfileTests: XCTestCase {
    // A 100×100 panel of 0.1 mm pixels 100 mm from the sample (one pixel ≈ 0.057°), beam along −z.
    let panel = Panel(fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, -1, 0), origin: Vec3(-5, 5, -100),
                      imageSize: (100, 100), pixelSize: (0.1, 0.1), trustedRange: (-1, 1e9))
    let scan = Scan(imageRange: 1...10, oscillationStartDegrees: 0, oscillationWidthDegrees: 1)
    let s0 = Vec3(0, 0, -1)
    let sigmaB = 0.03 * Double.pi / 180, sigmaM = 0.3 * Double.pi / 180

    var integrator: ReflectionIntegrator {
        var p = IntegrationParameters(); p.nSigma = 3
        return ReflectionIntegrator(detector: Detector(panels: [panel]), scan: scan, sigmaB: sigmaB, sigmaM: sigmaM,
                                    parameters: p)
    }
    var grid: ReferenceGrid { ReferenceGrid(gridSize: 9, halfWidthSigma: 4.5, sigmaB: sigmaB, sigmaM: sigmaM) }

    /// The true spatial shape, not Gaussian: a main lobe at c₁ = −0.5σ_b and a
    /// narrower satellite at c₁ = +1.5σ_b, c₂ = +0.7σ_b holding 35 % of the signal.
    func trueDensity(_ c1: Double, _ c2: Double) -> Double {
        let a = (c1 + 0.5 * sigmaB) / sigmaB, b = c2 / sigmaB
        let u = (c1 - 1.5 * sigmaB) / (0.5 * sigmaB), v = (c2 - 0.7 * sigmaB) / (0.5 * sigmaB)
        return 0.65 * exp(-0.5 * (a * a + b * b)) + 0.35 / 0.25 * exp(-0.5 * (u * u + v * v))
    }

    struct Spot { var frame: KabschFrame; var bbox: BoundingBox; var expected: [Double] }

    /// A reflection at pixel (x, y) and φ (degrees) with its box and the
    /// expected share of its signal on each box pixel (the true shape
    /// integrated over 5 × 5 points per pixel, times the rocking-curve share of each frame).
    func spot(x: Double, y: Double, phiDegrees: Double) -> Spot {
        let s1 = panel.labCoordinate(pixel: (x, y)).normalized
        let f = KabschFrame(s1: s1, s0: s0, axis: Vec3(1, 0, 0), phi: phiDegrees * .pi / 180)
        let bb = BoundingBox(Int(x) - 6, Int(x) + 7, Int(y) - 6, Int(y) + 7,
                             max(0, Int(phiDegrees - 1.5)), min(10, Int(phiDegrees + 1.5) + 1))
        let nx = Int(bb.x1 - bb.x0), ny = Int(bb.y1 - bb.y0), nz = Int(bb.z1 - bb.z0)
        var spatial = [Double](repeating: 0, count: nx * ny)
        for yy in 0..<ny { for xx in 0..<nx {
            var v = 0.0
            for a in 0..<5 { for b in 0..<5 {
                let dir = panel.labCoordinate(pixel: (Double(Int(bb.x0) + xx) + (Double(a) + 0.5) / 5,
                                                      Double(Int(bb.y0) + yy) + (Double(b) + 0.5) / 5))
                let (c1, c2) = f.divergenceCoordinates(of: dir)
                v += trueDensity(c1, c2)
            } }
            spatial[yy * nx + xx] = v
        } }
        var p = [Double](repeating: 0, count: nx * ny * nz)
        var total = 0.0
        for z in 0..<nz {
            let fr = f.rockingFraction(from: scan.angle(atFrame: Double(Int(bb.z0) + z)),
                                       to: scan.angle(atFrame: Double(Int(bb.z0) + z + 1)), sigmaM: sigmaM)
            for k in 0..<(nx * ny) { p[z * nx * ny + k] = spatial[k] * fr; total += spatial[k] * fr }
        }
        return Spot(frame: f, bbox: bb, expected: p.map { $0 / total })
    }

    func poisson(_ lambda: Double, _ rng: inout SplitMix64) -> Float {
        if lambda > 50 { return Float(max(0, (lambda + lambda.squareRoot() * rng.nextNormal()).rounded())) }
        let l = exp(-lambda); var k = 0; var p = 1.0
        repeat { k += 1; p *= rng.nextDouble() } while p > l
        return Float(k - 1)
    }

    func shoebox(_ s: Spot, intensity: Double, background: Double, rng: inout SplitMix64?) -> ShoeboxPixels {
        let px = ShoeboxPixels(panel: 0, bbox: s.bbox)
        for j in s.expected.indices {
            let mean = background + intensity * s.expected[j]
            if var r = rng { px.counts[j] = poisson(mean, &r); rng = r } else { px.counts[j] = Float(mean) }
            px.status[j] = 1
        }
        return px
    }

    /// Learns the references from strong spots at random sub-pixel positions and φ over the panel's middle.
    func learn(count: Int, rng: inout SplitMix64) -> (ReferenceProfileLearner, ProfileRegions) {
        let regions = ProfileRegions(detector: Detector(panels: [panel]), scan: scan, scanStepDegrees: 10)
        let learner = ReferenceProfileLearner(grid: grid, regions: regions, minReferences: 10)
        let integ = integrator
        var none: SplitMix64? = rng
        for _ in 0..<count {
            let x = 40 + 20 * rng.nextDouble(), y = 40 + 20 * rng.nextDouble(), phi = 3.5 + 3 * rng.nextDouble()
            let sp = spot(x: x, y: y, phiDegrees: phi)
            let px = shoebox(sp, intensity: 20000, background: 2, rng: &none)
            let g = integ.geometry(sp.frame, panel: 0, bbox: sp.bbox)
            let (_, input) = integ.summation(px, geometry: g)
            learner.add(integ.gridProfile(px, geometry: g, input: input!, grid: grid), x: x, y: y, z: phi)
        }
        learner.finalise(throughBlock: regions.nz - 1)
        return (learner, regions)
    }

    func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    func testLearntReferenceRecoversNonGaussianShape() {
        var rng = SplitMix64(seed: 11)
        // Enough references to cover the sub-pixel phases of the 19-point grid's cells.
        let (learner, regions) = learn(count: 800, rng: &rng)
        let test = spot(x: 50.37, y: 51.81, phiDegrees: 5.2)
        let r = regions.nearest(x: 50.37, y: 51.81, z: 5.2)
        XCTAssertGreaterThanOrEqual(learner.referenceCount(region: r), 10)
        guard let reference = learner.profile(region: r) else { return XCTFail("no learnt profile") }
        XCTAssertEqual(reference.reduce(0.0) { $0 + Double($1) }, 1, accuracy: 1e-6)
        let g = integrator.geometry(test.frame, panel: 0, bbox: test.bbox)
        let learnt = integrator.referenceProfile(g, reference: reference, grid: grid)
        let model = integrator.modelProfile(g)
        let ccLearnt = correlation(learnt, test.expected), ccModel = correlation(model, test.expected)
        XCTAssertGreaterThan(ccLearnt, 0.99, "learnt \(ccLearnt)")
        XCTAssertLessThan(ccModel, ccLearnt - 0.03, "model \(ccModel) learnt \(ccLearnt)")
        // The satellite pulls the centroid towards +c₁ as in the truth.
        func meanC1(_ p: [Double]) -> Double {
            let nxy = g.nx * g.ny
            return p.indices.reduce(0.0) { $0 + p[$1] * g.c1[$1 % nxy] } / p.reduce(0, +) / sigmaB
        }
        XCTAssertEqual(meanC1(learnt), meanC1(test.expected), accuracy: 0.1)
        XCTAssertGreaterThan(meanC1(test.expected), 0.1)
        // A region no reference reached has no profile (the integrator then fits the model).
        let empty = (0..<regions.count).first { learner.referenceCount(region: $0) < 10 }!
        XCTAssertNil(learner.profile(region: empty))
    }

    func testFittingWithLearntProfileIsUnbiasedAndBeatsSummationOnWeakSpots() {
        var rng = SplitMix64(seed: 5)
        let (learner, regions) = learn(count: 300, rng: &rng)
        let integ = integrator
        // Weak spots (summation I/σ ≈ 5) on a background where the robust background estimate is unbiased.
        let intensity = 300.0, background = 30.0
        var sums: [Double] = [], prfs: [Double] = [], truths: [Double] = []
        for _ in 0..<400 {
            let x = 45 + 10 * rng.nextDouble(), y = 45 + 10 * rng.nextDouble(), phi = 4.5 + rng.nextDouble()
            let sp = spot(x: x, y: y, phiDegrees: phi)
            var noisy: SplitMix64? = SplitMix64(seed: rng.next())
            let px = shoebox(sp, intensity: intensity, background: background, rng: &noisy)
            let reference = learner.profile(region: regions.nearest(x: x, y: y, z: phi))
            XCTAssertNotNil(reference)
            let out = integ.integrate(px, frame: sp.frame, reference: reference, grid: grid)
            guard out.flags.contains(.integratedPrf) else { continue }
            let fg = integ.foreground(integ.geometry(sp.frame, panel: 0, bbox: sp.bbox))
            truths.append(intensity * zip(fg, sp.expected).filter(\.0).map(\.1).reduce(0, +))
            sums.append(out.sum.value); prfs.append(out.prf.value)
        }
        XCTAssertGreaterThan(prfs.count, 390)
        func meanVar(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            return (m, v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1))
        }
        let truth = truths.reduce(0, +) / Double(truths.count)
        let (mSum, vSum) = meanVar(sums), (mPrf, vPrf) = meanVar(prfs)
        // Unbiased within 3 standard errors of the mean; a variance well below summation's.
        XCTAssertEqual(mPrf, truth, accuracy: 3 * (vPrf / Double(prfs.count)).squareRoot(), "prf \(mPrf) truth \(truth)")
        XCTAssertEqual(mSum, truth, accuracy: 3 * (vSum / Double(sums.count)).squareRoot(), "sum \(mSum) truth \(truth)")
        XCTAssertLessThan(vPrf, 0.8 * vSum, "var prf \(vPrf) sum \(vSum)")
    }

    func testOverlappingNeighbourIsFlaggedAndKeptOutOfBackground() {
        let integ = integrator
        // A reflection and a weak neighbour 2.5 pixels away on the same frames.
        let a = spot(x: 50.2, y: 50.4, phiDegrees: 5.0), b = spot(x: 52.7, y: 50.6, phiDegrees: 5.1)
        let far = spot(x: 20.5, y: 70.5, phiDegrees: 5.0)
        let boxes = [a, b, far].map { ShoeboxRequest(panel: 0, bbox: $0.bbox) }
        let overlaps = overlappingBoxes(boxes)
        XCTAssertEqual(overlaps[0], [1]); XCTAssertEqual(overlaps[1], [0]); XCTAssertEqual(overlaps[2], [])
        // Pixels of a's box: background 4, a's spot 500, b's spot 40 (noise-free): b's pixels stay under the
        // robust background's outlier cut, so only the overlap mask keeps them out.
        let px = ShoeboxPixels(panel: 0, bbox: a.bbox)
        let bInA = ShoeboxPixels(panel: 0, bbox: b.bbox)
        for j in bInA.counts.indices { bInA.counts[j] = Float(40 * b.expected[j]) }
        let nx = Int(a.bbox.x1 - a.bbox.x0), ny = Int(a.bbox.y1 - a.bbox.y0)
        let bx = Int(b.bbox.x1 - b.bbox.x0), by = Int(b.bbox.y1 - b.bbox.y0)
        for j in px.counts.indices {
            let x = j % nx + Int(a.bbox.x0), y = (j / nx) % ny + Int(a.bbox.y0), z = j / (nx * ny) + Int(a.bbox.z0)
            var v = 4 + 500 * a.expected[j]
            let xb = x - Int(b.bbox.x0), yb = y - Int(b.bbox.y0), zb = z - Int(b.bbox.z0)
            if xb >= 0, yb >= 0, zb >= 0, xb < bx, yb < by, zb < Int(b.bbox.z1 - b.bbox.z0) {
                v += Double(bInA.counts[(zb * by + yb) * bx + xb])
            }
            px.counts[j] = Float(v); px.status[j] = 1
        }
        let alone = integ.integrate(px, frame: a.frame)
        let masked = integ.integrate(px, frame: a.frame, neighbours: [(b.frame, b.bbox)])
        XCTAssertFalse(alone.flags.contains(.overlappedFg))
        XCTAssertTrue(masked.flags.contains(.overlappedFg))
        XCTAssertEqual(ReflectionFlags.overlappedFg.rawValue, 1 << 12)  // DIALS' overlapped_fg
        // Without the mask the neighbour's tail inflates the background; with it the level is the true 4.
        XCTAssertEqual(masked.backgroundMean, 4, accuracy: 0.05)
        XCTAssertGreaterThan(alone.backgroundMean, masked.backgroundMean + 0.05)
        XCTAssertLessThan(masked.pixels.background, alone.pixels.background)
        // The far reflection's box does not meet a's: nothing changes.
        let withFar = integ.integrate(px, frame: a.frame, neighbours: [(far.frame, far.bbox)])
        XCTAssertFalse(withFar.flags.contains(.overlappedFg))
        XCTAssertEqual(withFar.backgroundMean, alone.backgroundMean, accuracy: 1e-12)
    }
}
