// NXTransformations: NeXus depends_on chains of rotations and translations, and the rigid motions they compose to.
import MXMath

/// A rigid motion x ↦ R·x + t (lengths in mm), the 4×4 homogeneous matrix
/// [R t; 0 1] of the NeXus transformation model.
struct RigidMotion {
    var rotation: Mat3 = .identity
    var translation: Vec3 = .zero

    static let identity = RigidMotion()

    /// `self` applied after `inner`: x ↦ self(inner(x)).
    func after(_ inner: RigidMotion) -> RigidMotion {
        RigidMotion(rotation: rotation * inner.rotation, translation: rotation * inner.translation + translation)
    }
    func apply(_ x: Vec3) -> Vec3 { rotation * x + translation }
}

/// NeXus uses the McStas frame (z along the beam, y up); dxtbx the imgCIF
/// frame (x along the rotation axis, beam along −z). The change is
/// diag(−1, 1, −1) (NeXus manual, "Coordinate systems"; dxtbx MCSTAS_TO_IMGCIF).
func mcstasToImgCIF(_ v: Vec3) -> Vec3 { Vec3(-v.x, v.y, -v.z) }

/// One axis of a NeXus NXtransformations chain.
struct NXTransformation {
    enum Kind: String { case rotation, translation }
    /// Absolute path of the dataset in the file.
    var path: String
    var kind: Kind
    /// Axis direction (McStas frame), as stored (NeXus asks for unit length).
    var vector: Vec3
    /// Fixed offset applied before the motion, mm.
    var offset: Vec3
    /// Value per frame (or one value): degrees for rotations, mm for translations.
    var values: [Double]
    /// `<name>_end` values per frame, when present (same unit as `values`).
    var endValues: [Double]?
    /// `<name>_increment_set`, when present.
    var incrementSet: Double?

    /// Last path component, e.g. "omega".
    var name: String { String(path.split(separator: "/").last ?? Substring(path)) }

    /// Whether the values change during the scan.
    var varies: Bool { values.count > 1 && values.contains { $0 != values[0] } }

    /// The motion at frame `index` (the last value when there are fewer):
    /// x ↦ offset + R(vector, value)·x for a rotation, x ↦ x + value·vector + offset
    /// for a translation (NeXus NXtransformations; dxtbx nxmx `matrix`).
    func motion(at index: Int = 0) -> RigidMotion {
        let v = values.isEmpty ? 0 : values[min(index, values.count - 1)]
        switch kind {
        case .rotation:
            let r = vector.length > 0 ? Mat3.rotation(axis: vector, angle: radians(v) * vector.length) : .identity
            return RigidMotion(rotation: r, translation: offset)
        case .translation:
            return RigidMotion(rotation: .identity, translation: vector * v + offset)
        }
    }

    /// Reads the transformation stored at `path`.
    /// - Throws: `ImageReadError` naming the field when an attribute is missing or malformed.
    static func read(_ file: HDF5File, at path: String) throws -> NXTransformation {
        let d = try file.dataset(path)
        guard let typeText = try d.stringAttribute("transformation_type") else {
            throw ImageReadError.missingField(path: file.path, field: path + "@transformation_type")
        }
        guard let kind = Kind(rawValue: typeText.nxTrimmed.lowercased()) else {
            throw ImageReadError.badField(path: file.path, field: path + "@transformation_type",
                                          reason: "is '\(typeText)', expected rotation or translation")
        }
        guard let vec = try d.doublesAttribute("vector") else {
            throw ImageReadError.missingField(path: file.path, field: path + "@vector")
        }
        guard vec.count == 3 else {
            throw ImageReadError.badField(path: file.path, field: path + "@vector", reason: "has \(vec.count) values, expected 3")
        }
        let quantity: NXQuantity = kind == .rotation ? .angle : .length
        let units = d.units
        let values = try d.readValues(quantity)
        var offset = Vec3.zero
        if let o = try d.doublesAttribute("offset") {
            guard o.count == 3 else {
                throw ImageReadError.badField(path: file.path, field: path + "@offset", reason: "has \(o.count) values, expected 3")
            }
            // dxtbx falls back on `units` when `offset_units` is absent (DLS Eiger
            // files); for a rotation that would be an angle, so use metres then.
            let ou = try d.stringAttribute("offset_units") ?? (kind == .translation ? units : "m")
            guard let s = nxScale(ou, .length) else {
                throw ImageReadError.badField(path: file.path, field: path + "@offset_units",
                                              reason: "is '\(ou ?? "")', which is not a length")
            }
            offset = Vec3(o) * s
        }
        var t = NXTransformation(path: path, kind: kind, vector: Vec3(vec), offset: offset, values: values)
        if let end = try file.datasetIfPresent(path + "_end") {
            t.endValues = try end.readValues(quantity, units: end.units ?? units)
        }
        if let inc = try file.datasetIfPresent(path + "_increment_set") {
            t.incrementSet = try inc.readValues(quantity, units: inc.units ?? units).first
        }
        return t
    }

    /// Follows `depends_on` from `start` (an absolute or group-relative path)
    /// until ".", returning the axes nearest the object first.
    /// - Throws: `ImageReadError` for a missing axis, a broken chain or a loop.
    static func chain(_ file: HDF5File, from start: String, relativeTo group: String) throws -> [NXTransformation] {
        var out: [NXTransformation] = []
        var next = resolve(start, relativeTo: group)
        var seen = Set<String>()
        while let p = next {
            guard seen.insert(p).inserted, out.count < 64 else {
                throw ImageReadError.badField(path: file.path, field: p, reason: "is part of a depends_on loop")
            }
            guard try file.exists(p) else {
                throw ImageReadError.missingField(path: file.path, field: p)
            }
            out.append(try read(file, at: p))
            let d = try file.dataset(p)
            guard let dep = try d.stringAttribute("depends_on") else {
                throw ImageReadError.missingField(path: file.path, field: p + "@depends_on")
            }
            next = resolve(dep, relativeTo: directoryInFile(p))
        }
        return out
    }

    /// The cumulative motion of a chain at frame `index`: the outermost axis
    /// (last) acts last, so M = T_n ⋯ T_2 · T_1.
    static func cumulative(_ chain: [NXTransformation], at index: Int = 0) -> RigidMotion {
        chain.reduce(RigidMotion.identity) { acc, t in t.motion(at: index).after(acc) }
    }

    /// An absolute path for a depends_on value; nil for "." (end of chain).
    static func resolve(_ dep: String, relativeTo group: String) -> String? {
        let d = dep.nxTrimmed
        if d == "." || d.isEmpty { return nil }
        if d.hasPrefix("/") { return d }
        return (group == "/" ? "" : group) + "/" + d
    }

    /// The group part of an object path.
    static func directoryInFile(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/"), slash != p.startIndex else { return "/" }
        return String(p[..<slash])
    }
}
