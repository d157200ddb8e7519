// SimulationSpec: the parameters of a synthetic sweep, read from JSON plus
// key=value overrides, validated field by field before anything is written.
import Foundation
import MXMath

/// One spec value: a number, text, a switch, a list of numbers, or null
/// ("decide from the rest", e.g. a random orientation).
public enum SpecValue: Equatable, Sendable {
    case number(Double), text(String), flag(Bool), list([Double]), null
}

/// Every parameter of a simulation. Values live in one table keyed by the
/// spec's field names, so that the truth file can repeat them all; typed
/// accessors below read them.
public struct SimulationSpec: Equatable, Sendable {
    /// What a field may hold; `nullable` fields accept null.
    enum Kind: Sendable {
        case int(min: Int), number(min: Double, max: Double), text([String]?), flag, list(count: Int)
    }
    struct Field: Sendable {
        let name: String, kind: Kind, nullable: Bool, defaultValue: SpecValue, help: String
    }

    /// The spec's fields, defaults and help (`mxflow simulate --show-config`).
    static let fields: [Field] = [
        Field(name: "name", kind: .text(nil), nullable: false, defaultValue: .text("sim"), help: "file name stem"),
        Field(name: "seed", kind: .int(min: 0), nullable: false, defaultValue: .number(1), help: "random seed; same spec and seed give identical files"),
        Field(name: "format", kind: .text(["nxmx", "cbf"]), nullable: false, defaultValue: .text("nxmx"), help: "NeXus/NXmx master+data or Pilatus mini-CBF"),
        Field(name: "space_group", kind: .text(nil), nullable: false, defaultValue: .text("P212121"), help: "space group symbol or number"),
        Field(name: "unit_cell", kind: .list(count: 6), nullable: false, defaultValue: .list([50, 60, 70, 90, 90, 90]), help: "a, b, c (Å), α, β, γ (°)"),
        Field(name: "orientation_u", kind: .list(count: 9), nullable: true, defaultValue: .null, help: "U matrix row-major; null: random from the seed"),
        Field(name: "wavelength", kind: .number(min: 0.1, max: 5), nullable: false, defaultValue: .number(0.9763), help: "Å"),
        Field(name: "distance_mm", kind: .number(min: 10, max: 2000), nullable: false, defaultValue: .number(100), help: "sample to detector, mm"),
        Field(name: "detector_size_px", kind: .list(count: 2), nullable: false, defaultValue: .list([512, 512]), help: "pixels fast, slow"),
        Field(name: "pixel_size_mm", kind: .number(min: 0.005, max: 2), nullable: false, defaultValue: .number(0.075), help: "square pixels, mm"),
        Field(name: "module_size_px", kind: .list(count: 2), nullable: true, defaultValue: .null, help: "Eiger-style module size fast, slow; null: no gaps"),
        Field(name: "module_gap_px", kind: .list(count: 2), nullable: false, defaultValue: .list([10, 38]), help: "gap between modules fast, slow"),
        Field(name: "beam_centre_px", kind: .list(count: 2), nullable: true, defaultValue: .null, help: "true beam centre; null: detector centre"),
        Field(name: "header_beam_offset_mm", kind: .list(count: 2), nullable: false, defaultValue: .list([0, 0]), help: "header centre minus true centre, mm"),
        Field(name: "saturation", kind: .int(min: 1), nullable: false, defaultValue: .number(1_000_000), help: "counts at which pixels saturate"),
        Field(name: "sensor_thickness_mm", kind: .number(min: 0, max: 5), nullable: false, defaultValue: .number(0.45), help: "recorded in the header only"),
        Field(name: "rotation_axis", kind: .list(count: 3), nullable: false, defaultValue: .list([1, 0, 0]), help: "lab frame"),
        Field(name: "start_angle_deg", kind: .number(min: -3600, max: 3600), nullable: false, defaultValue: .number(0), help: "φ at the start of image 1"),
        Field(name: "osc_width_deg", kind: .number(min: 0.001, max: 10), nullable: false, defaultValue: .number(1), help: "rotation per image"),
        Field(name: "n_images", kind: .int(min: 1), nullable: false, defaultValue: .number(30), help: "frames in the sweep"),
        Field(name: "exposure_time_s", kind: .number(min: 1e-6, max: 1e4), nullable: false, defaultValue: .number(0.1), help: "per frame"),
        Field(name: "d_min", kind: .number(min: 0.3, max: 100), nullable: true, defaultValue: .null, help: "Å; null: the detector corner"),
        Field(name: "atoms_per_asu", kind: .int(min: 1), nullable: true, defaultValue: .null, help: "null: protein-like from the cell volume (50% solvent)"),
        Field(name: "wilson_b", kind: .number(min: 0, max: 300), nullable: false, defaultValue: .number(20), help: "overall B, Å²"),
        Field(name: "anomalous_element", kind: .text(["S", "Se", "Zn"]), nullable: true, defaultValue: .null, help: "anomalous scatterer; null: none"),
        Field(name: "anomalous_atoms", kind: .int(min: 0), nullable: false, defaultValue: .number(0), help: "anomalous atoms per ASU"),
        Field(name: "anomalous_fp", kind: .number(min: -30, max: 30), nullable: false, defaultValue: .number(-8), help: "f′, electrons"),
        Field(name: "anomalous_fdp", kind: .number(min: 0, max: 30), nullable: false, defaultValue: .number(4.5), help: "f″, electrons"),
        Field(name: "mosaicity_deg", kind: .number(min: 0.001, max: 5), nullable: false, defaultValue: .number(0.1), help: "σ of the rocking curve (DIALS sigma_m)"),
        Field(name: "beam_divergence_deg", kind: .number(min: 0, max: 2), nullable: false, defaultValue: .number(0.02), help: "σ of the spot on the detector (DIALS sigma_b)"),
        Field(name: "psf_px", kind: .number(min: 0, max: 10), nullable: false, defaultValue: .number(0.5), help: "σ of the detector point spread, pixels"),
        Field(name: "polarization_fraction", kind: .number(min: 0, max: 1), nullable: false, defaultValue: .number(0.999), help: "fraction polarised in the horizontal plane"),
        Field(name: "lorentz", kind: .flag, nullable: false, defaultValue: .flag(true), help: "apply the Lorentz factor"),
        Field(name: "polarisation", kind: .flag, nullable: false, defaultValue: .flag(true), help: "apply polarisation"),
        Field(name: "partiality", kind: .flag, nullable: false, defaultValue: .flag(true), help: "split spots across frames by their rocking curve"),
        Field(name: "noise", kind: .flag, nullable: false, defaultValue: .flag(true), help: "Poisson noise"),
        Field(name: "intensity_scale", kind: .number(min: 0, max: 1e9), nullable: false, defaultValue: .number(3000), help: "photons of a reflection with I = 1 (mean I at 4–5 Å)"),
        Field(name: "flux_drift", kind: .number(min: 0, max: 0.9), nullable: false, defaultValue: .number(0.03), help: "relative amplitude of the beam-flux drift"),
        Field(name: "flux_period_deg", kind: .number(min: 1, max: 36000), nullable: false, defaultValue: .number(60), help: "period of the drift"),
        Field(name: "decay_b", kind: .number(min: 0, max: 200), nullable: false, defaultValue: .number(0), help: "B rise over the sweep (radiation damage), Å²"),
        Field(name: "decay_scale", kind: .number(min: 0, max: 0.9), nullable: false, defaultValue: .number(0), help: "fractional scale loss over the sweep"),
        Field(name: "absorption", kind: .number(min: 0, max: 0.9), nullable: false, defaultValue: .number(0.04), help: "amplitude of smooth absorption vs φ"),
        Field(name: "background_constant", kind: .number(min: 0, max: 1e6), nullable: false, defaultValue: .number(1), help: "counts per pixel"),
        Field(name: "background_water", kind: .number(min: 0, max: 1e6), nullable: false, defaultValue: .number(3), help: "water-ring peak, counts per pixel"),
        Field(name: "ice_rings", kind: .number(min: 0, max: 1e6), nullable: false, defaultValue: .number(0), help: "ice-ring peak at 3.90/3.67/3.44 Å, counts per pixel"),
        Field(name: "hot_pixels", kind: .int(min: 0), nullable: false, defaultValue: .number(4), help: "pixels stuck at high counts"),
        Field(name: "dead_pixels", kind: .int(min: 0), nullable: false, defaultValue: .number(4), help: "pixels reading nothing (masked)"),
        Field(name: "second_lattice_fraction", kind: .number(min: 0, max: 10), nullable: false, defaultValue: .number(0), help: "relative strength of a second lattice; 0: none"),
        Field(name: "second_lattice_rotation_deg", kind: .number(min: -360, max: 360), nullable: false, defaultValue: .number(5), help: "its rotation from the first about a random axis"),
        Field(name: "nproc", kind: .int(min: 1), nullable: false, defaultValue: .number(2), help: "threads (does not change the output)"),
    ]

    /// Field values, every field present.
    public private(set) var values: [String: SpecValue]

    /// The defaults.
    public init() {
        values = Dictionary(uniqueKeysWithValues: Self.fields.map { ($0.name, $0.defaultValue) })
    }

    /// The spec in a JSON file (absent fields take defaults), then overrides.
    public static func load(path: String?, overrides: [String] = []) throws -> SimulationSpec {
        var spec = SimulationSpec()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SimulationError.unreadableSpec(path: path, reason: "no such file")
            }
            try spec.merge(json: data, source: path)
        }
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw SimulationError.unreadableSpec(path: o, reason: "overrides are written key=value")
            }
            try spec.set(String(o[..<eq]), text: String(o[o.index(after: eq)...]))
        }
        try spec.validate()
        return spec
    }

    /// Merges the fields of a JSON object.
    public mutating func merge(json data: Data, source: String = "spec") throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SimulationError.unreadableSpec(path: source, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else {
            throw SimulationError.unreadableSpec(path: source, reason: "the top level must be a JSON object")
        }
        for key in dict.keys.sorted() { try set(key, json: dict[key]!) }
    }

    static func field(_ key: String) throws -> Field {
        if let f = fields.first(where: { $0.name == key }) { return f }
        let near = fields.map { ($0.name, editDistance(key, $0.name)) }.min { $0.1 < $1.1 }
        throw SimulationError.unknownKey(key, suggestion: near.flatMap { $0.1 <= max(2, key.count / 3) ? $0.0 : nil })
    }

    /// Sets a field from a JSON value.
    public mutating func set(_ key: String, json: Any) throws {
        let f = try Self.field(key)
        let bad = { (r: String) in SimulationError.invalidField(key, reason: r) }
        if json is NSNull { guard f.nullable else { throw bad("may not be null") }; values[key] = .null; return }
        switch f.kind {
        case .int, .number:
            guard let n = json as? NSNumber, !(json is Bool) || isLinuxNumber(n) else { throw bad("must be a number") }
            values[key] = .number(n.doubleValue)
        case .text:
            guard let s = json as? String else { throw bad("must be text") }
            values[key] = .text(s)
        case .flag:
            guard let b = json as? Bool else { throw bad("must be true or false") }
            values[key] = .flag(b)
        case .list:
            guard let a = json as? [Any], a.allSatisfy({ $0 is NSNumber }) else { throw bad("must be a list of numbers") }
            values[key] = .list(a.map { ($0 as! NSNumber).doubleValue })
        }
    }

    // On Linux every JSON number bridges to Bool too; a number is a number.
    private func isLinuxNumber(_ n: NSNumber) -> Bool {
        #if os(Linux)
        return true
        #else
        return false
        #endif
    }

    /// Sets a field from command-line text (`unit_cell=50,60,70,90,90,90`).
    public mutating func set(_ key: String, text: String) throws {
        let f = try Self.field(key)
        let bad = { (r: String) in SimulationError.invalidField(key, reason: r) }
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased() == "null" || t.lowercased() == "none" {
            guard f.nullable else { throw bad("may not be null") }
            values[key] = .null; return
        }
        switch f.kind {
        case .int, .number:
            guard let v = Double(t) else { throw bad("must be a number, got '\(t)'") }
            values[key] = .number(v)
        case .text: values[key] = .text(t)
        case .flag:
            switch t.lowercased() {
            case "true", "yes", "1", "on": values[key] = .flag(true)
            case "false", "no", "0", "off": values[key] = .flag(false)
            default: throw bad("must be true or false, got '\(t)'")
            }
        case .list:
            let parts = t.split(whereSeparator: { $0 == "," || $0 == " " }).map { Double($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { throw bad("must be numbers separated by commas, got '\(t)'") }
            values[key] = .list(parts.map { $0! })
        }
    }

    /// Checks every field's range and the combinations (cell, space group).
    public func validate() throws {
        for f in Self.fields {
            let v = values[f.name]!
            let bad = { (r: String) in SimulationError.invalidField(f.name, reason: r) }
            if v == .null { continue }
            switch (f.kind, v) {
            case (.int(let lo), .number(let x)):
                guard x == x.rounded() else { throw bad("must be a whole number, got \(x)") }
                guard x >= Double(lo) else { throw bad("must be ≥ \(lo), got \(Int(x))") }
            case (.number(let lo, let hi), .number(let x)):
                guard x.isFinite, x >= lo, x <= hi else { throw bad("must lie in [\(lo), \(hi)], got \(x)") }
            case (.text(let choices), .text(let s)):
                guard !s.isEmpty else { throw bad("must not be empty") }
                if let choices, !choices.contains(s) { throw bad("must be one of \(choices.joined(separator: ", ")), got '\(s)'") }
            case (.list(let n), .list(let a)):
                guard a.count == n else { throw bad("must have \(n) numbers, got \(a.count)") }
                guard a.allSatisfy({ $0.isFinite }) else { throw bad("must be finite numbers") }
            case (.flag, .flag): break
            default: throw bad("has the wrong type")
            }
        }
        if name.contains("/") || name.hasPrefix(".") { throw SimulationError.invalidField("name", reason: "must be a plain file name stem") }
        let c = unitCell
        guard c[0] > 2, c[1] > 2, c[2] > 2, c[0] < 2000, c[1] < 2000, c[2] < 2000 else {
            throw SimulationError.invalidField("unit_cell", reason: "lengths must lie in (2, 2000) Å, got \(c[0]), \(c[1]), \(c[2])")
        }
        let (al, be, ga) = (c[3], c[4], c[5])
        guard [al, be, ga].allSatisfy({ $0 > 0 && $0 < 180 }), al + be + ga < 360,
              al < be + ga, be < al + ga, ga < al + be else {
            throw SimulationError.invalidField("unit_cell", reason: "angles \(al), \(be), \(ga)° do not make a cell (each in (0,180), sum < 360, each less than the sum of the others)")
        }
        let size = detectorSize
        guard size.fast >= 8, size.slow >= 8, size.fast <= 10000, size.slow <= 10000,
              Double(size.fast) == detectorSizeList[0], Double(size.slow) == detectorSizeList[1] else {
            throw SimulationError.invalidField("detector_size_px", reason: "must be two whole numbers in [8, 10000]")
        }
        if format == "cbf" {
            // dxtbx reads mini-CBF as a Pilatus: whole 487 × 195 modules with 7- and 17-pixel gaps.
            let okFast = (size.fast + 7) % 494 == 0, okSlow = (size.slow + 17) % 212 == 0
            guard okFast, okSlow else {
                throw SimulationError.invalidField("detector_size_px", reason: "must be Pilatus-shaped for format cbf: n×487+(n−1)×7 by m×195+(m−1)×17 pixels (e.g. 487,407 or 981,1043), got \(size.fast),\(size.slow)")
            }
        }
        if let m = moduleSize {
            guard m.fast >= 4, m.slow >= 4 else { throw SimulationError.invalidField("module_size_px", reason: "must be at least 4 × 4 pixels") }
            guard gap.fast >= 0, gap.slow >= 0 else { throw SimulationError.invalidField("module_gap_px", reason: "must not be negative") }
        }
        if let u = orientationU {
            let m = Mat3(u)
            guard (m * m.transposed).maxAbsDifference(.identity) < 1e-4, m.determinant > 0 else {
                throw SimulationError.invalidField("orientation_u", reason: "must be a proper rotation matrix (UᵀU = I, det U = +1)")
            }
        }
        guard Vec3(rotationAxisList).length > 1e-6 else {
            throw SimulationError.invalidField("rotation_axis", reason: "must not be the zero vector")
        }
        if anomalousElement != nil, anomalousAtoms == 0 {
            throw SimulationError.invalidField("anomalous_atoms", reason: "must be ≥ 1 when anomalous_element is set")
        }
        _ = try SimulationSpaceGroup.lookup(spaceGroupName)
        if case .list(let a) = values["unit_cell"]!, let sg = try? SimulationSpaceGroup.lookup(spaceGroupName) {
            try Self.checkCellFitsGroup(a, sg)
        }
    }

    /// The cell must have the metric the lattice system demands.
    static func checkCellFitsGroup(_ c: [Double], _ sg: SimulationSpaceGroup) throws {
        let n = sg.number
        let eq = { (x: Double, y: Double) in abs(x - y) < 1e-3 * max(abs(x), 1) }
        let bad = { (r: String) in SimulationError.invalidField("unit_cell", reason: "does not fit space group \(sg.hermannMauguin): \(r)") }
        switch n {
        case 3...15: if !(eq(c[3], 90) && eq(c[5], 90)) { throw bad("monoclinic needs α = γ = 90°") }
        case 16...74: if !(eq(c[3], 90) && eq(c[4], 90) && eq(c[5], 90)) { throw bad("orthorhombic needs all angles 90°") }
        case 75...142: if !(eq(c[0], c[1]) && eq(c[3], 90) && eq(c[4], 90) && eq(c[5], 90)) { throw bad("tetragonal needs a = b and all angles 90°") }
        case 143...194:
            if sg.hermannMauguin.hasPrefix("R") && !sg.hermannMauguin.contains(":H") && eq(c[0], c[2]) && eq(c[0], c[1]) { break }
            if !(eq(c[0], c[1]) && eq(c[3], 90) && eq(c[4], 90) && eq(c[5], 120)) { throw bad("trigonal/hexagonal axes need a = b, α = β = 90°, γ = 120°") }
        case 195...230: if !(eq(c[0], c[1]) && eq(c[1], c[2]) && eq(c[3], 90) && eq(c[4], 90) && eq(c[5], 90)) { throw bad("cubic needs a = b = c and all angles 90°") }
        default: break
        }
    }

    // MARK: typed accessors

    func number(_ k: String) -> Double { if case .number(let x) = values[k]! { return x }; return 0 }
    func optionalNumber(_ k: String) -> Double? { if case .number(let x) = values[k]! { return x }; return nil }
    func text(_ k: String) -> String { if case .text(let s) = values[k]! { return s }; return "" }
    func optionalText(_ k: String) -> String? { if case .text(let s) = values[k]! { return s }; return nil }
    func flag(_ k: String) -> Bool { if case .flag(let b) = values[k]! { return b }; return false }
    func list(_ k: String) -> [Double] { if case .list(let a) = values[k]! { return a }; return [] }
    func optionalList(_ k: String) -> [Double]? { if case .list(let a) = values[k]! { return a }; return nil }

    public var name: String { text("name") }
    public var seed: UInt64 { UInt64(number("seed")) }
    public var format: String { text("format") }
    public var spaceGroupName: String { text("space_group") }
    public var unitCell: [Double] { list("unit_cell") }
    public var orientationU: [Double]? { optionalList("orientation_u") }
    public var wavelength: Double { number("wavelength") }
    public var distance: Double { number("distance_mm") }
    var detectorSizeList: [Double] { list("detector_size_px") }
    public var detectorSize: (fast: Int, slow: Int) {
        let a = detectorSizeList; return (Int(a[0].isFinite ? a[0] : 0), Int(a[1].isFinite ? a[1] : 0))
    }
    public var pixelSize: Double { number("pixel_size_mm") }
    public var moduleSize: (fast: Int, slow: Int)? { optionalList("module_size_px").map { (Int($0[0]), Int($0[1])) } }
    public var gap: (fast: Int, slow: Int) { let a = list("module_gap_px"); return (Int(a[0]), Int(a[1])) }
    public var beamCentrePx: (x: Double, y: Double)? { optionalList("beam_centre_px").map { ($0[0], $0[1]) } }
    public var headerBeamOffsetMm: (x: Double, y: Double) { let a = list("header_beam_offset_mm"); return (a[0], a[1]) }
    public var saturation: Int { Int(number("saturation")) }
    public var sensorThickness: Double { number("sensor_thickness_mm") }
    var rotationAxisList: [Double] { list("rotation_axis") }
    public var rotationAxis: Vec3 { Vec3(rotationAxisList).normalized }
    public var startAngle: Double { number("start_angle_deg") }
    public var oscWidth: Double { number("osc_width_deg") }
    public var nImages: Int { Int(number("n_images")) }
    public var exposureTime: Double { number("exposure_time_s") }
    public var dMin: Double? { optionalNumber("d_min") }
    public var atomsPerAsu: Int? { optionalNumber("atoms_per_asu").map { Int($0) } }
    public var wilsonB: Double { number("wilson_b") }
    public var anomalousElement: String? { optionalText("anomalous_element") }
    public var anomalousAtoms: Int { Int(number("anomalous_atoms")) }
    public var anomalousFp: Double { number("anomalous_fp") }
    public var anomalousFdp: Double { number("anomalous_fdp") }
    public var mosaicity: Double { number("mosaicity_deg") }
    public var beamDivergence: Double { number("beam_divergence_deg") }
    public var psf: Double { number("psf_px") }
    public var polarizationFraction: Double { number("polarization_fraction") }
    public var lorentz: Bool { flag("lorentz") }
    public var polarisation: Bool { flag("polarisation") }
    public var partiality: Bool { flag("partiality") }
    public var noise: Bool { flag("noise") }
    public var intensityScale: Double { number("intensity_scale") }
    public var fluxDrift: Double { number("flux_drift") }
    public var fluxPeriod: Double { number("flux_period_deg") }
    public var decayB: Double { number("decay_b") }
    public var decayScale: Double { number("decay_scale") }
    public var absorption: Double { number("absorption") }
    public var backgroundConstant: Double { number("background_constant") }
    public var backgroundWater: Double { number("background_water") }
    public var iceRings: Double { number("ice_rings") }
    public var hotPixels: Int { Int(number("hot_pixels")) }
    public var deadPixels: Int { Int(number("dead_pixels")) }
    public var secondLatticeFraction: Double { number("second_lattice_fraction") }
    public var secondLatticeRotation: Double { number("second_lattice_rotation_deg") }
    public var nproc: Int { Int(number("nproc")) }

    /// The listing `--show-config` prints.
    public static var configListing: String {
        fields.map { f in
            let v: String
            switch f.defaultValue {
            case .number(let x): v = x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
            case .text(let s): v = s
            case .flag(let b): v = b ? "true" : "false"
            case .list(let a): v = a.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: ",")
            case .null: v = "null"
            }
            return "\(f.name) = \(v)".padding(toLength: 40, withPad: " ", startingAt: 0) + "# \(f.help)"
        }.joined(separator: "\n")
    }

    /// The values as JSON-ready objects (for truth.json), keys sorted.
    public var jsonObject: [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in values where k != "nproc" { // threads never change the output
            switch v {
            case .number(let x): out[k] = x
            case .text(let s): out[k] = s
            case .flag(let b): out[k] = b
            case .list(let a): out[k] = a
            case .null: out[k] = NSNull()
            }
        }
        return out
    }
}

