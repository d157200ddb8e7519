// ExperimentListSummary: the text `mxflow show` prints for an experiment list, in dials.show's order with units.
import Foundation
import MXMath
import MXModel
import MXSymmetry

/// The text `mxflow show` prints for an experiment list: per experiment the
/// detector panels (with beam centre and resolution limits), beam, scan,
/// goniometer and crystal, in `dials.show`'s order and with units.
struct ExperimentListSummary {
    let list: ExperimentList
    /// Whether to list the cell at each scan point of scan-varying crystals.
    var scanVarying = false
    init(_ list: ExperimentList, scanVarying: Bool = false) { self.list = list; self.scanVarying = scanVarying }

    var text: String {
        var out: [String] = []
        for (i, e) in list.experiments.enumerated() {
            out.append("Experiment \(i):")
            if !e.identifier.isEmpty { out.append("Experiment identifier: \(e.identifier)") }
            if let set = e.imageSet {
                out.append("Image template: \(set.template)")
                if set.kind == .nexus, let first = set.singleFileIndices.first, let last = set.singleFileIndices.last {
                    out.append("Frames in file: \(first) to \(last) (\(set.singleFileIndices.count) frames)")
                }
            }
            out += detector(e)
            out += beam(e.beam, detector: e.detector)
            if let s = e.scan { out += scan(s) }
            if let g = e.goniometer { out += goniometer(g) }
            if let c = e.crystal { out += crystal(c, scan: e.scan) }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    // MARK: sections

    func detector(_ e: Experiment) -> [String] {
        var out = ["Detector:"]
        let s0 = e.beam.s0
        for (i, p) in e.detector.panels.enumerated() {
            out.append(e.detector.count == 1 ? "Panel:" : "Panel \(i):")
            out.append("  name: \(p.name)")
            out.append("  type: \(p.type)")
            if !p.identifier.isEmpty { out.append("  identifier: \(p.identifier)") }
            out.append("  pixel size:    \(num(p.pixelSize.fast)) × \(num(p.pixelSize.slow)) mm")
            out.append("  image size:    \(p.imageSize.fast) × \(p.imageSize.slow) px")
            out.append("  trusted range: \(num(p.trustedRange.low)) to \(num(p.trustedRange.high)) counts")
            out.append("  thickness:     \(num(p.thickness)) mm")
            out.append("  material:      \(p.material.isEmpty ? "(unknown)" : p.material)")
            out.append("  mu:            \(num(p.mu)) mm⁻¹")
            out.append("  gain:          \(num(p.gain))")
            out.append("  pedestal:      \(num(p.pedestal))")
            out.append("  fast axis:     \(vec(p.fastAxis))")
            out.append("  slow axis:     \(vec(p.slowAxis))")
            out.append("  origin:        \(vec(p.origin)) mm")
            out.append("  distance:      \(num(p.distance)) mm")
            out.append("  pixel to millimetre strategy: \(p.pxMmStrategy.rawValue)")
            if p.pxMmStrategy == .parallaxCorrected {
                out.append("    mu: \(num(p.mu)) mm⁻¹")
                out.append("    t0: \(num(p.thickness)) mm")
            }
            if !p.mask.isEmpty {
                out.append("  masked rectangles (fast0, slow0, fast1, slow1): "
                           + p.mask.map { "(\($0.x0),\($0.y0),\($0.x1),\($0.y1))" }.joined(separator: " "))
            }
        }
        out.append("")
        out.append("Max resolution (at corners): \(fixed(maxResolutionAtCorners(e.detector, s0: s0), 6)) Å")
        if e.detector.count == 1, let d = inscribedResolution(e.detector[0], s0: s0) {
            out.append("Max resolution (inscribed):  \(fixed(d, 6)) Å")
        }
        out.append("")
        return out
    }

    func beam(_ b: Beam, detector: Detector) -> [String] {
        var out = [
            "Beam:",
            "    wavelength: \(num(b.wavelength)) Å (\(fixed(b.energyEV / 1000, 4)) keV)",
            "    sample to source direction: \(vec(b.direction))",
            "    s0: \(vec(b.s0, digits: 6)) Å⁻¹",
            "    divergence: \(num(b.divergence))°",
            "    sigma divergence: \(num(b.sigmaDivergence))°",
            "    polarization normal: \(vec(b.polarizationNormal))",
            "    polarization fraction: \(num(b.polarizationFraction))",
            "    flux: \(num(b.flux)) photons/s",
            "    transmission: \(num(b.transmission))",
            "",
        ]
        if let (panel, mm) = detector.beamCentre(s0: b.s0) {
            let px = detector[panel].pixel(fromMillimetre: mm)
            out.append(detector.count == 1 ? "Beam centre:" : "Beam centre (panel \(panel)):")
            out.append("    mm: (\(fixed(mm.x, 2)),\(fixed(mm.y, 2)))")
            out.append("    px: (\(fixed(px.x, 2)),\(fixed(px.y, 2)))")
        } else {
            out.append("Beam centre: the direct beam does not meet the detector plane")
        }
        out.append("")
        return out
    }

    func scan(_ s: Scan) -> [String] {
        var out = [
            "Scan:",
            "    number of images:   \(s.numberOfImages)",
            "    image range:   \(s.imageRange.lowerBound) to \(s.imageRange.upperBound)",
            "    oscillation:   start \(num(s.oscillationStartDegrees))°, width \(num(s.oscillationWidthDegrees))° per image",
            "    angular range: \(num(s.oscillationStartDegrees)) to \(num(s.startAngleDegrees(ofImage: s.imageRange.upperBound + 1)))°",
        ]
        if let t = s.exposureTimes.first {
            let uniform = s.exposureTimes.allSatisfy { $0 == t }
            out.append("    exposure time: \(num(t)) s\(uniform ? "" : " (first image; varies)")")
        }
        if s.batchOffset != 0 { out.append("    batch offset:  \(s.batchOffset)") }
        out.append("")
        return out
    }

    func goniometer(_ g: Goniometer) -> [String] {
        var out = [
            "Goniometer:",
            "    Rotation axis:   \(vec(g.rotationAxis))",
            "    Fixed rotation:  \(mat(g.fixedRotation))",
            "    Setting rotation:\(mat(g.settingRotation))",
        ]
        if !g.axes.isEmpty {
            out.append("    Axes (scan axis marked *):")
            for (i, a) in g.axes.enumerated() {
                out.append("      \(i == g.scanAxisIndex ? "*" : " ") \(a.name.isEmpty ? "axis \(i)" : a.name): \(vec(a.vector)) at \(num(a.angleDegrees))°")
            }
        }
        out.append("")
        return out
    }

    func crystal(_ c: Crystal, scan: Scan?) -> [String] {
        let p = c.cellParameters
        let b = bMatrix(c)
        let u = c.A * (b.inverse ?? .identity)
        var out = [
            "Crystal:",
            "    Unit cell: a = \(fixed(p.a, 3)) Å, b = \(fixed(p.b, 3)) Å, c = \(fixed(p.c, 3)) Å, "
                + "α = \(fixed(p.alpha, 3))°, β = \(fixed(p.beta, 3))°, γ = \(fixed(p.gamma, 3))°",
            "    Cell volume: \(fixed(c.volume, 1)) Å³",
            "    Space group: \(spaceGroupName(hall: c.spaceGroupHall))",
        ]
        out += matrixBlock("U matrix:  ", u)
        out += matrixBlock("B matrix:  ", b)
        out += matrixBlock("A = UB:    ", c.A)
        if let m = c.mosaicityDegrees { out.append("    Mosaicity: \(fixed(m, 6))°") }
        if let h = c.mlHalfMosaicityDegrees { out.append("    ML half mosaicity: \(fixed(h, 6))°") }
        if let d = c.mlDomainSizeAngstrom { out.append("    ML domain size: \(fixed(d, 2)) Å") }
        if !c.aAtScanPoints.isEmpty {
            out.append("    A sampled at \(c.aAtScanPoints.count) scan points")
            if scanVarying {
                // Scan point k sits at the start of image first + k (the last one at the end of the scan).
                out.append("    Cell at scan points (image, a, b, c, α, β, γ):")
                for (k, a) in c.aAtScanPoints.enumerated() {
                    guard let x = Crystal(A: a, spaceGroupHall: c.spaceGroupHall)?.cellParameters else { continue }
                    let image = (scan?.imageRange.lowerBound ?? 1) + k
                    out.append(String(format: "      %5d  %8.3f %8.3f %8.3f  %7.3f %7.3f %7.3f", image, x.a, x.b, x.c, x.alpha, x.beta, x.gamma))
                }
            }
        }
        return out
    }

    /// "P 4 21 2 (No. 90, Hall ' P 4ab 2ab')" from CCP4's syminfo.lib, matched on
    /// the Hall symbol alone (a Hall symbol can read as a different
    /// Hermann–Mauguin one: " P 2" is P 1 1 2, not P 1 2 1); the Hall symbol
    /// by itself when the table is not installed or lacks it.
    func spaceGroupName(hall: String) -> String {
        func words(_ s: String) -> [Substring] { s.split(separator: " ") }
        if let table = try? SpaceGroupTable.shared(),
           let g = table.groups.first(where: { words($0.hall) == words(hall) }) {
            return "\(g.xHM) (No. \(g.number), Hall '\(hall)')"
        }
        return "Hall '\(hall)'"
    }

    // MARK: geometry helpers

    /// dxtbx `Detector::get_max_resolution`: the smallest d over every panel's four corners.
    func maxResolutionAtCorners(_ d: Detector, s0: Vec3) -> Double {
        var best = Double.infinity
        for p in d.panels {
            let w = Double(p.imageSize.fast), h = Double(p.imageSize.slow)
            for (x, y) in [(0.0, 0.0), (0, h), (w, 0), (w, h)] {
                best = min(best, p.resolution(atPixel: (x, y), s0: s0))
            }
        }
        return best
    }

    /// dxtbx `Panel::get_max_resolution_ellipse`: the largest d among the four
    /// points where a cross-hair through the beam centre meets the panel edges
    /// (the resolution of the largest full circle on a single panel).
    func inscribedResolution(_ p: Panel, s0: Vec3) -> Double? {
        guard let mm = p.rayIntersection(s0) else { return nil }
        let c = p.pixel(fromMillimetre: mm)
        let w = Double(p.imageSize.fast), h = Double(p.imageSize.slow)
        return [(0, c.y), (w, c.y), (c.x, 0), (c.x, h)].map { p.resolution(atPixel: $0, s0: s0) }.max()
    }

    /// B in dxtbx's convention: the transpose of the fractionalisation matrix
    /// of the cell, with the orthogonal frame a ∥ x, b in the xy plane
    /// (Busing & Levy 1967; cctbx `unit_cell.fractionalization_matrix`).
    func bMatrix(_ c: Crystal) -> Mat3 {
        let p = c.cellParameters
        let (ca, cb, cg) = (cos(radians(p.alpha)), cos(radians(p.beta)), cos(radians(p.gamma)))
        let sg = sin(radians(p.gamma))
        let v = c.volume
        let orthogonalisation = Mat3(p.a, p.b * cg, p.c * cb,
                                     0, p.b * sg, p.c * (ca - cb * cg) / sg,
                                     0, 0, v / (p.a * p.b * sg))
        return (orthogonalisation.inverse ?? .identity).transposed
    }

    // MARK: number layout

    func num(_ x: Double) -> String { String(format: "%g", x) }
    func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    func vec(_ v: Vec3, digits: Int? = nil) -> String {
        let f = digits.map { d in { (x: Double) in String(format: "%.\(d)g", x) } } ?? num
        return "{\(f(v.x + 0)),\(f(v.y + 0)),\(f(v.z + 0))}"
    }
    func mat(_ m: Mat3) -> String { "{" + m.elements.map(num).joined(separator: ",") + "}" }

    func matrixBlock(_ label: String, _ m: Mat3) -> [String] {
        let rows = (0..<3).map { r in
            "{" + (0..<3).map { c in String(format: "%7.4f", m[r, c]) }.joined(separator: ", ") + "}"
        }
        let pad = String(repeating: " ", count: 4 + label.count)
        return ["    \(label){\(rows[0]),", "\(pad) \(rows[1]),", "\(pad) \(rows[2])}"]
    }
}
