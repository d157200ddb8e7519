// AtomModel: a random protein-like set of atoms in the asymmetric unit, and
// the structure factors it gives in a space group.
import Dispatch
import MXMath
#if canImport(Glibc)
import Glibc
#endif

/// Randomly placed atoms of protein composition (by number: C 63%, N 17%,
/// O 19%, S 1%; roughly that of an average protein) plus optional anomalous
/// scatterers. Uniformly random positions give Wilson statistics: for many
/// atoms F is a sum of random phasors, so acentric |F|² is exponentially
/// distributed about Σ f² (Wilson 1949).
public struct AtomModel: Sendable {
    public struct Atom: Sendable {
        public var element: String
        public var fractional: Vec3
    }
    public var atoms: [Atom]
    /// Isotropic B applied to every atom, Å².
    public var bFactor: Double
    /// f′ and f″ of the anomalous element (electrons), applied to atoms of
    /// that element only.
    public var anomalousElement: String?
    public var fPrime: Double
    public var fDoublePrime: Double

    /// Atoms per ASU for a protein crystal of 50% solvent: protein occupies
    /// about 1.23 Å³/Da (Matthews 1968), and an average non-H atom ≈ 14 Da,
    /// so ≈ 17 Å³ per atom.
    public static func proteinAtomCount(cellVolume: Double, operations: Int) -> Int {
        max(10, Int(0.5 * cellVolume / Double(operations) / 17.2))
    }

    /// A random model from `rng`.
    public static func random(count: Int, anomalousElement: String?, anomalousCount: Int,
                              fPrime: Double, fDoublePrime: Double, bFactor: Double,
                              rng: inout RandomSource) -> AtomModel {
        var atoms: [Atom] = []
        atoms.reserveCapacity(count + anomalousCount)
        for _ in 0..<count {
            let u = rng.uniform()
            let el = u < 0.63 ? "C" : (u < 0.80 ? "N" : (u < 0.99 ? "O" : "S"))
            atoms.append(Atom(element: el, fractional: Vec3(rng.uniform(), rng.uniform(), rng.uniform())))
        }
        if let e = anomalousElement {
            for _ in 0..<anomalousCount {
                atoms.append(Atom(element: e, fractional: Vec3(rng.uniform(), rng.uniform(), rng.uniform())))
            }
        }
        return AtomModel(atoms: atoms, bFactor: bFactor, anomalousElement: anomalousElement,
                         fPrime: fPrime, fDoublePrime: fDoublePrime)
    }

    /// Σ over the unit cell of f² at s² (the Wilson expectation of |F|² for
    /// acentric reflections, before the B factor), with `nOps` copies per atom.
    public func sumFSquared(s2: Double, nOps: Int) -> Double {
        var sum = 0.0
        for a in atoms {
            var f = FormFactor.table[a.element]!.value(s2: s2)
            if a.element == anomalousElement { f += fPrime }
            sum += f * f
        }
        return sum * Double(nOps)
    }

    /// Structure factors F(h) and F(−h) for each h, over all symmetry copies:
    /// F(h) = Σⱼ Σ_ops fⱼ exp(−B s²) exp(2πi h·(R xⱼ + t)), with
    /// fⱼ = f₀ + f′ + i f″ for anomalous atoms, so |F(h)| ≠ |F(−h)| when
    /// f″ ≠ 0. `reciprocalMetric` turns h into s² = hᵀG*h / 4.
    public func structureFactors(_ hkl: [(Int, Int, Int)], group: SimulationSpaceGroup,
                                 s2: [Double], threads: Int) -> (plus: [Double], minus: [Double]) {
        let n = hkl.count
        var plus = [Double](repeating: 0, count: n), minus = [Double](repeating: 0, count: n)
        // Symmetry copies of each atom, fractional, grouped by element.
        let elements = Array(Set(atoms.map(\.element))).sorted()
        var copies: [[Vec3]] = elements.map { _ in [] }
        for a in atoms {
            let e = elements.firstIndex(of: a.element)!
            for op in group.operations {
                let r = op.r, x = a.fractional
                copies[e].append(Vec3(Double(r[0]) * x.x + Double(r[1]) * x.y + Double(r[2]) * x.z + op.t.x,
                                      Double(r[3]) * x.x + Double(r[4]) * x.y + Double(r[5]) * x.z + op.t.y,
                                      Double(r[6]) * x.x + Double(r[7]) * x.y + Double(r[8]) * x.z + op.t.z))
            }
        }
        let tables = elements.map { FormFactor.table[$0]! }
        let anomalousIndex = anomalousElement.flatMap { elements.firstIndex(of: $0) }
        let chunk = 64
        let chunks = (n + chunk - 1) / chunk
        plus.withUnsafeMutableBufferPointer { pp in
            minus.withUnsafeMutableBufferPointer { mp in
                let pPtr = pp.baseAddress!, mPtr = mp.baseAddress!
                let next = AtomicCounter()
                DispatchQueue.concurrentPerform(iterations: max(1, min(threads, chunks))) { _ in
                    while true {
                        let c = next.increment()
                        if c >= chunks { break }
                        for i in (c * chunk)..<min(n, (c + 1) * chunk) {
                            let h = hkl[i]
                            let hx = 2 * Double.pi * Double(h.0), hy = 2 * Double.pi * Double(h.1)
                            let hz = 2 * Double.pi * Double(h.2)
                            let debyeWaller = exp(-bFactor * s2[i])
                            // Σ f e^{iθ} split into normal (real f) and anomalous (f″) parts.
                            var ar = 0.0, ai = 0.0, br = 0.0, bi = 0.0
                            for (e, xs) in copies.enumerated() {
                                var f = tables[e].value(s2: s2[i])
                                if e == anomalousIndex { f += fPrime }
                                var cr = 0.0, ci = 0.0
                                for x in xs {
                                    let th = hx * x.x + hy * x.y + hz * x.z
                                    cr += cos(th); ci += sin(th)
                                }
                                ar += f * cr; ai += f * ci
                                if e == anomalousIndex { br += fDoublePrime * cr; bi += fDoublePrime * ci }
                            }
                            // F(h) = A + iB; F(−h) = conj(A) + i conj(B), A = Σ f e^{iθ}, B = Σ f″ e^{iθ}.
                            let fpR = ar - bi, fpI = ai + br
                            let fmR = ar + bi, fmI = -ai + br
                            pPtr[i] = (fpR * fpR + fpI * fpI) * debyeWaller * debyeWaller
                            mPtr[i] = (fmR * fmR + fmI * fmI) * debyeWaller * debyeWaller
                        }
                    }
                }
            }
        }
        return (plus, minus)
    }
}

/// A shared counter handing out work items to threads.
final class AtomicCounter: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var value = 0
    func increment() -> Int { lock.wait(); defer { lock.signal() }; let v = value; value += 1; return v }
}
