// CBFHeader: the Pilatus "# Key value" header lines of a mini-CBF image, parsed into numbers and written back.

/// The Pilatus header of a mini-CBF image (the `_array_data.header_contents`
/// text block, PILATUS_1.2 convention). Values are held in mxflow's model
/// units — mm, Å, degrees, seconds — and converted to the file's metres at
/// I/O. Every field is optional in the file; a missing field reads as nil.
public struct CBFHeader: Equatable, Sendable {
    /// "# Detector: PILATUS 1M, S/N 10-0999 ..." text after the colon.
    public var detector: String?
    /// The time stamp line (e.g. "2024-01-01T00:00:00.100"), as written.
    public var timestamp: String?
    /// Pixel size along fast and slow, mm.
    public var pixelSize: (fast: Double, slow: Double)?
    /// Sensor material as the header names it ("Silicon", "CdTe", "GaAs", …) and thickness in mm.
    public var sensorMaterial: String?
    public var sensorThickness: Double?
    /// Exposure time and exposure period (time between frame starts), seconds.
    public var exposureTime: Double?
    public var exposurePeriod: Double?
    /// Dead-time correction constant τ, seconds.
    public var tau: Double?
    /// Counts at and above this value are overloads.
    public var countCutoff: Int?
    /// Energy threshold, eV.
    public var threshold: Double?
    /// Wavelength, Å.
    public var wavelength: Double?
    /// Sample–detector distance, mm.
    public var detectorDistance: Double?
    /// Direct-beam position in pixels (fast, slow), Mosflm frame as dxtbx reads it.
    public var beamXY: (x: Double, y: Double)?
    public var flux: Double?
    public var filterTransmission: Double?
    /// Goniometer angles, degrees.
    public var startAngle: Double?
    public var angleIncrement: Double?
    public var detector2Theta: Double?
    public var polarization: Double?
    public var alpha: Double?
    public var kappa: Double?
    public var phi: Double?
    public var phiIncrement: Double?
    public var chi: Double?
    public var chiIncrement: Double?
    /// e.g. "X.CW".
    public var oscillationAxis: String?
    public var nOscillations: Int?
    /// Header lines this type does not model, kept verbatim (without "# ")
    /// so that a read–write cycle keeps them.
    public var otherLines: [String] = []

    public init() {}

    public static func == (l: CBFHeader, r: CBFHeader) -> Bool {
        l.detector == r.detector && l.timestamp == r.timestamp
            && l.pixelSize?.fast == r.pixelSize?.fast && l.pixelSize?.slow == r.pixelSize?.slow
            && l.sensorMaterial == r.sensorMaterial && l.sensorThickness == r.sensorThickness
            && l.exposureTime == r.exposureTime && l.exposurePeriod == r.exposurePeriod && l.tau == r.tau
            && l.countCutoff == r.countCutoff && l.threshold == r.threshold && l.wavelength == r.wavelength
            && l.detectorDistance == r.detectorDistance
            && l.beamXY?.x == r.beamXY?.x && l.beamXY?.y == r.beamXY?.y
            && l.flux == r.flux && l.filterTransmission == r.filterTransmission
            && l.startAngle == r.startAngle && l.angleIncrement == r.angleIncrement
            && l.detector2Theta == r.detector2Theta && l.polarization == r.polarization
            && l.alpha == r.alpha && l.kappa == r.kappa && l.phi == r.phi && l.phiIncrement == r.phiIncrement
            && l.chi == r.chi && l.chiIncrement == r.chiIncrement && l.oscillationAxis == r.oscillationAxis
            && l.nOscillations == r.nOscillations && l.otherLines == r.otherLines
    }

    // MARK: parsing

    /// Parses the header lines (each starting with "#"). `path` names the file in errors.
    /// Numbers are read the way dxtbx reads them: the first number after the
    /// key, with units converted (m → mm). A malformed number throws.
    public init(lines: [Substring], path: String) throws {
        for raw in lines {
            var line = raw.drop(while: { $0 == " " || $0 == "\t" })
            guard line.first == "#" else { continue }
            line = line.dropFirst().drop(while: { $0 == " " })
            let text = String(line).cbfTrailingTrimmed()
            if text.isEmpty { continue }
            // The time stamp is the only line with two colons and at most two words (dxtbx rule).
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count <= 2 && text.filter({ $0 == ":" }).count == 2 && timestamp == nil {
                timestamp = text; continue
            }
            let key = words[0].filter { $0 != ":" && $0 != "=" }
            let rest = Array(words.dropFirst()).map(String.init).filter { $0 != "=" && $0 != ":" }
            func number(_ i: Int = 0, field: String? = nil) throws -> Double {
                let f = field ?? String(key)
                guard i < rest.count else {
                    throw CBFError.badField(path: path, field: f, reason: "has no value in \"\(text)\"")
                }
                let token = rest[i].cbfStripping("(),")
                guard let v = Double(token) else {
                    throw CBFError.badField(path: path, field: f, reason: "is not a number in \"\(text)\"")
                }
                return v
            }
            func integer() throws -> Int {
                let v = try number()
                guard v.isFinite, abs(v) < 9e15 else {
                    throw CBFError.badField(path: path, field: String(key), reason: "is out of range in \"\(text)\"")
                }
                return Int(v)
            }
            switch key {
            case "Detector": detector = rest.joined(separator: " ")
            case "Pixel_size":
                // "172e-6 m x 172e-6 m" (metres).
                let nums = rest.compactMap { Double($0) }
                guard nums.count >= 2 else {
                    throw CBFError.badField(path: path, field: "Pixel_size", reason: "needs two numbers in \"\(text)\"")
                }
                pixelSize = (nums[0] * 1000, nums[1] * 1000)
            case "Silicon", "CdTe", "GaAs", "Ge", "Germanium", "CZT":
                // "Silicon sensor, thickness 0.000450 m"
                sensorMaterial = String(key)
                if let idx = rest.firstIndex(where: { $0.hasPrefix("thickness") }), idx + 1 < rest.count {
                    sensorThickness = try number(idx + 1, field: "\(key) sensor thickness") * 1000
                }
            case "Exposure_time": exposureTime = try number()
            case "Exposure_period": exposurePeriod = try number()
            case "Tau": tau = try number()
            case "Count_cutoff": countCutoff = try integer()
            case "Threshold_setting": threshold = try number()
            case "Wavelength": wavelength = try number()
            case "Detector_distance": detectorDistance = try number() * 1000
            case "Beam_xy":
                // "(497.80, 479.80) pixels"
                beamXY = (try number(0), try number(1))
            case "Flux": flux = try number()
            case "Filter_transmission": filterTransmission = try number()
            case "Start_angle": startAngle = try number()
            case "Angle_increment": angleIncrement = try number()
            case "Detector_2theta": detector2Theta = try number()
            case "Polarization": polarization = try number()
            case "Alpha": alpha = try number()
            case "Kappa": kappa = try number()
            case "Phi": phi = try number()
            case "Phi_increment": phiIncrement = try number()
            case "Chi": chi = try number()
            case "Chi_increment": chiIncrement = try number()
            case "Oscillation_axis": oscillationAxis = rest.first
            case "N_oscillations": nOscillations = try integer()
            default: otherLines.append(text)
            }
        }
    }

    /// dxtbx's material code for the sensor ("Si", "CdTe", …), nil when unknown.
    public var materialCode: String? {
        switch sensorMaterial {
        case "Silicon": return "Si"
        case "Germanium", "Ge": return "Ge"
        case let m?: return m
        case nil: return nil
        }
    }

    // MARK: writing

    /// The header lines, Pilatus order and formatting ("# Key value units"),
    /// without line terminators. Numbers are written with the Pilatus number
    /// of decimals when that represents them exactly, else with all digits,
    /// so that reading the file back gives the same Double.
    public func lines() -> [String] {
        var out: [String] = []
        func add(_ s: String) { out.append("# " + s) }
        if let d = detector { add("Detector: \(d)") }
        if let t = timestamp { add(t) }
        if let p = pixelSize { add("Pixel_size \(cbfNumber(p.fast / 1000, exponent: true)) m x \(cbfNumber(p.slow / 1000, exponent: true)) m") }
        if let m = sensorMaterial {
            let t = sensorThickness.map { cbfNumber($0 / 1000, decimals: 6) } ?? "0.000000"
            add("\(m) sensor, thickness \(t) m")
        }
        if let v = exposureTime { add("Exposure_time \(cbfNumber(v, decimals: 7)) s") }
        if let v = exposurePeriod { add("Exposure_period \(cbfNumber(v, decimals: 7)) s") }
        if let v = tau { add("Tau = \(cbfNumber(v, decimals: 0)) s") }
        if let v = countCutoff { add("Count_cutoff \(v) counts") }
        if let v = threshold { add("Threshold_setting: \(cbfNumber(v, decimals: 0)) eV") }
        for l in otherLines { add(l) }
        if let v = wavelength { add("Wavelength \(cbfNumber(v, decimals: 5)) A") }
        if let v = detectorDistance { add("Detector_distance \(cbfNumber(v / 1000, decimals: 5)) m") }
        if let b = beamXY { add("Beam_xy (\(cbfNumber(b.x, decimals: 2)), \(cbfNumber(b.y, decimals: 2))) pixels") }
        if let v = flux { add("Flux \(cbfNumber(v, decimals: 6))") }
        if let v = filterTransmission { add("Filter_transmission \(cbfNumber(v, decimals: 4))") }
        if let v = startAngle { add("Start_angle \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = angleIncrement { add("Angle_increment \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = detector2Theta { add("Detector_2theta \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = polarization { add("Polarization \(cbfNumber(v, decimals: 3))") }
        if let v = alpha { add("Alpha \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = kappa { add("Kappa \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = phi { add("Phi \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = phiIncrement { add("Phi_increment \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = chi { add("Chi \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = chiIncrement { add("Chi_increment \(cbfNumber(v, decimals: 4)) deg.") }
        if let v = oscillationAxis { add("Oscillation_axis \(v)") }
        if let v = nOscillations { add("N_oscillations \(v)") }
        return out
    }
}

/// Formats `x` with `decimals` fixed decimals when that text reads back as
/// exactly `x`, otherwise with Swift's shortest exact representation (which
/// dxtbx's `float()` and ours parse alike). With `exponent`, the Pilatus
/// "172e-6" style is tried first.
func cbfNumber(_ x: Double, decimals: Int = 0, exponent: Bool = false) -> String {
    if exponent {
        // Try integer·10⁻⁶ (micrometres in metres), as Pilatus writes pixel sizes.
        let micro = (x * 1e6).rounded()
        let s = "\(Int(micro))e-6"
        // Tolerance, not equality: mm ÷ 1000 itself rounds (0.172 / 1000 ≠ 172e-6).
        if let back = Double(s), abs(back - x) <= 1e-12 * abs(x) { return s }
    }
    let fixed = cbfFixedDecimal(x, decimals: decimals)
    if Double(fixed) == x { return fixed }
    return "\(x)"
}

/// `x` with exactly `decimals` digits after the point (round half away from zero).
func cbfFixedDecimal(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9e15 else { return "\(x)" }
    let n = Int64(scaled)
    var digits = String(n)
    if decimals > 0 {
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
    }
    return (x < 0 && n != 0 ? "-" : "") + digits
}

extension String {
    func cbfTrailingTrimmed() -> String {
        var s = Substring(self)
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropLast() }
        return String(s)
    }
    func cbfStripping(_ set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
