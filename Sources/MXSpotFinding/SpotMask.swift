// SpotMask: the static pixel mask spot finding uses: trusted pixels, resolution range, ice rings.
import MXMath
import MXModel

/// Resolution shells of hexagonal ice (DIALS `ice_rings` defaults: cell
/// 4.498 4.498 7.338 90 90 120, space group P6₃/mmc), each ±width/2 in 1/d²,
/// for d ≥ `dMin`. Returned as (low, high) bounds on 1/d² (Å⁻²), merged where
/// they overlap.
public func iceRingShells(dMin: Double, width: Double = 0.002) -> [(low: Double, high: Double)] {
    let a = 4.498, c = 7.338
    let maxInvD2 = 1 / (dMin * dMin)
    let hMax = Int((a * (maxInvD2).squareRoot()).rounded(.up)) + 1
    let lMax = Int((c * (maxInvD2).squareRoot()).rounded(.up)) + 1
    var values = Set<Int64>()
    for h in -hMax...hMax { for k in -hMax...hMax { for l in 0...lMax {
        if h == 0 && k == 0 && l == 0 { continue }
        // P6₃/mmc reflection condition (ITA vol. A): hh(−2h)l and its
        // equivalents need l even.
        let hhType = h == k || k == -2 * h || h == -2 * k
        if hhType && l % 2 != 0 { continue }
        // Hexagonal metric: 1/d² = 4(h² + hk + k²)/(3a²) + l²/c².
        let s = 4.0 * Double(h * h + h * k + k * k) / (3 * a * a) + Double(l * l) / (c * c)
        if s <= maxInvD2 { values.insert(Int64((s * 1e9).rounded())) }
    } } }
    let centres = values.sorted().map { Double($0) / 1e9 }
    var shells: [(low: Double, high: Double)] = []
    for s in centres {
        let lo = s - width / 2, hi = s + width / 2
        if let last = shells.last, lo <= last.high { shells[shells.count - 1].high = max(last.high, hi) } else {
            shells.append((lo, hi))
        }
    }
    return shells
}

/// The static mask over the raw image (1 = usable): the reader's trusted
/// mask, restricted to the panels' areas, the resolution range and outside
/// ice rings when asked. Per-frame checks (trusted value range) come later.
public func spotFindingMask(trustedMask: [UInt8], rawSize: (width: Int, height: Int), detector: Detector,
                            beam: Beam, parameters p: SpotFindingParameters) -> [UInt8] {
    var mask = [UInt8](repeating: 0, count: rawSize.width * rawSize.height)
    let useTrusted = trustedMask.count == mask.count
    let s0 = beam.s0
    let needResolution = p.dMin != nil || p.dMax != nil || p.filterIceRings
    let maxInvD2 = p.dMin.map { 1 / ($0 * $0) } ?? .infinity
    let minInvD2 = p.dMax.map { 1 / ($0 * $0) } ?? 0
    let rings = p.filterIceRings ? iceRingShells(dMin: max(0.5, detector.maxResolution(s0: s0) * 0.9),
                                                 width: p.iceRingWidth) : []
    for panel in detector.panels {
        let (ox, oy) = panel.rawImageOffset
        let (w, h) = panel.imageSize
        for y in 0..<h {
            let ry = oy + y
            guard ry >= 0 && ry < rawSize.height else { continue }
            for x in 0..<w {
                let rx = ox + x
                guard rx >= 0 && rx < rawSize.width else { continue }
                let k = ry * rawSize.width + rx
                if useTrusted && trustedMask[k] == 0 { continue }
                if needResolution {
                    let d = panel.resolution(atPixel: (Double(x) + 0.5, Double(y) + 0.5), s0: s0)
                    let invD2 = d.isFinite ? 1 / (d * d) : 0
                    if invD2 > maxInvD2 || invD2 < minInvD2 { continue }
                    if rings.contains(where: { invD2 >= $0.low && invD2 <= $0.high }) { continue }
                }
                mask[k] = 1
            }
        }
    }
    return mask
}
