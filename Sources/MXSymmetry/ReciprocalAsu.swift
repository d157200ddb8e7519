// ReciprocalAsu: CCP4's reciprocal-space asymmetric units, one per Laue class.

/// The reciprocal asymmetric unit of a Laue class in CCP4's convention
/// (the `hklasu ccp4` rules of syminfo.lib, which csymlib's ASU functions
/// implement). Rules are stated for the reference setting; `SpaceGroup`
/// applies its change of basis first.
public enum ReciprocalAsu: String, Sendable, CaseIterable {
    /// −1: l>0 or (l=0 and (h>0 or (h=0 and k≥0)))
    case triclinic = "l>0 or (l==0 and (h>0 or (h==0 and k>=0)))"
    /// 2/m (b unique): k≥0 and (l>0 or (l=0 and h≥0))
    case monoclinic = "k>=0 and (l>0 or (l=0 and h>=0))"
    /// mmm: h, k, l ≥ 0
    case orthorhombic = "h>=0 and k>=0 and l>=0"
    /// 4/m and 6/m: l≥0 and ((h≥0 and k>0) or h=k=0)
    case tetragonalOrHexagonalLow = "l>=0 and ((h>=0 and k>0) or (h=0 and k=0))"
    /// 4/mmm and 6/mmm: h≥k≥0, l≥0
    case tetragonalOrHexagonalHigh = "h>=k and k>=0 and l>=0"
    /// −3 (hexagonal axes; also the rhombohedral setting after its basis change)
    case trigonalLow = "(h>=0 and k>0) or (h=0 and k=0 and l>=0)"
    /// −31m: h≥k≥0 and (k>0 or l≥0)
    case trigonal31m = "h>=k and k>=0 and (k>0 or l>=0)"
    /// −3m1 (and −3m in the hexagonal setting of R): h≥k≥0 and (h>k or l≥0)
    case trigonal3m1 = "h>=k and k>=0 and (h>k or l>=0)"
    /// m−3: h≥0 and ((l≥h and k>h) or (l=h and k=h))
    case cubicLow = "h>=0 and ((l>=h and k>h) or (l=h and k=h))"
    /// m−3m: k≥l≥h≥0
    case cubicHigh = "k>=l and l>=h and h>=0"

    /// The rule whose syminfo text is `ccp4Rule` (spaces ignored); nil if unknown.
    public init?(ccp4Rule: String) {
        let squeeze = { (s: String) in s.filter { $0 != " " } }
        guard let match = Self.allCases.first(where: { squeeze($0.rawValue) == squeeze(ccp4Rule) }) else { return nil }
        self = match
    }

    /// Whether `m` (in the reference setting) lies in this asymmetric unit.
    @inlinable public func contains(_ m: Miller) -> Bool {
        let h = m.h, k = m.k, l = m.l
        switch self {
        case .triclinic: return l > 0 || (l == 0 && (h > 0 || (h == 0 && k >= 0)))
        case .monoclinic: return k >= 0 && (l > 0 || (l == 0 && h >= 0))
        case .orthorhombic: return h >= 0 && k >= 0 && l >= 0
        case .tetragonalOrHexagonalLow: return l >= 0 && ((h >= 0 && k > 0) || (h == 0 && k == 0))
        case .tetragonalOrHexagonalHigh: return h >= k && k >= 0 && l >= 0
        case .trigonalLow: return (h >= 0 && k > 0) || (h == 0 && k == 0 && l >= 0)
        case .trigonal31m: return h >= k && k >= 0 && (k > 0 || l >= 0)
        case .trigonal3m1: return h >= k && k >= 0 && (h > k || l >= 0)
        case .cubicLow: return h >= 0 && ((l >= h && k > h) || (l == h && k == h))
        case .cubicHigh: return k >= l && l >= h && h >= 0
        }
    }
}
