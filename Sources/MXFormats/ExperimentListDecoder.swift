// ExperimentListDecoder: dxtbx `.expt` JSON → mxflow models, with errors naming the field.
import MXMath
import MXModel

/// A JSON value together with its path in the document, so that every error
/// can say which field was wrong (`detector[0].panels[1].pixel_size`).
struct JSONField {
    let value: JSONValue
    let path: String
    let file: String

    func missing(_ key: String) -> ExperimentListError {
        .missingKey(file: file, key: path.isEmpty ? key : "\(path).\(key)")
    }
    func wrongType(_ expected: String) -> ExperimentListError {
        .wrongType(file: file, key: path.isEmpty ? "(top level)" : path, expected: expected)
    }
    func bad(_ reason: String) -> ExperimentListError { .badValue(file: file, key: path, reason: reason) }

    func child(_ key: String, _ v: JSONValue) -> JSONField {
        JSONField(value: v, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// The member `key`; missing or null is an error.
    func required(_ key: String) throws -> JSONField {
        guard value.objectValue != nil else { throw wrongType("an object") }
        guard let v = value[key], !v.isNull else { throw missing(key) }
        return child(key, v)
    }
    /// The member `key`, or nil when absent or null.
    func optional(_ key: String) throws -> JSONField? {
        guard value.objectValue != nil else { throw wrongType("an object") }
        guard let v = value[key], !v.isNull else { return nil }
        return child(key, v)
    }

    func double() throws -> Double {
        guard let d = value.doubleValue else { throw wrongType("a number") }
        return d
    }
    func int() throws -> Int {
        guard let i = value.intValue else { throw wrongType("a whole number") }
        return i
    }
    func string() throws -> String {
        guard let s = value.stringValue else { throw wrongType("a string") }
        return s
    }
    func bool() throws -> Bool {
        if case .bool(let b) = value { return b }
        throw wrongType("true or false")
    }
    func items() throws -> [JSONField] {
        guard let a = value.arrayValue else { throw wrongType("a list") }
        return a.enumerated().map { JSONField(value: $1, path: "\(path)[\($0)]", file: file) }
    }
    func doubles(count: Int? = nil) throws -> [Double] {
        let expected = count.map { "a list of \($0) numbers" } ?? "a list of numbers"
        guard let a = value.arrayValue else { throw wrongType(expected) }
        if let count, a.count != count { throw wrongType(expected) }
        return try a.map { guard let d = $0.doubleValue else { throw wrongType(expected) }; return d }
    }
    func ints(count: Int? = nil) throws -> [Int] {
        let expected = count.map { "a list of \($0) whole numbers" } ?? "a list of whole numbers"
        guard let a = value.arrayValue else { throw wrongType(expected) }
        if let count, a.count != count { throw wrongType(expected) }
        return try a.map { guard let i = $0.intValue else { throw wrongType(expected) }; return i }
    }
    func vec3() throws -> Vec3 { Vec3(try doubles(count: 3)) }
    func mat3() throws -> Mat3 { Mat3(try doubles(count: 9)) }

    // Convenience accessors with dxtbx's defaults for optional keys.
    func double(_ key: String, default d: Double) throws -> Double { try optional(key)?.double() ?? d }
    func string(_ key: String, default d: String) throws -> String { try optional(key)?.string() ?? d }
    func vec3(_ key: String, default d: Vec3) throws -> Vec3 { try optional(key)?.vec3() ?? d }
    func mat3(_ key: String, default d: Mat3) throws -> Mat3 { try optional(key)?.mat3() ?? d }
}

/// Decodes a parsed `.expt` document.
struct ExperimentListDecoder {
    let file: String
    let baseDirectory: String?

    func decode(_ document: JSONValue) throws -> ExperimentList {
        let root = JSONField(value: document, path: "", file: file)
        guard document.objectValue != nil else { throw root.wrongType("an object (an experiment list)") }
        if let id = try root.optional("__id__")?.string(), id != "ExperimentList" {
            throw ExperimentListError.notAnExperimentList(file: file, found: id)
        }
        // Each model list is decoded whole, then experiments pick by index.
        let beams = try models(root, "beam", decodeBeam)
        let detectors = try models(root, "detector", decodeDetector)
        let goniometers = try models(root, "goniometer", decodeGoniometer)
        let scans = try models(root, "scan", decodeScan)
        let crystals = try models(root, "crystal", decodeCrystal)
        let imageSets = try models(root, "imageset", decodeImageSet)

        var experiments: [Experiment] = []
        for e in try root.required("experiment").items() {
            if let id = try e.optional("__id__")?.string(), id != "Experiment" {
                throw e.child("__id__", .string(id)).bad("is \"\(id)\", expected \"Experiment\"")
            }
            guard let beam = try pick(e, "beam", beams) else { throw e.missing("beam") }
            guard let detector = try pick(e, "detector", detectors) else { throw e.missing("detector") }
            // A gaussian_rs profile (the only kind DIALS writes for rotation
            // data): an index into the top-level "profile" list, or inline.
            var profile: ProfileModel?
            var profileField = try e.optional("profile")
            if let f = profileField, let i = f.value.doubleValue, let list = try root.optional("profile") {
                let items = try list.items()
                profileField = Int(i) >= 0 && Int(i) < items.count ? items[Int(i)] : nil
            }
            if let p = profileField, p.value.objectValue != nil,
               (try p.optional("__id__")?.string()) == "gaussian_rs" {
                profile = ProfileModel(sigmaBDegrees: try p.double("sigma_b", default: 0),
                                       sigmaMDegrees: try p.double("sigma_m", default: 0),
                                       nSigma: try p.double("n_sigma", default: 3))
            }
            experiments.append(Experiment(
                identifier: try e.string("identifier", default: ""),
                beam: beam, detector: detector,
                goniometer: try pick(e, "goniometer", goniometers),
                scan: try pick(e, "scan", scans),
                crystal: try pick(e, "crystal", crystals),
                imageSet: try pick(e, "imageset", imageSets), profile: profile))
        }
        return ExperimentList(experiments)
    }

    /// The top-level list `key` (absent = empty), each entry decoded.
    private func models<T>(_ root: JSONField, _ key: String, _ body: (JSONField) throws -> T) throws -> [T] {
        guard let list = try root.optional(key) else { return [] }
        return try list.items().map(body)
    }

    /// The model an experiment refers to by index under `key`, if any.
    private func pick<T>(_ e: JSONField, _ key: String, _ list: [T]) throws -> T? {
        guard let ref = try e.optional(key) else { return nil }
        if ref.value.stringValue != nil {
            throw ExperimentListError.unsupported(file: file, key: ref.path,
                reason: "models split into separate files are not supported; write the list as one file")
        }
        let i = try ref.int()
        guard list.indices.contains(i) else {
            throw ExperimentListError.badIndex(file: file, key: ref.path, index: i, count: list.count)
        }
        return list[i]
    }

    // MARK: models

    func decodeBeam(_ f: JSONField) throws -> Beam {
        let direction = try f.required("direction").vec3()
        guard direction.length > 0 else { throw f.child("direction", .null).bad("is the zero vector") }
        let wavelength = try f.required("wavelength").double()
        var beam = Beam(direction: direction, wavelength: wavelength)
        // dxtbx normalises the direction too; keep the stored vector exact
        // when it already is a unit vector so that round trips are bit-exact.
        if abs(direction.length - 1) < 1e-15 { beam.direction = direction }
        beam.divergence = try f.double("divergence", default: 0)
        beam.sigmaDivergence = try f.double("sigma_divergence", default: 0)
        beam.polarizationNormal = try f.vec3("polarization_normal", default: Vec3(0, 1, 0))
        beam.polarizationFraction = try f.double("polarization_fraction", default: 0.999)
        beam.flux = try f.double("flux", default: 0)
        beam.transmission = try f.double("transmission", default: 1)
        return beam
    }

    /// A panel's own keys (also used for hierarchy group nodes); the frame
    /// is the local one, relative to the parent group.
    func decodePanel(_ f: JSONField) throws -> Panel {
        let size = try f.optional("image_size")?.ints(count: 2) ?? [0, 0]
        let pixel = try f.optional("pixel_size")?.doubles(count: 2) ?? [0, 0]
        let trusted = try f.optional("trusted_range")?.doubles(count: 2) ?? [0, 0]
        var p = Panel(name: try f.string("name", default: ""),
                      fastAxis: try f.vec3("fast_axis", default: Vec3(1, 0, 0)),
                      slowAxis: try f.vec3("slow_axis", default: Vec3(0, 1, 0)),
                      origin: try f.vec3("origin", default: .zero),
                      imageSize: (size[0], size[1]), pixelSize: (pixel[0], pixel[1]),
                      trustedRange: (trusted[0], trusted[1]))
        p.type = try f.string("type", default: "")
        p.identifier = try f.string("identifier", default: "")
        let offset = try f.optional("raw_image_offset")?.ints(count: 2) ?? [0, 0]
        p.rawImageOffset = (offset[0], offset[1])
        p.thickness = try f.double("thickness", default: 0)
        p.material = try f.string("material", default: "")
        p.mu = try f.double("mu", default: 0)
        p.gain = try f.double("gain", default: 1)
        p.pedestal = try f.double("pedestal", default: 0)
        if let m = try f.optional("mask") {
            p.mask = try m.items().map { r in
                let v = try r.ints(count: 4)
                return Panel.MaskRectangle(x0: v[0], y0: v[1], x1: v[2], y1: v[3])
            }
        }
        if let s = try f.optional("px_mm_strategy") {
            let type = try s.required("type")
            let name = try type.string()
            guard let strategy = Panel.PxMmStrategy(rawValue: name) else {
                throw ExperimentListError.unsupported(file: file, key: type.path,
                    reason: "pixel-to-mm strategy \"\(name)\" is not supported (only SimplePxMmStrategy and ParallaxCorrectedPxMmStrategy)")
            }
            p.pxMmStrategy = strategy
        }
        return p
    }

    /// A detector: its panels, placed in the lab frame by composing each
    /// panel's local frame with those of the hierarchy groups above it
    /// (dxtbx `VirtualPanel::update_global_frame`: d = [f₀ s₀ n₀]·d_local,
    /// origin += o₀, with n₀ = f₀ × s₀).
    func decodeDetector(_ f: JSONField) throws -> Detector {
        let panelFields = try f.required("panels").items()
        var panels = try panelFields.map(decodePanel)
        guard let hierarchy = try f.optional("hierarchy") else { return Detector(panels: panels) }
        var placed = [Bool](repeating: false, count: panels.count)

        func place(_ node: JSONField, parent: (fast: Vec3, slow: Vec3, origin: Vec3)) throws {
            let normal = parent.fast.cross(parent.slow)
            let toLab = Mat3(columns: parent.fast, parent.slow, normal)
            if let idx = try node.optional("panel") {
                let i = try idx.int()
                guard panels.indices.contains(i) else {
                    throw ExperimentListError.badIndex(file: file, key: idx.path, index: i, count: panels.count)
                }
                guard !placed[i] else { throw idx.bad("places panel \(i) twice in the hierarchy") }
                placed[i] = true
                var p = panels[i]
                // The identity frame is the common case; skip arithmetic so values stay bit-exact.
                if parent.fast != Vec3(1, 0, 0) || parent.slow != Vec3(0, 1, 0) || parent.origin != .zero {
                    p.fastAxis = toLab * p.fastAxis
                    p.slowAxis = toLab * p.slowAxis
                    p.origin = toLab * p.origin + parent.origin
                }
                panels[i] = p
                return
            }
            let group = try decodePanel(node)
            var frame = (fast: group.fastAxis.normalized, slow: group.slowAxis.normalized, origin: group.origin)
            if parent.fast != Vec3(1, 0, 0) || parent.slow != Vec3(0, 1, 0) || parent.origin != .zero {
                frame = (toLab * frame.fast, toLab * frame.slow, toLab * frame.origin + parent.origin)
            }
            for child in try node.optional("children")?.items() ?? [] {
                try place(child, parent: frame)
            }
        }
        try place(hierarchy, parent: (Vec3(1, 0, 0), Vec3(0, 1, 0), .zero))
        if let i = placed.firstIndex(of: false) {
            throw hierarchy.bad("does not place panel \(i)")
        }
        return Detector(panels: panels)
    }

    /// A goniometer: single-axis (`rotation_axis`, `fixed_rotation`,
    /// `setting_rotation`) or dxtbx's multi-axis form (`axes`, `angles`,
    /// `names`, `scan_axis`), from which F and S are rebuilt.
    func decodeGoniometer(_ f: JSONField) throws -> Goniometer {
        if let axesField = try f.optional("axes") {
            let vectors = try axesField.items().map { try $0.vec3() }
            let anglesField = try f.required("angles")
            let angles = try anglesField.doubles()
            let names = try f.optional("names")?.items().map { try $0.string() } ?? vectors.map { _ in "" }
            guard angles.count == vectors.count else { throw anglesField.bad("has \(angles.count) entries for \(vectors.count) axes") }
            guard names.count == vectors.count else { throw f.child("names", .null).bad("has \(names.count) entries for \(vectors.count) axes") }
            guard !vectors.isEmpty else { throw axesField.bad("is empty") }
            let scanField = try f.required("scan_axis")
            let scanAxis = try scanField.int()
            guard vectors.indices.contains(scanAxis) else {
                throw scanField.bad("is \(scanAxis) but there are only \(vectors.count) axes")
            }
            let axes = (0..<vectors.count).map { Goniometer.Axis(name: names[$0], vector: vectors[$0], angleDegrees: angles[$0]) }
            return Goniometer(axes: axes, scanAxis: scanAxis)
        }
        let axisField = try f.required("rotation_axis")
        let axis = try axisField.vec3()
        guard axis.length > 0 else { throw axisField.bad("is the zero vector") }
        var g = Goniometer(rotationAxis: axis,
                           fixedRotation: try f.mat3("fixed_rotation", default: .identity),
                           settingRotation: try f.mat3("setting_rotation", default: .identity))
        if abs(axis.length - 1) < 1e-15 { g.rotationAxisDatum = axis }
        return g
    }

    func decodeScan(_ f: JSONField) throws -> Scan {
        let rangeField = try f.required("image_range")
        let range = try rangeField.ints(count: 2)
        guard range[1] >= range[0] else { throw rangeField.bad("runs backwards (\(range[0]) to \(range[1]))") }
        var scan: Scan
        if let properties = try f.optional("properties") {
            // dxtbx ≥ 3.13 keeps per-image columns in a properties table:
            // "oscillation" holds each image's start angle (degrees), the
            // width being the step between them, or "oscillation_width" for
            // a single image.
            let oscField = try properties.required("oscillation")
            let starts = try oscField.doubles()
            let n = range[1] - range[0] + 1
            guard starts.count == n else { throw oscField.bad("has \(starts.count) angles for \(n) images") }
            let width = n > 1 ? starts[1] - starts[0] : try properties.required("oscillation_width").doubles(count: 1)[0]
            scan = Scan(imageRange: range[0]...range[1], oscillationStartDegrees: starts[0], oscillationWidthDegrees: width,
                        exposureTimes: try properties.optional("exposure_time")?.doubles() ?? [],
                        epochs: try properties.optional("epochs")?.doubles() ?? [])
        } else {
            let osc = try f.required("oscillation").doubles(count: 2)
            scan = Scan(imageRange: range[0]...range[1], oscillationStartDegrees: osc[0], oscillationWidthDegrees: osc[1],
                        exposureTimes: try f.optional("exposure_time")?.doubles() ?? [],
                        epochs: try f.optional("epochs")?.doubles() ?? [])
        }
        scan.batchOffset = try f.optional("batch_offset")?.int() ?? 0
        if let v = try f.optional("valid_image_ranges") {
            guard let members = v.value.objectValue else { throw v.wrongType("an object") }
            for (key, value) in members {
                let ranges = try v.child(key, value).items().map { r -> ClosedRange<Int> in
                    let ab = try r.ints(count: 2)
                    guard ab[1] >= ab[0] else { throw r.bad("runs backwards") }
                    return ab[0]...ab[1]
                }
                scan.validImageRanges[key] = ranges
            }
        }
        return scan
    }

    func decodeCrystal(_ f: JSONField) throws -> Crystal {
        if let id = try f.optional("__id__")?.string(), id != "crystal" {
            throw f.child("__id__", .string(id)).bad("is \"\(id)\", expected \"crystal\"")
        }
        var c = Crystal(realSpaceA: try f.required("real_space_a").vec3(),
                        realSpaceB: try f.required("real_space_b").vec3(),
                        realSpaceC: try f.required("real_space_c").vec3(),
                        spaceGroupHall: try f.required("space_group_hall_symbol").string())
        guard c.volume > 0 else { throw f.bad("has a cell of zero volume") }
        if let a = try f.optional("A_at_scan_points") {
            c.aAtScanPoints = try a.items().map { try $0.mat3() }
        }
        c.mosaicityDegrees = try f.optional("mosaicity")?.double()
        c.mlHalfMosaicityDegrees = try f.optional("ML_half_mosaicity_deg")?.double()
        c.mlDomainSizeAngstrom = try f.optional("ML_domain_size_ang")?.double()
        return c
    }

    func decodeImageSet(_ f: JSONField) throws -> ImageSetDescription {
        let id = try f.string("__id__", default: "ImageSequence")
        guard id == "ImageSequence" else {
            throw ExperimentListError.unsupported(file: file, key: f.path + ".__id__",
                reason: "image sets of type \"\(id)\" (stills or grids) are not supported; mxflow handles rotation sequences")
        }
        var template = try f.required("template").string()
        if !template.hasPrefix("/"), let base = baseDirectory { template = ExperimentListCodec.normalisedPath(base + "/" + template) }
        let indices = try f.optional("single_file_indices")?.ints()
        var set = ImageSetDescription(kind: indices == nil ? .fileSeries : .nexus, template: template,
                                      singleFileIndices: indices ?? [])
        set.maskPath = try f.optional("mask")?.string()
        return set
    }
}
