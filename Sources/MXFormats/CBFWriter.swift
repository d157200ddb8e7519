// CBFWriter: writing a Pilatus mini-CBF image (header from the models, byte-offset pixels, Content-MD5).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MXMath
import MXModel

/// Writes mini-CBF images in the layout PILATUS detectors produce (CBFlib
/// 0.7.8 style: CRLF text, `_array_data.header_contents` Pilatus lines, one
/// byte-offset binary section padded with 4095 zero bytes), which dxtbx's
/// FormatCBFMiniPilatus and CBFlib read.
public enum CBFWriter {

    /// Writes one image. `pixels` is row-major (slow, fast), `width` × `height`.
    /// The header is written as given; for dials.import to read the file it
    /// needs Wavelength, Detector_distance, Beam_xy, Pixel_size, Count_cutoff,
    /// Exposure_period, Start_angle, Angle_increment and (PILATUS convention)
    /// a time stamp — `CBFHeader(beam:panel:scan:image:)` fills them all.
    /// The file is written under a temporary name and renamed, so no partial
    /// file is left behind on failure. `dataName` defaults to the file name
    /// without directory and extension.
    ///
    /// `headerConvention` nil picks "PILATUS_1.2" when the size is a Pilatus
    /// module layout (n·487 + (n−1)·7 by m·195 + (m−1)·17) and "GENERIC_MINI"
    /// otherwise: dxtbx reads PILATUS files with its Pilatus reader, which
    /// asserts that layout (to mask module gaps), so other sizes must use the
    /// generic convention *and* a "# Detector:" text without "PILATUS".
    public static func write(path: String, pixels: [Int32], width: Int, height: Int,
                             header: CBFHeader, dataName: String? = nil, headerConvention: String? = nil) throws {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw CBFError.writeFailed(path: path, reason:
                "\(pixels.count) pixels were given for a \(width)×\(height) image")
        }
        let bytes = pixels.withUnsafeBufferPointer {
            encode(pixels: $0, width: width, height: height, header: header,
                   dataName: dataName ?? defaultDataName(path),
                   headerConvention: headerConvention ?? defaultConvention(width: width, height: height))
        }
        try writeAtomically(path: path, bytes: bytes)
    }

    /// The complete file contents of a mini-CBF image.
    public static func encode(pixels: UnsafeBufferPointer<Int32>, width: Int, height: Int,
                              header: CBFHeader, dataName: String,
                              headerConvention: String = "PILATUS_1.2") -> [UInt8] {
        let data = CBFByteOffset.encode(pixels)
        let md5 = data.withUnsafeBytes { CBFMD5.base64Digest($0) }
        let padding = 4095
        var text = "###CBF: VERSION 1.5, CBFlib v0.7.8 - PILATUS detectors\r\n\r\n"
        text += "data_\(dataName)\r\n\r\n"
        text += "_array_data.header_convention \"\(headerConvention)\"\r\n"
        text += "_array_data.header_contents\r\n;\r\n"
        for line in header.lines() { text += line + "\r\n" }
        text += ";\r\n\r\n"
        text += "_array_data.data\r\n;\r\n--CIF-BINARY-FORMAT-SECTION--\r\n"
        text += "Content-Type: application/octet-stream;\r\n"
        text += "     conversions=\"x-CBF_BYTE_OFFSET\"\r\n"
        text += "Content-Transfer-Encoding: BINARY\r\n"
        text += "X-Binary-Size: \(data.count)\r\n"
        text += "X-Binary-ID: 1\r\n"
        text += "X-Binary-Element-Type: \"signed 32-bit integer\"\r\n"
        text += "X-Binary-Element-Byte-Order: LITTLE_ENDIAN\r\n"
        text += "Content-MD5: \(md5)\r\n"
        text += "X-Binary-Number-of-Elements: \(width * height)\r\n"
        text += "X-Binary-Size-Fastest-Dimension: \(width)\r\n"
        text += "X-Binary-Size-Second-Dimension: \(height)\r\n"
        text += "X-Binary-Size-Padding: \(padding)\r\n\r\n"
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 4 + data.count + padding + 64)
        out.append(contentsOf: text.utf8)
        out.append(contentsOf: CBFFile.binaryMarker)
        out.append(contentsOf: data)
        out.append(contentsOf: repeatElement(0, count: padding))
        out.append(contentsOf: "\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n\r\n".utf8)
        return out
    }

    /// "PILATUS_1.2" for a Pilatus module layout, else "GENERIC_MINI" (see `write`).
    public static func defaultConvention(width: Int, height: Int) -> String {
        isPilatusModuleLayout(width: width, height: height) ? "PILATUS_1.2" : "GENERIC_MINI"
    }

    static func defaultDataName(_ path: String) -> String {
        var name = Substring(path)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if let dot = name.lastIndex(of: ".") { name = name[..<dot] }
        return name.isEmpty ? "image" : String(name)
    }

    /// Writes `bytes` to `path` via a temporary file in the same directory and a rename.
    static func writeAtomically(path: String, bytes: [UInt8]) throws {
        let tmp = path + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw CBFError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { buf in
            while written < buf.count {
                let n = cbfSystemWrite(fd, buf.baseAddress! + written, buf.count - written)
                if n <= 0 { return false }
                written += n
            }
            return true
        }
        let closed = cbfSystemClose(fd) == 0
        guard ok && closed else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw CBFError.writeFailed(path: path, reason: reason)
        }
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw CBFError.writeFailed(path: path, reason: reason)
        }
    }
}

extension CBFHeader {
    /// The Pilatus header of image number `image` of a sweep described by the
    /// models, with every field dxtbx's readers require present, such that dials.import rebuilds the same geometry (see
    /// `importCBFSeries`): distance = the panel's perpendicular distance,
    /// Beam_xy = where the beam meets the panel (mm ÷ pixel size, no parallax,
    /// as dxtbx reads it), start angle and increment from the scan. A mini-CBF
    /// header cannot describe a tilted detector or an axis other than ±x; such
    /// geometry is written as its untilted equivalent.
    ///
    /// - Parameters:
    ///   - detectorName: the "# Detector:" text; dxtbx picks its Pilatus
    ///     reader when it or the header convention says "PILATUS".
    ///     nil gives "PILATUS 6M, S/N 60-0000 mxflow" for a Pilatus module
    ///     layout and "GENERIC, S/N 0 mxflow" otherwise.
    public init(beam: Beam, panel: Panel, scan: Scan?, image: Int,
                detectorName: String? = nil, countCutoff: Int? = nil) {
        self.init()
        detector = detectorName ?? (CBFWriter.defaultConvention(width: panel.imageSize.fast, height: panel.imageSize.slow)
            == "PILATUS_1.2" ? "PILATUS 6M, S/N 60-0000 mxflow" : "GENERIC, S/N 0 mxflow")
        // dxtbx's Pilatus reader requires a time stamp (KeyError without one), so
        // without epochs the Unix epoch itself is written.
        if let scan, !scan.epochs.isEmpty {
            let i = min(max(0, image - scan.imageRange.lowerBound), scan.epochs.count - 1)
            timestamp = CBFHeader.pilatusTimestamp(epoch: scan.epochs[i])
        } else {
            timestamp = CBFHeader.pilatusTimestamp(epoch: 0)
        }
        pixelSize = panel.pixelSize
        if !panel.material.isEmpty {
            sensorMaterial = panel.material == "Si" ? "Silicon" : panel.material
            sensorThickness = panel.thickness
        }
        // dxtbx requires Exposure_period, Start_angle and Angle_increment: without
        // a scan (or exposure times) they are written as 0.
        let i = image - (scan?.imageRange.lowerBound ?? image)
        let t = scan.flatMap { $0.exposureTimes.isEmpty ? nil : $0.exposureTimes[min(max(0, i), $0.exposureTimes.count - 1)] } ?? 0
        exposureTime = t
        exposurePeriod = t
        startAngle = scan?.startAngleDegrees(ofImage: image) ?? 0
        angleIncrement = scan?.oscillationWidthDegrees ?? 0
        self.countCutoff = countCutoff ?? (panel.trustedRange.high.isFinite ? Int(panel.trustedRange.high) : nil)
        wavelength = beam.wavelength
        detectorDistance = panel.distance
        // Beam centre: intersection of s0 with the panel plane, in plain mm.
        let n = panel.fastAxis.cross(panel.slowAxis)
        let s0 = beam.s0
        let denom = s0.dot(n)
        if denom != 0 {
            let t = panel.origin.dot(n) / denom
            let hit = s0 * t - panel.origin
            beamXY = (hit.dot(panel.fastAxis) / panel.pixelSize.fast, hit.dot(panel.slowAxis) / panel.pixelSize.slow)
        }
        flux = beam.flux
        filterTransmission = beam.transmission
        detector2Theta = 0
        polarization = beam.polarizationFraction
        alpha = 0; kappa = 0; phi = 0; chi = 0; chiIncrement = 0
        phiIncrement = scan?.oscillationWidthDegrees ?? 0
        oscillationAxis = "X.CW"
        nOscillations = 1
    }

    /// "YYYY-MM-DDTHH:MM:SS.mmm" (UTC) for a Unix time.
    static func pilatusTimestamp(epoch: Double) -> String {
        var whole = time_t(epoch.rounded(.down))
        var millis = Int(((epoch - Double(whole)) * 1000).rounded())
        if millis >= 1000 { whole += 1; millis -= 1000 }
        var tmv = tm()
        gmtime_r(&whole, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(tmv.tm_year + 1900)-\(two(tmv.tm_mon + 1))-\(two(tmv.tm_mday))T"
            + "\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec)).\(ms)"
    }
}
