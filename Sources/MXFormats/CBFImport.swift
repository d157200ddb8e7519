// CBFImport: a numbered mini-CBF series (name_#####.cbf) turned into beam, detector, goniometer, scan and image set, as dials.import does.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MXMath
import MXModel

/// Imports a sweep of Pilatus mini-CBF images into one experiment with the
/// models dxtbx's FormatCBFMiniPilatus builds (dxtbx 3.11), so that numbers
/// compare one to one with `dials.import` / `dials.show`:
///
/// - files are sorted by the image number before the extension; the series
///   must share one directory and name, be consecutive, have equal image
///   sizes and start angles `φ₀ + (n − n₀)·Δφ` (to 1 % of Δφ);
/// - **beam**: direction (0, 0, 1), the header wavelength, Flux; polarisation
///   is dxtbx's default (0.999, normal (0, 1, 0)) — dxtbx ignores the header's
///   Polarization line and so do we;
/// - **detector**: one panel "Panel", fast (1, 0, 0), slow (0, −1, 0),
///   origin = (−Bx·px, +By·py, −distance) with Beam_xy in pixels (Mosflm
///   frame); trusted range (−1, Count_cutoff); thickness and material from the
///   "Silicon sensor, thickness …" line; μ from `SensorAttenuation` at the
///   header wavelength and ParallaxCorrectedPxMmStrategy when the material is
///   known, else SimplePxMmStrategy. dxtbx also lists the Pilatus module gaps
///   as panel mask rectangles; `Panel` has no such field, so the gaps are in
///   `CBFImageSource.trustedMask` instead;
/// - **goniometer**: single axis from Oscillation_axis ("X.CW" or missing →
///   (1, 0, 0), "X.CCW" → (−1, 0, 0)); dxtbx always uses (1, 0, 0) and
///   ignores Kappa/Phi/Chi and Detector_2theta, as we do;
/// - **scan**: image range from the file numbers, oscillation (Start_angle
///   of the first image, Angle_increment), exposure time per image =
///   Exposure_period (dxtbx's choice, the frame-to-frame time, not
///   Exposure_time), epochs from each file's time stamp (empty when a stamp
///   is missing or unreadable).
///
/// Relative paths are made absolute against the working directory. The
/// experiment identifier is left empty.
public func importCBFSeries(paths: [String]) throws -> Experiment {
    guard !paths.isEmpty else { throw CBFError.emptySeries }
    let cwd = cbfCurrentDirectory()
    var entries: [(number: Int, path: String)] = []
    var template: (dir: String, prefix: String, width: Int, ext: String)?
    for raw in paths {
        let path = cbfAbsolutePath(raw, cwd: cwd)
        guard let parts = cbfSplitNumberedName(path) else { throw CBFError.notNumbered(path: path) }
        if let t = template {
            if t.dir != parts.dir || t.prefix != parts.prefix || t.width != parts.width || t.ext != parts.ext {
                throw CBFError.differentDirectoryOrName(path: path, template: cbfTemplateString(t))
            }
        } else {
            template = (parts.dir, parts.prefix, parts.width, parts.ext)
        }
        entries.append((parts.number, path))
    }
    entries.sort { $0.number < $1.number }
    for k in 1..<max(1, entries.count) {
        if entries[k].number == entries[k - 1].number {
            throw CBFError.duplicateImage(path: entries[k].path, number: entries[k].number)
        }
        if entries[k].number != entries[k - 1].number + 1 {
            throw CBFError.nonConsecutive(path: entries[k].path, expected: entries[k - 1].number + 1,
                                          found: entries[k].number)
        }
    }

    let files = try entries.map { try CBFFile.readHeader(path: $0.path) }
    let first = files[0]
    let h = first.header
    let p0 = first.path
    func need<T>(_ v: T?, _ field: String) throws -> T {
        guard let v else { throw CBFError.missingField(path: p0, field: field) }
        return v
    }
    let wavelength = try need(h.wavelength, "Wavelength")
    let distance = try need(h.detectorDistance, "Detector_distance")
    let beamXY = try need(h.beamXY, "Beam_xy")
    let pixel = try need(h.pixelSize, "Pixel_size")
    let cutoff = try need(h.countCutoff, "Count_cutoff")
    let start = try need(h.startAngle, "Start_angle")
    let width = try need(h.angleIncrement, "Angle_increment")
    guard wavelength > 0 else { throw CBFError.badField(path: p0, field: "Wavelength", reason: "is not positive") }
    guard pixel.fast > 0, pixel.slow > 0 else {
        throw CBFError.badField(path: p0, field: "Pixel_size", reason: "is not positive")
    }

    // Consistency of the series.
    let size = first.imageSize
    let tolerance = max(1e-4, 0.01 * abs(width))
    for (k, f) in files.enumerated() {
        if f.imageSize != size {
            throw CBFError.sizeMismatch(path: f.path, expected: size, found: f.imageSize)
        }
        guard let a = f.header.startAngle else { throw CBFError.missingField(path: f.path, field: "Start_angle") }
        let expected = start + Double(k) * width
        if abs(a - expected) > tolerance {
            throw CBFError.inconsistentAngles(path: f.path, reason:
                "Start_angle is \(a)° where \(expected)° follows from the first image and Angle_increment \(width)°")
        }
        if let w = f.header.angleIncrement, abs(w - width) > 1e-6 {
            throw CBFError.inconsistentAngles(path: f.path, reason:
                "Angle_increment is \(w)° but the first image has \(width)°")
        }
    }

    // Beam.
    var beam = Beam(direction: Vec3(0, 0, 1), wavelength: wavelength)
    if let flux = h.flux { beam.flux = flux }

    // Detector: dxtbx's "simple" factory, fast +x, slow −y, beam along −z.
    let fast = Vec3(1, 0, 0), slow = Vec3(0, -1, 0)
    let beamMM = (x: beamXY.x * pixel.fast, y: beamXY.y * pixel.slow)
    let origin = Vec3(0, 0, -1) * distance - fast * beamMM.x - slow * beamMM.y
    var panel = Panel(name: "Panel", fastAxis: fast, slowAxis: slow, origin: origin,
                      imageSize: (size.width, size.height), pixelSize: (pixel.fast, pixel.slow),
                      trustedRange: (-1, Double(cutoff)))
    if let material = h.materialCode {
        panel.material = material
        panel.thickness = h.sensorThickness ?? 0
        if let mu = SensorAttenuation.mu(material: material, wavelength: wavelength) {
            panel.mu = mu
            panel.pxMmStrategy = .parallaxCorrected
        }
    }
    let detector = Detector(panels: [panel])

    // Goniometer.
    let axis: Vec3
    switch h.oscillationAxis?.uppercased() {
    case nil, "X.CW", "X": axis = Vec3(1, 0, 0)
    case "X.CCW": axis = Vec3(-1, 0, 0)
    case let other?:
        throw CBFError.unsupported(path: p0, what: "Oscillation_axis \(other) (only X.CW and X.CCW are)")
    }
    let goniometer = Goniometer(rotationAxis: axis)

    // Scan.
    let period = h.exposurePeriod ?? h.exposureTime ?? 0
    let exposures = files.map { $0.header.exposurePeriod ?? $0.header.exposureTime ?? period }
    let stamps = files.map { $0.header.timestamp.flatMap(pilatusEpoch) }
    let epochs = stamps.allSatisfy({ $0 != nil }) ? stamps.map { $0! } : []
    let scan = Scan(imageRange: entries[0].number...entries[entries.count - 1].number,
                    oscillationStartDegrees: start, oscillationWidthDegrees: width,
                    exposureTimes: exposures, epochs: epochs)

    let imageSet = ImageSetDescription(kind: .fileSeries, template: cbfTemplateString(template!))
    return Experiment(beam: beam, detector: detector, goniometer: goniometer, scan: scan, imageSet: imageSet)
}

/// The Pilatus module-gap rectangles dxtbx masks for a Pilatus image of this
/// size (modules 487 × 195 px, gaps 7 px along fast and 17 px along slow,
/// `FormatPilatusHelpers.determine_pilatus_mask`), as half-open pixel ranges
/// (x0..<x1, y0..<y1); empty when the size is not a Pilatus module layout.
public func pilatusModuleGaps(width: Int, height: Int) -> [(x: Range<Int>, y: Range<Int>)] {
    let mx = 487, my = 195, gx = 7, gy = 17
    let nx = (width + gx) / (mx + gx), ny = (height + gy) / (my + gy)
    guard isPilatusModuleLayout(width: width, height: height) else { return [] }
    var gaps: [(x: Range<Int>, y: Range<Int>)] = []
    for i in 1..<max(1, nx) { gaps.append((x: (i * mx + (i - 1) * gx)..<(i * (mx + gx)), y: 0..<height)) }
    for j in 1..<max(1, ny) { gaps.append((x: 0..<width, y: (j * my + (j - 1) * gy)..<(j * (my + gy)))) }
    return gaps
}

/// Whether `width` × `height` is n·487 + (n−1)·7 by m·195 + (m−1)·17 pixels
/// (whole Pilatus modules with their gaps).
public func isPilatusModuleLayout(width: Int, height: Int) -> Bool {
    let nx = (width + 7) / 494, ny = (height + 17) / 212
    return nx >= 1 && ny >= 1 && nx * 494 - 7 == width && ny * 212 - 17 == height
}

// MARK: file names and time stamps

/// Splits "/dir/name_00012.cbf" into directory, "name_", 12, 5 digits and ".cbf".
func cbfSplitNumberedName(_ path: String) -> (dir: String, prefix: String, number: Int, width: Int, ext: String)? {
    let slash = path.lastIndex(of: "/")
    let dir = slash.map { String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var stem = Substring(name), ext = Substring("")
    if let dot = name.lastIndex(of: "."), dot != name.startIndex {
        stem = name[..<dot]; ext = name[dot...]
    }
    // Compressed CBFs (.cbf.gz) keep their number before ".cbf".
    if ext == ".gz" || ext == ".bz2", let dot = stem.lastIndex(of: ".") {
        ext = stem[dot...] + ext; stem = stem[..<dot]
    }
    let digits = stem.reversed().prefix(while: { $0.isASCII && $0.isNumber })
    guard !digits.isEmpty, digits.count <= 18, let n = Int(String(digits.reversed())) else { return nil }
    return (dir, String(stem.dropLast(digits.count)), n, digits.count, String(ext))
}

func cbfTemplateString(_ t: (dir: String, prefix: String, width: Int, ext: String)) -> String {
    t.dir + "/" + t.prefix + String(repeating: "#", count: t.width) + t.ext
}

func cbfCurrentDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "." }
    return String(cString: buf)
}

/// `path` made absolute against `cwd`, with "." components and doubled slashes removed.
func cbfAbsolutePath(_ path: String, cwd: String) -> String {
    let full = path.hasPrefix("/") ? path : cwd + "/" + path
    var parts: [Substring] = []
    for c in full.split(separator: "/") {
        if c == "." { continue }
        if c == "..", !parts.isEmpty { parts.removeLast(); continue }
        parts.append(c)
    }
    return "/" + parts.joined(separator: "/")
}

/// Unix time of a Pilatus time stamp, in the forms dxtbx accepts
/// ("2024-01-01T00:00:00.100", "2024-Jan-01T00:00:00.100",
/// "2024/Jan/01 00:00:00.100"; fraction optional), read as UTC; nil otherwise.
public func pilatusEpoch(_ stamp: String) -> Double? {
    let s = stamp.cbfStripping(" \t")
    var fields: [Substring] = []
    var current = Substring("")
    var separators: [Character] = []
    for c in s {
        if c == "-" || c == "/" || c == "T" || c == " " || c == ":" {
            fields.append(current); separators.append(c); current = ""
        } else { current.append(c) }
    }
    fields.append(current)
    guard fields.count == 6, separators[0] == separators[1], separators[0] == "-" || separators[0] == "/",
          separators[2] == "T" || separators[2] == " ", separators[3] == ":", separators[4] == ":" else { return nil }
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    guard let year = Int(fields[0]), let day = Int(fields[2]), let hour = Int(fields[3]),
          let minute = Int(fields[4]) else { return nil }
    let month: Int
    if let m = Int(fields[1]) { month = m }
    else if let k = months.firstIndex(of: fields[1].lowercased()) { month = k + 1 }
    else { return nil }
    let secText = fields[5]
    let secParts = secText.split(separator: ".", omittingEmptySubsequences: false)
    guard secParts.count <= 2, let sec = Int(secParts[0]) else { return nil }
    var fraction = 0.0
    if secParts.count == 2 {
        guard secParts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let f = Double("0." + secParts[1]) else { return nil }
        fraction = f
    }
    guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
          (0...59).contains(minute), (0...60).contains(sec) else { return nil }
    // Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant, "chrono-compatible
    // low-level date algorithms", days_from_civil).
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return Double(days * 86_400 + hour * 3600 + minute * 60 + sec) + fraction
}
