// MiniCBFEncoding: Pilatus-style mini-CBF files (header lines dxtbx reads,
// CBF byte-offset compressed signed 32-bit pixels).

/// Builds one mini-CBF file in memory. The header follows the PILATUS_1.2
/// convention that dxtbx's FormatCBFMiniPilatus parses; the binary section
/// uses the byte-offset scheme of CBFlib (deltas in 1, 2 or 4 bytes).
public enum MiniCBFEncoding {
    /// Byte-offset compression: each pixel as the difference from the
    /// previous one; −127…127 in one byte, else 0x80 then an Int16, else
    /// 0x80 0x00 0x80 then an Int32 (little-endian).
    public static func byteOffset(_ pixels: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pixels.count + pixels.count / 8)
        var previous: Int64 = 0
        for p in pixels {
            let d = Int64(p) - previous
            previous = Int64(p)
            if d >= -127 && d <= 127 {
                out.append(UInt8(bitPattern: Int8(d)))
            } else if d >= -32767 && d <= 32767 {
                out.append(0x80)
                let v = UInt16(bitPattern: Int16(d))
                out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8))
            } else {
                out.append(0x80); out.append(0x00); out.append(0x80)
                let v = UInt32(bitPattern: Int32(truncatingIfNeeded: d))
                for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(s)) & 0xff)) }
            }
        }
        return out
    }

    /// Inverse of `byteOffset`, for tests.
    public static func decodeByteOffset(_ bytes: [UInt8], count: Int) -> [Int32] {
        var out: [Int32] = []; out.reserveCapacity(count)
        var i = 0, value: Int64 = 0
        while out.count < count && i < bytes.count {
            var d = Int64(Int8(bitPattern: bytes[i])); i += 1
            if d == -128 {
                d = Int64(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)); i += 2
                if d == -32768 {
                    var v: UInt32 = 0
                    for s in 0..<4 { v |= UInt32(bytes[i + s]) << UInt32(8 * s) }
                    d = Int64(Int32(bitPattern: v)); i += 4
                }
            }
            value += d
            out.append(Int32(truncatingIfNeeded: value))
        }
        return out
    }

    /// Header values of one image.
    public struct Header: Sendable {
        public var dataName: String
        public var pixelSizeMetres: Double
        public var sensorThicknessMetres: Double
        public var exposureTime: Double
        public var countCutoff: Int
        public var wavelength: Double
        public var distanceMetres: Double
        public var beamXY: (Double, Double)
        public var startAngle: Double
        public var angleIncrement: Double
        public var polarization: Double
        public var excludedPixels: Int
        public init(dataName: String, pixelSizeMetres: Double, sensorThicknessMetres: Double, exposureTime: Double,
                    countCutoff: Int, wavelength: Double, distanceMetres: Double, beamXY: (Double, Double),
                    startAngle: Double, angleIncrement: Double, polarization: Double, excludedPixels: Int) {
            self.dataName = dataName; self.pixelSizeMetres = pixelSizeMetres
            self.sensorThicknessMetres = sensorThicknessMetres; self.exposureTime = exposureTime
            self.countCutoff = countCutoff; self.wavelength = wavelength; self.distanceMetres = distanceMetres
            self.beamXY = beamXY; self.startAngle = startAngle; self.angleIncrement = angleIncrement
            self.polarization = polarization; self.excludedPixels = excludedPixels
        }
    }

    static func fixed(_ x: Double, _ places: Int) -> String {
        // Deterministic fixed-point text without Foundation's locale.
        let scale = pow10(places)
        let r = (abs(x) * scale).rounded()
        let whole = Int(r / scale), frac = Int(r - Double(whole) * scale)
        var f = String(frac)
        while f.count < places { f = "0" + f }
        return (x < 0 && r > 0 ? "-" : "") + String(whole) + (places > 0 ? "." + f : "")
    }
    static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { a, _ in a * 10 } }

    /// The complete file.
    public static func file(header h: Header, pixels: [Int32], width: Int, height: Int) -> [UInt8] {
        let binary = byteOffset(pixels)
        let px = fixed(h.pixelSizeMetres * 1e6, 0)
        let lines = [
            "###CBF: VERSION 1.5, CBFlib v0.7.8 - PILATUS detectors", "",
            "data_\(h.dataName)", "",
            "_array_data.header_convention \"PILATUS_1.2\"",
            "_array_data.header_contents", ";",
            "# Detector: PILATUS 1M, S/N 10-0000 mxflow-simulate",
            "# 2026-01-01T00:00:00.000",
            "# Pixel_size \(px)e-6 m x \(px)e-6 m",
            "# Silicon sensor, thickness \(fixed(h.sensorThicknessMetres, 6)) m",
            "# Exposure_time \(fixed(h.exposureTime, 7)) s",
            "# Exposure_period \(fixed(h.exposureTime, 7)) s",
            "# Tau = 0 s",
            "# Count_cutoff \(h.countCutoff) counts",
            "# Threshold_setting: \(Int(12398.4 / h.wavelength / 2)) eV",
            "# Gain_setting: autog (vrf = 1.000)",
            "# N_excluded_pixels = \(h.excludedPixels)",
            "# Excluded_pixels: badpix_mask.tif",
            "# Flat_field: (nil)", "# Trim_file: (nil)", "# Image_path: /data/",
            "# Wavelength \(fixed(h.wavelength, 5)) A",
            "# Detector_distance \(fixed(h.distanceMetres, 5)) m",
            "# Beam_xy (\(fixed(h.beamXY.0, 2)), \(fixed(h.beamXY.1, 2))) pixels",
            "# Flux 0.000000", "# Filter_transmission 1.0000",
            "# Start_angle \(fixed(h.startAngle, 4)) deg.",
            "# Angle_increment \(fixed(h.angleIncrement, 4)) deg.",
            "# Detector_2theta 0.0000 deg.",
            "# Polarization \(fixed(h.polarization, 3))",
            "# Alpha 0.0000 deg.", "# Kappa 0.0000 deg.",
            "# Phi \(fixed(h.startAngle, 4)) deg.",
            "# Phi_increment \(fixed(h.angleIncrement, 4)) deg.",
            "# Chi 0.0000 deg.", "# Chi_increment 0.0000 deg.",
            "# Oscillation_axis X.CW", "# N_oscillations 1", ";", "",
            "_array_data.data", ";",
            "--CIF-BINARY-FORMAT-SECTION--",
            "Content-Type: application/octet-stream;",
            "     conversions=\"x-CBF_BYTE_OFFSET\"",
            "Content-Transfer-Encoding: BINARY",
            "X-Binary-Size: \(binary.count)",
            "X-Binary-ID: 1",
            "X-Binary-Element-Type: \"signed 32-bit integer\"",
            "X-Binary-Element-Byte-Order: LITTLE_ENDIAN",
            "X-Binary-Number-of-Elements: \(pixels.count)",
            "X-Binary-Size-Fastest-Dimension: \(width)",
            "X-Binary-Size-Second-Dimension: \(height)",
            "X-Binary-Size-Padding: 4095", "",
        ]
        var out = Array(lines.joined(separator: "\r\n").utf8)
        out += Array("\r\n".utf8)
        out += [0x0C, 0x1A, 0x04, 0xD5]
        out += binary
        out += [UInt8](repeating: 0, count: 4095)
        out += Array("\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n\r\n".utf8)
        return out
    }
}
