// HDF5File: a small read-only Swift wrapper over libhdf5 (groups, links, datasets, attributes, raw chunks).
import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// HDF5 prints its error stack to stderr by default; mxflow reports errors
/// itself as one sentence. In a thread-safe libhdf5 the setting lives in each
/// thread's error stack, so every entry point calls this (it is cheap).
@inline(__always) func hdf5Quiet() { chdf5_silence_errors() }

/// H5P_DEFAULT and H5S_ALL import as Int32; the API takes hid_t (Int64).
let h5pDefault = hid_t(H5P_DEFAULT)
let h5sAll = hid_t(H5S_ALL)

/// Whether a file exists at `path` (any kind of file).
func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// `path` made absolute against the current directory, with `.` components removed.
func absolutePath(_ path: String) -> String {
    var full = path
    if !path.hasPrefix("/") {
        var buf = [CChar](repeating: 0, count: 4096)
        if getcwd(&buf, buf.count) != nil {
            let cwd = String(cString: buf)
            full = cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path
        }
    }
    var parts: [Substring] = []
    for p in full.split(separator: "/") {
        if p == "." || p.isEmpty { continue }
        if p == "..", !parts.isEmpty { parts.removeLast(); continue }
        parts.append(p)
    }
    return "/" + parts.joined(separator: "/")
}

/// The folder holding `path` (absolute).
func directoryOf(_ path: String) -> String {
    let abs = absolutePath(path)
    guard let slash = abs.lastIndex(of: "/"), slash != abs.startIndex else { return "/" }
    return String(abs[..<slash])
}

/// The element type of a dataset or attribute, as far as mxflow cares.
public enum HDF5ElementType: Equatable, Sendable {
    case integer(bytes: Int, signed: Bool)
    case float(bytes: Int)
    /// A string; `variable` for variable-length strings, else `bytes` per string.
    case string(variable: Bool, bytes: Int)
    case other(String)

    /// Whether values convert to numbers.
    public var isNumeric: Bool {
        switch self { case .integer, .float: return true; default: return false }
    }
}

/// One entry of a dataset's filter pipeline (e.g. 32008 bitshuffle with its cd_values).
public struct HDF5Filter: Equatable, Sendable {
    public var id: Int
    public var name: String
    public var flags: UInt32
    public var clientData: [UInt32]
    public init(id: Int, name: String, flags: UInt32, clientData: [UInt32]) {
        self.id = id; self.name = name; self.flags = flags; self.clientData = clientData
    }
    public static let deflate = 1
    public static let bitshuffle = 32008
}

/// An HDF5 file opened read-only. Objects opened from it keep it alive.
/// External links are followed relative to this file's folder; a link whose
/// target file is missing becomes an error naming the link and the file.
public final class HDF5File: @unchecked Sendable {
    /// Absolute path of the file.
    public let path: String
    /// Folder of the file; relative external links resolve against it.
    public let directory: String
    let id: hid_t
    /// Link- and dataset-access property lists carrying the external-link prefix.
    let lapl: hid_t
    let dapl: hid_t

    /// Opens `path` read-only.
    /// - Throws: `ImageReadError.fileMissing` or `.notRecognised` (not HDF5, unreadable).
    public init(readingAt path: String) throws {
        hdf5Quiet()
        let abs = absolutePath(path)
        guard fileExists(abs) else { throw ImageReadError.fileMissing(path: abs) }
        guard H5Fis_hdf5(abs) > 0 else {
            throw ImageReadError.notRecognised(path: abs, reason: "not an HDF5 file")
        }
        let fid = H5Fopen(abs, chdf5_f_acc_rdonly(), h5pDefault)
        guard fid >= 0 else { throw ImageReadError.notRecognised(path: abs, reason: "HDF5 could not open it") }
        self.path = abs
        self.directory = directoryOf(abs)
        self.id = fid
        let l = H5Pcreate(chdf5_p_link_access())
        _ = H5Pset_elink_prefix(l, directory + "/")
        self.lapl = l
        let d = H5Pcreate(chdf5_p_dataset_access())
        _ = H5Pset_elink_prefix(d, directory + "/")
        self.dapl = d
    }

    deinit {
        H5Pclose(dapl)
        H5Pclose(lapl)
        H5Fclose(id)
    }

    /// The kind of object at a path.
    public enum ObjectKind: Sendable { case group, dataset, other }

    /// Walks `objectPath` component by component so that a broken external
    /// link is reported by name. Returns false when some component is absent.
    /// - Throws: `ImageReadError.badField` when an external link's file is missing.
    func checkPath(_ objectPath: String) throws -> Bool {
        hdf5Quiet()
        let parts = objectPath.split(separator: "/")
        var prefix = ""
        for part in parts {
            prefix += "/" + part
            guard H5Lexists(id, prefix, lapl) > 0 else { return false }
            var info = H5L_info_t()
            guard H5Lget_info(id, prefix, &info, lapl) >= 0 else { return false }
            if info.type == H5L_TYPE_EXTERNAL {
                let size = Int(info.u.val_size)
                var buf = [UInt8](repeating: 0, count: max(size, 1))
                guard H5Lget_val(id, prefix, &buf, size, lapl) >= 0 else { return false }
                var flags: UInt32 = 0
                var fileName: UnsafePointer<CChar>? = nil
                var objName: UnsafePointer<CChar>? = nil
                guard H5Lunpack_elink_val(&buf, size, &flags, &fileName, &objName) >= 0,
                      let fn = fileName else { return false }
                let target = String(cString: fn)
                let object = objName.map { String(cString: $0) } ?? "/"
                let resolved = target.hasPrefix("/") ? target : directory + "/" + target
                guard fileExists(resolved) else {
                    throw ImageReadError.badField(
                        path: path, field: prefix,
                        reason: "is an external link to \(target):\(object), but \(resolved) does not exist")
                }
                guard H5Fis_hdf5(resolved) > 0 else {
                    throw ImageReadError.badField(
                        path: path, field: prefix,
                        reason: "is an external link to \(target):\(object), but \(resolved) is not an HDF5 file")
                }
                guard H5Oexists_by_name(id, prefix, lapl) > 0 else {
                    throw ImageReadError.badField(
                        path: path, field: prefix,
                        reason: "is an external link to \(target):\(object), which is not in that file")
                }
            }
        }
        return true
    }

    /// Whether an object exists at `objectPath` (following links). A broken
    /// external link still throws, so that the user learns which file is missing.
    public func exists(_ objectPath: String) throws -> Bool {
        guard try checkPath(objectPath) else { return false }
        return H5Oexists_by_name(id, objectPath, lapl) > 0
    }

    /// The kind of object at `objectPath`, or nil when there is none.
    public func kind(of objectPath: String) throws -> ObjectKind? {
        guard try exists(objectPath) else { return nil }
        let oid = H5Oopen(id, objectPath, lapl)
        guard oid >= 0 else { return nil }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Opens the group at `objectPath`.
    /// - Throws: `ImageReadError.missingField` when absent, `.badField` when not a group.
    public func group(_ objectPath: String) throws -> HDF5Group {
        guard try exists(objectPath) else { throw ImageReadError.missingField(path: path, field: objectPath) }
        let gid = H5Gopen2(id, objectPath, h5pDefault)
        guard gid >= 0 else { throw ImageReadError.badField(path: path, field: objectPath, reason: "is not a group") }
        return HDF5Group(file: self, path: objectPath, id: gid)
    }

    /// Opens the dataset at `objectPath`.
    /// - Throws: `ImageReadError.missingField` when absent, `.badField` when not a dataset.
    public func dataset(_ objectPath: String) throws -> HDF5Dataset {
        guard try exists(objectPath) else { throw ImageReadError.missingField(path: path, field: objectPath) }
        guard try kind(of: objectPath) == .dataset else {
            throw ImageReadError.badField(path: path, field: objectPath, reason: "is not a dataset")
        }
        let did = H5Dopen2(id, objectPath, dapl)
        guard did >= 0 else {
            throw ImageReadError.badField(path: path, field: objectPath, reason: "cannot be opened as a dataset")
        }
        return HDF5Dataset(file: self, path: objectPath, id: did)
    }

    /// The dataset at `objectPath`, or nil when nothing is there.
    public func datasetIfPresent(_ objectPath: String) throws -> HDF5Dataset? {
        guard try kind(of: objectPath) == .dataset else { return nil }
        return try dataset(objectPath)
    }

    /// The root group.
    public func root() throws -> HDF5Group { try group("/") }
}

/// Shared pieces of groups and datasets: path, attributes.
public class HDF5Object: @unchecked Sendable {
    public let file: HDF5File
    /// Path inside the file, e.g. `/entry/instrument/detector`.
    public let path: String
    let id: hid_t

    init(file: HDF5File, path: String, id: hid_t) {
        self.file = file; self.path = path; self.id = id
    }

    /// Path of a child: `path` + "/" + `name`.
    public func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// Names of this object's attributes.
    public var attributeNames: [String] {
        hdf5Quiet()
        var names: [String] = []
        let n = H5Aget_num_attrs(id)
        guard n > 0 else { return [] }
        for i in 0..<Int(n) {
            let aid = H5Aopen_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), h5pDefault, h5pDefault)
            guard aid >= 0 else { continue }
            let len = H5Aget_name(aid, 0, nil)
            if len > 0 {
                var buf = [CChar](repeating: 0, count: Int(len) + 1)
                H5Aget_name(aid, buf.count, &buf)
                names.append(String(cString: buf))
            }
            H5Aclose(aid)
        }
        return names
    }

    /// The attribute `name`, or nil when absent.
    public func attribute(_ name: String) -> HDF5Attribute? {
        hdf5Quiet()
        guard H5Aexists(id, name) > 0 else { return nil }
        let aid = H5Aopen(id, name, h5pDefault)
        guard aid >= 0 else { return nil }
        return HDF5Attribute(owner: self, name: name, id: aid)
    }

    /// A string attribute (the first, if it is an array), or nil when absent.
    public func stringAttribute(_ name: String) throws -> String? {
        guard let a = attribute(name) else { return nil }
        return try a.readStrings().first
    }

    /// A numeric attribute as doubles, or nil when absent.
    public func doublesAttribute(_ name: String) throws -> [Double]? {
        guard let a = attribute(name) else { return nil }
        return try a.readDoubles()
    }
}

/// An open HDF5 group.
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    deinit { H5Gclose(id) }

    /// Names of the links in this group, in name order.
    public var childNames: [String] {
        hdf5Quiet()
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { return [] }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let len = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, h5pDefault)
            guard len > 0 else { continue }
            var buf = [CChar](repeating: 0, count: Int(len) + 1)
            H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, h5pDefault)
            names.append(String(cString: buf))
        }
        return names
    }

    /// The NX_class attribute, or nil.
    public var nxClass: String? { (try? stringAttribute("NX_class")) ?? nil }
}

/// Something values can be read from: a dataset or an attribute.
public protocol HDF5Readable {
    /// Human name for errors: the object path, or path@attribute.
    var displayName: String { get }
    var filePath: String { get }
    /// The file type id (caller closes) and dataspace id (caller closes).
    func _typeID() -> hid_t
    func _spaceID() -> hid_t
    func _read(memType: hid_t, into buffer: UnsafeMutableRawPointer) -> herr_t
}

extension HDF5Readable {
    /// Dimensions (empty for a scalar).
    public var shape: [Int] {
        hdf5Quiet()
        let space = _spaceID()
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank > 0 else { return [] }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int {
        let space = _spaceID()
        defer { H5Sclose(space) }
        return Int(H5Sget_simple_extent_npoints(space))
    }

    /// The element type.
    public var elementType: HDF5ElementType {
        hdf5Quiet()
        let t = _typeID()
        defer { H5Tclose(t) }
        let size = H5Tget_size(t)
        switch H5Tget_class(t) {
        case H5T_INTEGER: return .integer(bytes: size, signed: H5Tget_sign(t) == H5T_SGN_2)
        case H5T_FLOAT: return .float(bytes: size)
        case H5T_STRING: return .string(variable: H5Tis_variable_str(t) > 0, bytes: size)
        case H5T_ENUM: return .other("enum")
        case H5T_COMPOUND: return .other("compound")
        default: return .other("type class \(H5Tget_class(t).rawValue)")
        }
    }

    private func readNumbers<T>(_ memType: hid_t, zero: T) throws -> [T] {
        hdf5Quiet()
        guard elementType.isNumeric else {
            throw ImageReadError.badField(path: filePath, field: displayName, reason: "is not numeric")
        }
        var out = [T](repeating: zero, count: elementCount)
        let rc = out.withUnsafeMutableBytes { _read(memType: memType, into: $0.baseAddress!) }
        guard rc >= 0 else {
            throw ImageReadError.badField(path: filePath, field: displayName, reason: "could not be read")
        }
        return out
    }

    /// All values converted to Double (any integer or float type).
    public func readDoubles() throws -> [Double] { try readNumbers(chdf5_native_double(), zero: 0.0) }
    /// All values converted to Int64 (integers; floats are truncated by HDF5).
    public func readInt64s() throws -> [Int64] { try readNumbers(chdf5_native_int64(), zero: Int64(0)) }

    /// The single value of a scalar or one-element numeric object.
    public func readDouble() throws -> Double {
        let v = try readDoubles()
        guard let first = v.first else {
            throw ImageReadError.badField(path: filePath, field: displayName, reason: "is empty")
        }
        return first
    }

    /// All strings (fixed-length or variable-length).
    public func readStrings() throws -> [String] {
        hdf5Quiet()
        guard case .string(let variable, let bytes) = elementType else {
            throw ImageReadError.badField(path: filePath, field: displayName, reason: "is not a string")
        }
        let n = elementCount
        let ftype = _typeID()
        defer { H5Tclose(ftype) }
        let mem = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(mem) }
        H5Tset_cset(mem, H5Tget_cset(ftype))
        if variable {
            H5Tset_size(mem, chdf5_variable())
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
            let rc = ptrs.withUnsafeMutableBytes { _read(memType: mem, into: $0.baseAddress!) }
            guard rc >= 0 else {
                throw ImageReadError.badField(path: filePath, field: displayName, reason: "could not be read")
            }
            let strings = ptrs.map { $0.map { String(cString: $0) } ?? "" }
            let space = _spaceID()
            ptrs.withUnsafeMutableBytes { _ = H5Dvlen_reclaim(mem, space, h5pDefault, $0.baseAddress!) }
            H5Sclose(space)
            return strings
        }
        H5Tset_size(mem, bytes)
        H5Tset_strpad(mem, H5Tget_strpad(ftype))
        var raw = [UInt8](repeating: 0, count: max(1, n * bytes))
        let rc = raw.withUnsafeMutableBytes { _read(memType: mem, into: $0.baseAddress!) }
        guard rc >= 0 else {
            throw ImageReadError.badField(path: filePath, field: displayName, reason: "could not be read")
        }
        return (0..<n).map { i in
            var slice = raw[(i * bytes)..<((i + 1) * bytes)]
            if let nul = slice.firstIndex(of: 0) { slice = slice[..<nul] }
            while let last = slice.last, last == 0x20 { slice = slice.dropLast() }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    /// The single string of a scalar (or the first of an array).
    public func readString() throws -> String {
        guard let s = try readStrings().first else {
            throw ImageReadError.badField(path: filePath, field: displayName, reason: "is empty")
        }
        return s
    }
}

/// An open attribute of a group or dataset.
public final class HDF5Attribute: HDF5Readable, @unchecked Sendable {
    let owner: HDF5Object
    public let name: String
    let id: hid_t
    init(owner: HDF5Object, name: String, id: hid_t) { self.owner = owner; self.name = name; self.id = id }
    deinit { H5Aclose(id) }
    public var displayName: String { "\(owner.path)@\(name)" }
    public var filePath: String { owner.file.path }
    public func _typeID() -> hid_t { H5Aget_type(id) }
    public func _spaceID() -> hid_t { H5Aget_space(id) }
    public func _read(memType: hid_t, into buffer: UnsafeMutableRawPointer) -> herr_t { H5Aread(id, memType, buffer) }
}

/// An open dataset: values, shape, chunking, filters and raw chunks.
public final class HDF5Dataset: HDF5Object, HDF5Readable, @unchecked Sendable {
    deinit { H5Dclose(id) }
    public var displayName: String { path }
    public var filePath: String { file.path }
    public func _typeID() -> hid_t { H5Dget_type(id) }
    public func _spaceID() -> hid_t { H5Dget_space(id) }
    public func _read(memType: hid_t, into buffer: UnsafeMutableRawPointer) -> herr_t {
        H5Dread(id, memType, h5sAll, h5sAll, h5pDefault, buffer)
    }

    /// Path of the file that actually holds the data (differs from
    /// `file.path` when the dataset was reached through an external link).
    public var storagePath: String {
        hdf5Quiet()
        let n = H5Fget_name(id, nil, 0)
        guard n > 0 else { return file.path }
        var buf = [CChar](repeating: 0, count: Int(n) + 1)
        H5Fget_name(id, &buf, buf.count)
        let name = String(cString: buf)
        return name.hasPrefix("/") ? name : absolutePath(name)
    }

    /// Chunk dimensions, or nil for a contiguous or compact dataset.
    public var chunkShape: [Int]? {
        hdf5Quiet()
        let plist = H5Dget_create_plist(id)
        defer { H5Pclose(plist) }
        guard H5Pget_layout(plist) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: 32)
        let rank = H5Pget_chunk(plist, 32, &dims)
        guard rank > 0 else { return nil }
        return dims[..<Int(rank)].map { Int($0) }
    }

    /// The filter pipeline, in application order.
    public var filters: [HDF5Filter] {
        hdf5Quiet()
        let plist = H5Dget_create_plist(id)
        defer { H5Pclose(plist) }
        let n = H5Pget_nfilters(plist)
        guard n > 0 else { return [] }
        var out: [HDF5Filter] = []
        for i in 0..<UInt32(n) {
            var flags: UInt32 = 0
            var nValues = 16
            var values = [UInt32](repeating: 0, count: 16)
            var name = [CChar](repeating: 0, count: 256)
            var config: UInt32 = 0
            let fid = H5Pget_filter2(plist, i, &flags, &nValues, &values, name.count, &name, &config)
            guard fid >= 0 else { continue }
            out.append(HDF5Filter(id: Int(fid), name: String(cString: name), flags: flags,
                                  clientData: Array(values[..<min(nValues, 16)])))
        }
        return out
    }

    /// Reads the hyperslab `start`/`count` through HDF5's filter pipeline,
    /// converting to `memType`, into `buffer` (which must hold the product of
    /// `count` elements of the memory type).
    public func readHyperslab(start: [Int], count: [Int], memType: hid_t,
                              into buffer: UnsafeMutableRawBufferPointer) throws {
        hdf5Quiet()
        let fspace = H5Dget_space(id)
        defer { H5Sclose(fspace) }
        var s = start.map { hsize_t($0) }
        var c = count.map { hsize_t($0) }
        guard H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &s, nil, &c, nil) >= 0 else {
            throw ImageReadError.badField(path: file.path, field: path, reason: "has no region \(start)+\(count)")
        }
        let need = count.reduce(1, *) * H5Tget_size(memType)
        precondition(buffer.count >= need, "hyperslab buffer too small")
        let mspace = H5Screate_simple(Int32(c.count), &c, nil)
        defer { H5Sclose(mspace) }
        guard H5Dread(id, memType, mspace, fspace, h5pDefault, buffer.baseAddress) >= 0 else {
            throw ImageReadError.badField(path: file.path, field: path,
                                          reason: "could not be read at \(start) (HDF5 filter missing or data corrupt)")
        }
    }

    /// Stored (compressed) size in bytes of the chunk whose first element is
    /// at `offset`; 0 for a chunk never written.
    public func chunkStorageSize(at offset: [Int]) throws -> Int {
        hdf5Quiet()
        var o = offset.map { hsize_t($0) }
        var size: hsize_t = 0
        guard H5Dget_chunk_storage_size(id, &o, &size) >= 0 else {
            throw ImageReadError.badField(path: file.path, field: path, reason: "has no chunk at \(offset)")
        }
        return Int(size)
    }

    /// Reads the stored bytes of one chunk, bypassing the filter pipeline.
    /// Returns the byte count and the filter mask (bit i set: filter i was skipped).
    public func readRawChunk(at offset: [Int], into buffer: UnsafeMutableRawBufferPointer) throws
        -> (bytes: Int, filterMask: UInt32)
    {
        let size = try chunkStorageSize(at: offset)
        guard size <= buffer.count else {
            throw ImageReadError.badField(path: file.path, field: path,
                                          reason: "chunk at \(offset) is \(size) bytes, more than the \(buffer.count) expected")
        }
        var o = offset.map { hsize_t($0) }
        var mask: UInt32 = 0
        guard size > 0 else {
            throw ImageReadError.badField(path: file.path, field: path, reason: "has no stored chunk at \(offset)")
        }
        guard H5Dread_chunk(id, h5pDefault, &o, &mask, buffer.baseAddress) >= 0 else {
            throw ImageReadError.badField(path: file.path, field: path, reason: "chunk at \(offset) cannot be read")
        }
        return (size, mask)
    }
}
