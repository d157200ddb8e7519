// ExperimentListEncoder: mxflow models → dxtbx `.expt` JSON, equal models shared by index.
import MXMath
import MXModel

/// Builds the JSON document dxtbx's `ExperimentList.to_dict` would write for
/// the same models, key for key and in the same order.
struct ExperimentListEncoder {
    /// Equal values collected once, in first-use order: the index tables
    /// experiments refer to.
    private struct Table<T: Equatable> {
        var values: [T] = []
        mutating func index(of v: T) -> Int {
            if let i = values.firstIndex(of: v) { return i }
            values.append(v)
            return values.count - 1
        }
    }

    func encode(_ list: ExperimentList) throws -> JSONValue {
        var beams = Table<Beam>(), detectors = Table<Detector>(), goniometers = Table<Goniometer>()
        var scans = Table<Scan>(), crystals = Table<Crystal>(), imageSets = Table<ImageSetDescription>()
        var experiments: [JSONValue] = []
        var profiles: [JSONValue] = []
        for e in list.experiments {
            // dxtbx's member order: beam, detector, goniometer, scan, crystal,
            // profile, scaling_model, imageset.
            var obj: [(String, JSONValue)] = [("__id__", .string("Experiment")), ("identifier", .string(e.identifier))]
            obj.append(("beam", .int(beams.index(of: e.beam))))
            obj.append(("detector", .int(detectors.index(of: e.detector))))
            if let g = e.goniometer { obj.append(("goniometer", .int(goniometers.index(of: g)))) }
            if let s = e.scan { obj.append(("scan", .int(scans.index(of: s)))) }
            if let c = e.crystal { obj.append(("crystal", .int(crystals.index(of: c)))) }
            // dxtbx lists profile models at the top level and refers to them by index.
            if let p = e.profile {
                obj.append(("profile", .int(profiles.count)))
                profiles.append(.object([("__id__", .string("gaussian_rs")), ("n_sigma", try real(p.nSigma, "profile.n_sigma")),
                                         ("sigma_b", try real(p.sigmaBDegrees, "profile.sigma_b")),
                                         ("sigma_m", try real(p.sigmaMDegrees, "profile.sigma_m"))]))
            }
            if let i = e.imageSet { obj.append(("imageset", .int(imageSets.index(of: i)))) }
            experiments.append(.object(obj))
        }
        return .object([
            ("__id__", .string("ExperimentList")),
            ("experiment", .array(experiments)),
            ("imageset", .array(imageSets.values.map(encodeImageSet))),
            ("beam", .array(try beams.values.enumerated().map { try encodeBeam($1, key: "beam[\($0)]") })),
            ("detector", .array(try detectors.values.enumerated().map { try encodeDetector($1, key: "detector[\($0)]") })),
            ("goniometer", .array(try goniometers.values.enumerated().map { try encodeGoniometer($1, key: "goniometer[\($0)]") })),
            ("scan", .array(try scans.values.enumerated().map { try encodeScan($1, key: "scan[\($0)]") })),
            ("crystal", .array(try crystals.values.enumerated().map { try encodeCrystal($1, key: "crystal[\($0)]") })),
            ("profile", .array(profiles)),
            ("scaling_model", .array([])),
        ])
    }

    // MARK: numbers (JSON has no NaN or infinity; dxtbx would write invalid JSON)

    /// A finite real; −0 is written as 0 (frame conversions such as McStas →
    /// imgCIF negate zeros, and the value is the same), so files match
    /// what dxtbx writes for the same geometry.
    private func real(_ d: Double, _ key: String) throws -> JSONValue {
        guard d.isFinite else { throw ExperimentListError.cannotEncode(key: key, reason: "is \(d), which JSON cannot hold") }
        return .double(d == 0 ? 0 : d)
    }
    private func reals(_ ds: [Double], _ key: String) throws -> JSONValue { .array(try ds.map { try real($0, key) }) }
    private func vector(_ v: Vec3, _ key: String) throws -> JSONValue { try reals(v.array, key) }
    private func matrix(_ m: Mat3, _ key: String) throws -> JSONValue { try reals(m.elements, key) }
    private func ints(_ v: [Int]) -> JSONValue { .array(v.map { .int($0) }) }

    // MARK: models

    func encodeBeam(_ b: Beam, key: String) throws -> JSONValue {
        .object([
            ("direction", try vector(b.direction, key + ".direction")),
            ("wavelength", try real(b.wavelength, key + ".wavelength")),
            ("divergence", try real(b.divergence, key + ".divergence")),
            ("sigma_divergence", try real(b.sigmaDivergence, key + ".sigma_divergence")),
            ("polarization_normal", try vector(b.polarizationNormal, key + ".polarization_normal")),
            ("polarization_fraction", try real(b.polarizationFraction, key + ".polarization_fraction")),
            ("flux", try real(b.flux, key + ".flux")),
            ("transmission", try real(b.transmission, key + ".transmission")),
        ])
    }

    /// A panel's keys as dxtbx's `Panel.to_dict` writes them.
    func panelMembers(_ p: Panel, key: String) throws -> [(String, JSONValue)] {
        [
            ("name", .string(p.name)),
            ("type", .string(p.type)),
            ("fast_axis", try vector(p.fastAxis, key + ".fast_axis")),
            ("slow_axis", try vector(p.slowAxis, key + ".slow_axis")),
            ("origin", try vector(p.origin, key + ".origin")),
            ("raw_image_offset", ints([p.rawImageOffset.x, p.rawImageOffset.y])),
            ("image_size", ints([p.imageSize.fast, p.imageSize.slow])),
            ("pixel_size", try reals([p.pixelSize.fast, p.pixelSize.slow], key + ".pixel_size")),
            ("trusted_range", try reals([p.trustedRange.low, p.trustedRange.high], key + ".trusted_range")),
            ("thickness", try real(p.thickness, key + ".thickness")),
            ("material", .string(p.material)),
            ("mu", try real(p.mu, key + ".mu")),
            ("identifier", .string(p.identifier)),
            ("mask", .array(p.mask.map { ints([$0.x0, $0.y0, $0.x1, $0.y1]) })),
            ("gain", try real(p.gain, key + ".gain")),
            ("pedestal", try real(p.pedestal, key + ".pedestal")),
            ("px_mm_strategy", .object([("type", .string(p.pxMmStrategy.rawValue))])),
        ]
    }

    /// Panels in lab frames under a flat hierarchy: one root group with the
    /// identity frame, as dxtbx builds for a detector made without groups.
    func encodeDetector(_ d: Detector, key: String) throws -> JSONValue {
        var root = Panel(name: "", fastAxis: Vec3(1, 0, 0), slowAxis: Vec3(0, 1, 0), origin: .zero,
                         imageSize: (0, 0), pixelSize: (0, 0), trustedRange: (0, 0))
        root.type = ""
        var hierarchy = try panelMembers(root, key: key + ".hierarchy")
        hierarchy.append(("children", .array(d.panels.indices.map { .object([("panel", .int($0))]) })))
        return .object([
            ("panels", .array(try d.panels.enumerated().map { .object(try panelMembers($1, key: "\(key).panels[\($0)]")) })),
            ("hierarchy", .object(hierarchy)),
        ])
    }

    /// Single-axis form, or dxtbx's multi-axis form when the axes are known
    /// (F and S are then rebuilt from them on reading, as dxtbx does).
    func encodeGoniometer(_ g: Goniometer, key: String) throws -> JSONValue {
        if !g.axes.isEmpty {
            return .object([
                ("axes", .array(try g.axes.map { try vector($0.vector, key + ".axes") })),
                ("angles", try reals(g.axes.map(\.angleDegrees), key + ".angles")),
                ("names", .array(g.axes.map { .string($0.name) })),
                ("scan_axis", .int(g.scanAxisIndex)),
            ])
        }
        return .object([
            ("rotation_axis", try vector(g.rotationAxisDatum, key + ".rotation_axis")),
            ("fixed_rotation", try matrix(g.fixedRotation, key + ".fixed_rotation")),
            ("setting_rotation", try matrix(g.settingRotation, key + ".setting_rotation")),
        ])
    }

    func encodeScan(_ s: Scan, key: String) throws -> JSONValue {
        // Python dicts keep insertion order, which a Swift dictionary lacks;
        // sorting the identifiers keeps the output deterministic.
        let ranges = s.validImageRanges.keys.sorted().map { id in
            (id, JSONValue.array(s.validImageRanges[id]!.map { ints([$0.lowerBound, $0.upperBound]) }))
        }
        return .object([
            ("image_range", ints([s.imageRange.lowerBound, s.imageRange.upperBound])),
            ("batch_offset", .int(s.batchOffset)),
            ("oscillation", try reals([s.oscillationStartDegrees, s.oscillationWidthDegrees], key + ".oscillation")),
            ("exposure_time", try reals(s.exposureTimes, key + ".exposure_time")),
            ("epochs", try reals(s.epochs, key + ".epochs")),
            ("valid_image_ranges", .object(ranges)),
        ])
    }

    func encodeCrystal(_ c: Crystal, key: String) throws -> JSONValue {
        var obj: [(String, JSONValue)] = [
            ("__id__", .string("crystal")),
            ("real_space_a", try vector(c.realSpaceA, key + ".real_space_a")),
            ("real_space_b", try vector(c.realSpaceB, key + ".real_space_b")),
            ("real_space_c", try vector(c.realSpaceC, key + ".real_space_c")),
            ("space_group_hall_symbol", .string(c.spaceGroupHall)),
        ]
        if !c.aAtScanPoints.isEmpty {
            obj.append(("A_at_scan_points", .array(try c.aAtScanPoints.map { try matrix($0, key + ".A_at_scan_points") })))
        }
        // dxtbx's MosaicCrystalKabsch2010 adds "mosaicity"; Sauter2014 adds the ML pair.
        if let m = c.mosaicityDegrees { obj.append(("mosaicity", try real(m, key + ".mosaicity"))) }
        if c.mlHalfMosaicityDegrees != nil || c.mlDomainSizeAngstrom != nil {
            obj.append(("ML_half_mosaicity_deg", try c.mlHalfMosaicityDegrees.map { try real($0, key + ".ML_half_mosaicity_deg") } ?? .null))
            obj.append(("ML_domain_size_ang", try c.mlDomainSizeAngstrom.map { try real($0, key + ".ML_domain_size_ang") } ?? .null))
        }
        return .object(obj)
    }

    /// An `ImageSequence` entry; the external lookups other than the mask are
    /// never set by mxflow, and `params` is what `dials.import` records.
    func encodeImageSet(_ i: ImageSetDescription) -> JSONValue {
        var obj: [(String, JSONValue)] = [("__id__", .string("ImageSequence")), ("template", .string(i.template))]
        if i.kind == .nexus { obj.append(("single_file_indices", ints(i.singleFileIndices))) }
        obj += [
            ("mask", i.maskPath.map { .string($0) } ?? .null),
            ("gain", .null), ("pedestal", .null), ("dx", .null), ("dy", .null),
            ("params", .object([("dynamic_shadowing", .string("Auto")), ("multi_panel", .bool(false))])),
        ]
        return .object(obj)
    }
}
