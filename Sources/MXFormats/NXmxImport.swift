// NXmxImport: beam, detector, goniometer, scan and image set of a NeXus/NXmx master file, as dxtbx's FormatNXmx reads them.
import MXMath
import MXModel

/// Where the parts of an NXmx entry live in a file.
struct NXmxLayout {
    let file: HDF5File
    /// The NXentry whose `definition` is NXmx.
    let entry: String
    let sample: String
    let detector: String
    /// NXdetector_module groups, in name order.
    let modules: [String]
    /// The NXbeam group (in NXsample or NXinstrument), when any.
    let beam: String?
    /// Frame datasets in order (Eiger masters split a sweep over
    /// `data_000001`, `data_000002`, …), with their frame counts.
    let dataBlocks: [(path: String, frames: Int)]

    var totalFrames: Int { dataBlocks.reduce(0) { $0 + $1.frames } }

    /// Child groups of `group` whose NX_class is `nxClass`, in name order.
    static func children(_ file: HDF5File, of group: String, nxClass: String) throws -> [String] {
        let g = try file.group(group)
        var out: [String] = []
        for name in g.childNames {
            let p = g.childPath(name)
            // A broken external link elsewhere in the group must not stop the search.
            guard (try? file.kind(of: p)) == .group else { continue }
            if try file.group(p).nxClass == nxClass { out.append(p) }
        }
        return out
    }

    /// Finds the NXmx entry and its parts.
    /// - Throws: `ImageReadError.notRecognised` when no entry has definition NXmx;
    ///   `.missingField` naming the first required group or dataset absent.
    static func locate(_ file: HDF5File) throws -> NXmxLayout {
        var entry: String? = nil
        for e in try children(file, of: "/", nxClass: "NXentry") {
            if let d = try file.datasetIfPresent(e + "/definition"), (try? d.readString())?.nxTrimmed == "NXmx" {
                entry = e
                break
            }
        }
        guard let entry else {
            throw ImageReadError.notRecognised(path: file.path, reason: "no NXentry has definition NXmx")
        }
        guard let sample = try children(file, of: entry, nxClass: "NXsample").first else {
            throw ImageReadError.missingField(path: file.path, field: entry + "/sample (NXsample)")
        }
        guard let instrument = try children(file, of: entry, nxClass: "NXinstrument").first else {
            throw ImageReadError.missingField(path: file.path, field: entry + "/instrument (NXinstrument)")
        }
        guard let detector = try children(file, of: instrument, nxClass: "NXdetector").first else {
            throw ImageReadError.missingField(path: file.path, field: instrument + "/detector (NXdetector)")
        }
        let modules = try children(file, of: detector, nxClass: "NXdetector_module")
        guard !modules.isEmpty else {
            throw ImageReadError.missingField(path: file.path, field: detector + "/module (NXdetector_module)")
        }
        let beam = try children(file, of: sample, nxClass: "NXbeam").first
            ?? children(file, of: instrument, nxClass: "NXbeam").first

        // Frame data: NXdata's `signal`, else `data`, else data_000001, data_000002, …
        let dataGroup = try children(file, of: entry, nxClass: "NXdata").first ?? (entry + "/data")
        guard try file.kind(of: dataGroup) == .group else {
            throw ImageReadError.missingField(path: file.path, field: dataGroup + " (NXdata)")
        }
        let g = try file.group(dataGroup)
        var names: [String]
        if let signal = try g.stringAttribute("signal"), !signal.nxTrimmed.isEmpty {
            names = [signal.nxTrimmed]
        } else if g.childNames.contains("data") {
            names = ["data"]
        } else {
            names = g.childNames.filter { $0.hasPrefix("data_") }.sorted()
        }
        guard !names.isEmpty else {
            throw ImageReadError.missingField(path: file.path, field: dataGroup + "/data")
        }
        var blocks: [(String, Int)] = []
        for n in names {
            let p = g.childPath(n)
            let d = try file.dataset(p)  // throws, naming a missing external file
            let shape = d.shape
            guard shape.count == 3 else {
                throw ImageReadError.badField(path: file.path, field: p,
                                              reason: "has shape \(shape), expected [frames, slow, fast]")
            }
            blocks.append((p, shape[0]))
        }
        return NXmxLayout(file: file, entry: entry, sample: sample, detector: detector, modules: modules,
                          beam: beam, dataBlocks: blocks)
    }

    /// A dataset inside `group` that must be present.
    func required(_ group: String, _ name: String) throws -> HDF5Dataset {
        try file.dataset(group + "/" + name)
    }
    /// A dataset inside `group`, or nil.
    func optional(_ group: String, _ name: String) throws -> HDF5Dataset? {
        try file.datasetIfPresent(group + "/" + name)
    }
}

/// Reads the experiment of an NXmx master file the way dxtbx's FormatNXmx
/// does: the entry with definition NXmx; the goniometer and scan from the
/// sample's `depends_on` chain (the varying rotation is the scan axis);
/// the wavelength of the first frame; one panel per NXdetector_module, placed
/// by its `depends_on` chain and converted from McStas to the imgCIF frame.
/// - Parameter masterPath: the master file (made absolute for the image set).
/// - Throws: `ImageReadError`, one sentence naming the file and the field.
public func importNXmx(masterPath: String) throws -> Experiment {
    let file = try HDF5File(readingAt: masterPath)
    let layout = try NXmxLayout.locate(file)
    let path = file.path

    // Goniometer and scan from the sample's depends_on chain.
    guard let dependsOn = try layout.optional(layout.sample, "depends_on") else {
        throw ImageReadError.missingField(path: path, field: layout.sample + "/depends_on")
    }
    let chain = try NXTransformation.chain(file, from: try dependsOn.readString(), relativeTo: layout.sample)
    guard !chain.isEmpty else {
        throw ImageReadError.badField(path: path, field: layout.sample + "/depends_on",
                                      reason: "is '.', so the sample has no rotation axis")
    }
    let rotations = chain.filter { $0.kind == .rotation }
    // dxtbx: the first varying rotation, else the first varying axis, else the first axis.
    let scanAxis = rotations.first(where: \.varies) ?? chain.first(where: \.varies) ?? chain[0]

    let goniometer: Goniometer?
    let varyingRotations = rotations.filter(\.varies)
    if varyingRotations.count > 1 {
        throw ImageReadError.badField(path: path, field: layout.sample + "/depends_on",
                                      reason: "leads to \(varyingRotations.count) rotating axes; only one may be scanned")
    }
    if rotations.count == 1 {
        goniometer = Goniometer(rotationAxis: mcstasToImgCIF(rotations[0].vector))
    } else if rotations.count > 1 {
        let axes = rotations.map {
            Goniometer.Axis(name: $0.name, vector: mcstasToImgCIF($0.vector).normalized,
                            angleDegrees: $0.values.first ?? 0)
        }
        let scanIndex = rotations.firstIndex(where: \.varies) ?? 0
        goniometer = Goniometer(axes: axes, scanAxis: scanIndex)
    } else {
        goniometer = nil
    }

    let dataFrames = layout.totalFrames
    let n = scanAxis.values.count > 1 ? min(scanAxis.values.count, dataFrames) : dataFrames
    guard n > 0 else {
        throw ImageReadError.badField(path: path, field: layout.dataBlocks[0].path, reason: "holds no frames")
    }
    var start = 0.0, width = 0.0
    if scanAxis.kind == .rotation {
        start = scanAxis.values.first ?? 0
        var steps: [Double] = []
        if let end = scanAxis.endValues, !end.isEmpty {
            steps = zip(end, scanAxis.values).map { $0 - $1 }
        } else if scanAxis.values.count > 1 {
            steps = zip(scanAxis.values.dropFirst(), scanAxis.values).map { $0 - $1 }
        } else if let inc = scanAxis.incrementSet {
            steps = [inc]
        }
        width = median(steps)
    }

    // Timing: dxtbx takes frame_time for every image and epochs i·frame_time.
    let detectorPath = layout.detector
    var frameTime = 0.0
    if let ft = try layout.optional(detectorPath, "frame_time") ?? layout.optional(detectorPath, "count_time") {
        frameTime = try ft.readValue(.time)
    }
    let scan = Scan(imageRange: 1...n, oscillationStartDegrees: start, oscillationWidthDegrees: width,
                    exposureTimes: [Double](repeating: frameTime, count: n),
                    epochs: (0..<n).map { Double($0) * frameTime })

    // Beam: the first frame's wavelength.
    guard let beamGroup = layout.beam,
          let wl = try layout.optional(beamGroup, "incident_wavelength") else {
        throw ImageReadError.missingField(
            path: path, field: (layout.beam ?? layout.entry + "/instrument/beam") + "/incident_wavelength")
    }
    let wavelength = try wl.readValue(.wavelength)
    guard wavelength > 0, wavelength.isFinite else {
        throw ImageReadError.badField(path: path, field: wl.path, reason: "is \(wavelength) Å; it must be positive")
    }
    let beam = Beam(direction: Vec3(0, 0, 1), wavelength: wavelength)

    // Detector: one panel per module.
    let saturation = try layout.optional(detectorPath, "saturation_value")?.readDouble() ?? Double(0x7FFF_FFFF)
    let underload = try layout.optional(detectorPath, "underload_value")?.readDouble() ?? -Double(0x7FFF_FFFF)
    var thickness = 0.0
    if let t = try layout.optional(detectorPath, "sensor_thickness") { thickness = try t.readValue(.length) }
    var material = ""
    if let m = try layout.optional(detectorPath, "sensor_material") {
        let name = try m.readString()
        material = SensorAttenuation.symbol(for: name) ?? name.nxTrimmed
    }
    let mu = SensorAttenuation.mu(material: material, wavelength: wavelength) ?? 0

    var panels: [Panel] = []
    for module in layout.modules {
        let fast = try layout.required(module, "fast_pixel_direction")
        let slow = try layout.required(module, "slow_pixel_direction")
        let size = try layout.required(module, "data_size").readInt64s().map { Int($0) }
        guard size.count == 2, size[0] > 0, size[1] > 0 else {
            throw ImageReadError.badField(path: path, field: module + "/data_size", reason: "is \(size), expected [slow, fast]")
        }
        let origin = try layout.optional(module, "data_origin")?.readInt64s().map { Int($0) } ?? [0, 0]
        guard origin.count == 2 else {
            throw ImageReadError.badField(path: path, field: module + "/data_origin", reason: "is \(origin), expected [slow, fast]")
        }
        let fastT = try NXTransformation.read(file, at: fast.path)
        let slowT = try NXTransformation.read(file, at: slow.path)
        func chain(of d: HDF5Dataset) throws -> [NXTransformation] {
            guard let dep = try d.stringAttribute("depends_on") else {
                throw ImageReadError.missingField(path: path, field: d.path + "@depends_on")
            }
            return try NXTransformation.chain(file, from: dep, relativeTo: module)
        }
        let fastChain = try chain(of: fast), slowChain = try chain(of: slow)
        // Axes turn with the rotations of their chain; the origin moves with all of it.
        let rFast = NXTransformation.cumulative(fastChain.filter { $0.kind == .rotation }).rotation
        let rSlow = NXTransformation.cumulative(slowChain.filter { $0.kind == .rotation }).rotation
        let fastAxis = mcstasToImgCIF(rFast * fastT.vector).normalized
        let slowAxis = mcstasToImgCIF(rSlow * slowT.vector).normalized
        let originLab = mcstasToImgCIF(NXTransformation.cumulative(fastChain).translation)
        let pixelSize = (fast: fastT.values.first ?? 0, slow: slowT.values.first ?? 0)
        guard pixelSize.fast > 0, pixelSize.slow > 0 else {
            throw ImageReadError.badField(path: path, field: fast.path, reason: "gives a pixel size of \(pixelSize.fast) mm")
        }
        var panel = Panel(name: module, fastAxis: fastAxis, slowAxis: slowAxis, origin: originLab,
                          imageSize: (fast: size[1], slow: size[0]), pixelSize: pixelSize,
                          trustedRange: (low: underload - 1, high: saturation))
        panel.rawImageOffset = (x: origin[1], y: origin[0])
        panel.thickness = thickness
        panel.material = material
        panel.mu = mu
        // dxtbx corrects parallax whenever the sensor's material and thickness are known.
        panel.pxMmStrategy = (mu > 0 && thickness > 0) ? .parallaxCorrected : .simple
        panels.append(panel)
    }

    var imageSet = ImageSetDescription(kind: .nexus, template: path, singleFileIndices: Array(0..<n))
    imageSet.maskPath = nil
    return Experiment(beam: beam, detector: Detector(panels: panels), goniometer: goniometer, scan: scan,
                      imageSet: imageSet)
}

/// Median of `v` (mean of the middle two for an even count); 0 when empty.
func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return 0 }
    let s = v.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
