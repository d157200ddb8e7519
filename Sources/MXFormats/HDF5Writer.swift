// HDF5Writer: creates HDF5/NeXus files: groups, datasets with attributes, external links, compressed frame stacks.
import CHDF5

/// A failure while writing an HDF5 file, naming the file and object.
public enum HDF5WriteError: Error, Equatable, CustomStringConvertible {
    case cannotCreate(path: String)
    case failed(path: String, object: String, action: String)
    case closed(path: String)

    public var description: String {
        switch self {
        case .cannotCreate(let p): return "\(p): cannot create the HDF5 file"
        case .failed(let p, let o, let a): return "\(p): could not \(a) \(o)"
        case .closed(let p): return "\(p): the HDF5 writer is already closed"
        }
    }
}

/// A numeric type that maps onto an HDF5 native type.
public protocol HDF5Number {
    static var hdf5Type: hid_t { get }
}
extension Double: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_double() } }
extension Float: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_float() } }
extension Int64: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_int64() } }
extension Int: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_int64() } }
extension Int32: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_int32() } }
extension UInt32: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_uint32() } }
extension UInt16: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_uint16() } }
extension Int16: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_int16() } }
extension UInt8: HDF5Number { public static var hdf5Type: hid_t { chdf5_native_uint8() } }

/// A value for an HDF5 attribute (NeXus uses strings, scalars and 3-vectors).
public enum HDF5AttributeValue: Equatable, Sendable {
    case string(String)
    case double(Double)
    case doubles([Double])
    case int(Int)
    case ints([Int])
}

/// Creates one HDF5 file (truncating any existing one). Paths are absolute
/// inside the file (`/entry/instrument/detector/distance`); missing parent
/// groups are created without attributes, so create NeXus groups first with
/// their NX_class.
public final class HDF5Writer {
    public let path: String
    private var id: hid_t
    private let lcpl: hid_t
    // Object creation lists with modification-time tracking off, so that the
    // same content gives byte-identical files (HDF5 stamps times by default).
    private let gcpl: hid_t
    private let plainDcpl: hid_t

    /// Creates (or truncates) the file at `path`.
    public init(creatingAt path: String) throws {
        hdf5Quiet()
        let abs = absolutePath(path)
        let fid = H5Fcreate(abs, chdf5_f_acc_trunc(), h5pDefault, h5pDefault)
        guard fid >= 0 else { throw HDF5WriteError.cannotCreate(path: abs) }
        self.path = abs
        self.id = fid
        let l = H5Pcreate(chdf5_p_link_create())
        H5Pset_create_intermediate_group(l, 1)
        self.lcpl = l
        gcpl = H5Pcreate(H5P_CLS_GROUP_CREATE_ID_g)
        H5Pset_obj_track_times(gcpl, false)
        plainDcpl = H5Pcreate(chdf5_p_dataset_create())
        H5Pset_obj_track_times(plainDcpl, false)
    }

    deinit { close() }

    /// Flushes and closes the file; later calls throw `.closed`.
    public func close() {
        guard id >= 0 else { return }
        H5Pclose(lcpl)
        H5Pclose(gcpl)
        H5Pclose(plainDcpl)
        H5Fclose(id)
        id = -1
    }

    private func fid() throws -> hid_t {
        hdf5Quiet()
        guard id >= 0 else { throw HDF5WriteError.closed(path: path) }
        return id
    }

    /// Creates a group (and its parents), with an NX_class attribute when given.
    public func createGroup(_ groupPath: String, nxClass: String? = nil,
                            attributes: [String: HDF5AttributeValue] = [:]) throws {
        let f = try fid()
        if H5Lexists(f, groupPath, h5pDefault) <= 0 {
            let g = H5Gcreate2(f, groupPath, lcpl, gcpl, h5pDefault)
            guard g >= 0 else { throw HDF5WriteError.failed(path: path, object: groupPath, action: "create group") }
            H5Gclose(g)
        }
        var attrs = attributes
        if let c = nxClass { attrs["NX_class"] = .string(c) }
        try setAttributes(groupPath, attrs)
    }

    /// Writes a scalar string dataset (fixed length, as h5py writes `numpy.bytes_`).
    public func writeString(_ datasetPath: String, _ value: String,
                            attributes: [String: HDF5AttributeValue] = [:]) throws {
        let f = try fid()
        let type = fixedStringType(value)
        defer { H5Tclose(type) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let d = H5Dcreate2(f, datasetPath, type, space, lcpl, plainDcpl, h5pDefault)
        guard d >= 0 else { throw HDF5WriteError.failed(path: path, object: datasetPath, action: "create dataset") }
        defer { H5Dclose(d) }
        var bytes = Array(value.utf8)
        if bytes.isEmpty { bytes = [0] }
        guard H5Dwrite(d, type, h5sAll, h5sAll, h5pDefault, &bytes) >= 0 else {
            throw HDF5WriteError.failed(path: path, object: datasetPath, action: "write")
        }
        try setAttributes(datasetPath, attributes)
    }

    /// Writes a scalar number.
    public func writeScalar<T: HDF5Number>(_ datasetPath: String, _ value: T,
                                           attributes: [String: HDF5AttributeValue] = [:]) throws {
        try writeArray(datasetPath, [value], shape: [], attributes: attributes)
    }

    /// Writes a numeric array with `shape` (default: one dimension; [] for a scalar).
    public func writeArray<T: HDF5Number>(_ datasetPath: String, _ values: [T], shape: [Int]? = nil,
                                          attributes: [String: HDF5AttributeValue] = [:]) throws {
        let f = try fid()
        let dims = shape ?? [values.count]
        precondition(dims.reduce(1, *) == values.count, "shape \(dims) does not hold \(values.count) values")
        var hd = dims.map { hsize_t($0) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(hd.count), &hd, nil)
        defer { H5Sclose(space) }
        let d = H5Dcreate2(f, datasetPath, T.hdf5Type, space, lcpl, plainDcpl, h5pDefault)
        guard d >= 0 else { throw HDF5WriteError.failed(path: path, object: datasetPath, action: "create dataset") }
        defer { H5Dclose(d) }
        let rc = values.withUnsafeBytes { H5Dwrite(d, T.hdf5Type, h5sAll, h5sAll, h5pDefault, $0.baseAddress) }
        guard rc >= 0 else { throw HDF5WriteError.failed(path: path, object: datasetPath, action: "write") }
        try setAttributes(datasetPath, attributes)
    }

    /// Sets several attributes on the object at `objectPath`.
    public func setAttributes(_ objectPath: String, _ attributes: [String: HDF5AttributeValue]) throws {
        for name in attributes.keys.sorted() { try setAttribute(objectPath, name, attributes[name]!) }
    }

    /// Sets (or replaces) one attribute on the object at `objectPath`.
    public func setAttribute(_ objectPath: String, _ name: String, _ value: HDF5AttributeValue) throws {
        let f = try fid()
        let o = H5Oopen(f, objectPath, h5pDefault)
        guard o >= 0 else { throw HDF5WriteError.failed(path: path, object: objectPath, action: "open") }
        defer { H5Oclose(o) }
        if H5Aexists(o, name) > 0 { H5Adelete(o, name) }
        let what = "\(objectPath)@\(name)"
        func put(_ type: hid_t, _ dims: [Int]?, _ bytes: UnsafeRawPointer?) throws {
            var hd = (dims ?? []).map { hsize_t($0) }
            let space = dims == nil ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(hd.count), &hd, nil)
            defer { H5Sclose(space) }
            let a = H5Acreate2(o, name, type, space, h5pDefault, h5pDefault)
            guard a >= 0 else { throw HDF5WriteError.failed(path: path, object: what, action: "create attribute") }
            defer { H5Aclose(a) }
            guard H5Awrite(a, type, bytes) >= 0 else {
                throw HDF5WriteError.failed(path: path, object: what, action: "write attribute")
            }
        }
        switch value {
        case .string(let s):
            let type = fixedStringType(s)
            defer { H5Tclose(type) }
            var bytes = Array(s.utf8)
            if bytes.isEmpty { bytes = [0] }
            try bytes.withUnsafeBytes { try put(type, nil, $0.baseAddress) }
        case .double(let v):
            try withUnsafeBytes(of: v) { try put(chdf5_native_double(), nil, $0.baseAddress) }
        case .doubles(let v):
            try v.withUnsafeBytes { try put(chdf5_native_double(), [v.count], $0.baseAddress) }
        case .int(let v):
            try withUnsafeBytes(of: Int64(v)) { try put(chdf5_native_int64(), nil, $0.baseAddress) }
        case .ints(let v):
            let w = v.map { Int64($0) }
            try w.withUnsafeBytes { try put(chdf5_native_int64(), [w.count], $0.baseAddress) }
        }
    }

    /// Creates an external link at `linkPath` to `object` inside `file`
    /// (a path relative to this file's folder, as Eiger masters store it).
    public func createExternalLink(_ linkPath: String, file: String, object: String) throws {
        let f = try fid()
        guard H5Lcreate_external(file, object, f, linkPath, lcpl, h5pDefault) >= 0 else {
            throw HDF5WriteError.failed(path: path, object: linkPath, action: "create external link")
        }
    }

    /// How a frame dataset's chunks are compressed.
    public enum FrameCompression: Equatable, Sendable {
        /// HDF5 filter 32008, chunks compressed here and written directly.
        case bitshuffleLZ4
        /// HDF5's built-in deflate at a level 1–9.
        case deflate(level: Int)
        case none
    }

    /// Creates a chunked [frames, height, width] dataset of `Element`
    /// (UInt32, UInt16 or Int32), one frame per chunk, and returns a writer
    /// for its frames. Bitshuffle-LZ4 is declared as an optional filter, so
    /// the file is created even where the HDF5 plugin is not installed.
    public func createFrameDataset<Element: HDF5Number & FixedWidthInteger>(
        _ datasetPath: String, frames: Int, height: Int, width: Int, of _: Element.Type,
        compression: FrameCompression = .bitshuffleLZ4, attributes: [String: HDF5AttributeValue] = [:]
    ) throws -> HDF5FrameWriter<Element> {
        let f = try fid()
        var dims = [hsize_t(frames), hsize_t(height), hsize_t(width)]
        var chunk = [hsize_t(1), hsize_t(height), hsize_t(width)]
        let space = H5Screate_simple(3, &dims, nil)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(chdf5_p_dataset_create())
        defer { H5Pclose(dcpl) }
        H5Pset_chunk(dcpl, 3, &chunk)
        H5Pset_obj_track_times(dcpl, false)
        switch compression {
        case .bitshuffleLZ4:
            // The bitshuffle plugin's set_local callback prepends (major, minor,
            // element size) to whatever cd_values it is given, so with the plugin
            // loaded give only (block size 0, LZ4 = 2); without it, store all five
            // as h5py + bitshuffle would, so readers see the same (0, 3, E, 0, 2).
            var cd = BitshuffleLZ4.filterClientData(elementSize: MemoryLayout<Element>.size)
            if H5Zfilter_avail(H5Z_filter_t(BitshuffleLZ4.filterID)) > 0 { cd = Array(cd[3...]) }
            guard H5Pset_filter(dcpl, H5Z_filter_t(BitshuffleLZ4.filterID), chdf5_z_flag_optional(),
                                cd.count, &cd) >= 0 else {
                throw HDF5WriteError.failed(path: path, object: datasetPath, action: "declare filter 32008 on")
            }
        case .deflate(let level):
            H5Pset_deflate(dcpl, UInt32(max(1, min(9, level))))
        case .none:
            break
        }
        let d = H5Dcreate2(f, datasetPath, Element.hdf5Type, space, lcpl, dcpl, h5pDefault)
        guard d >= 0 else { throw HDF5WriteError.failed(path: path, object: datasetPath, action: "create dataset") }
        let w = HDF5FrameWriter<Element>(writer: self, path: datasetPath, id: d, frames: frames,
                                         height: height, width: width, compression: compression)
        try setAttributes(datasetPath, attributes)
        return w
    }

    /// A fixed-length, null-padded string type holding `s`.
    private func fixedStringType(_ s: String) -> hid_t {
        let t = H5Tcopy(chdf5_c_s1())
        H5Tset_size(t, max(1, s.utf8.count))
        H5Tset_strpad(t, H5T_STR_NULLPAD)
        return t
    }
}

/// Writes the frames of a dataset made by `HDF5Writer.createFrameDataset`.
public final class HDF5FrameWriter<Element: HDF5Number & FixedWidthInteger> {
    public let path: String
    public let frames: Int, height: Int, width: Int
    public let compression: HDF5Writer.FrameCompression
    private let writer: HDF5Writer
    private var id: hid_t

    init(writer: HDF5Writer, path: String, id: hid_t, frames: Int, height: Int, width: Int,
         compression: HDF5Writer.FrameCompression) {
        self.writer = writer; self.path = path; self.id = id
        self.frames = frames; self.height = height; self.width = width; self.compression = compression
    }

    deinit { close() }

    /// Closes the dataset (the file stays open).
    public func close() {
        if id >= 0 { H5Dclose(id); id = -1 }
    }

    /// Writes frame `index` from `pixels` (height × width elements, row-major).
    public func write(frame index: Int, pixels: UnsafeBufferPointer<Element>) throws {
        precondition(pixels.count == height * width, "frame has \(pixels.count) pixels, expected \(height * width)")
        precondition((0..<frames).contains(index), "frame \(index) outside 0..<\(frames)")
        switch compression {
        case .bitshuffleLZ4:
            let chunk = BitshuffleLZ4.encode(UnsafeRawBufferPointer(pixels), elementSize: MemoryLayout<Element>.size)
            try writeRawChunk(frame: index, bytes: chunk)
        default:
            hdf5Quiet()
            let fspace = H5Dget_space(id)
            defer { H5Sclose(fspace) }
            var start = [hsize_t(index), 0, 0]
            var count = [hsize_t(1), hsize_t(height), hsize_t(width)]
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, nil, &count, nil)
            let mspace = H5Screate_simple(3, &count, nil)
            defer { H5Sclose(mspace) }
            guard H5Dwrite(id, Element.hdf5Type, mspace, fspace, h5pDefault, pixels.baseAddress) >= 0 else {
                throw HDF5WriteError.failed(path: writer.path, object: "\(path) frame \(index)", action: "write")
            }
        }
    }

    /// Writes frame `index` from an array.
    public func write(frame index: Int, pixels: [Element]) throws {
        try pixels.withUnsafeBufferPointer { try write(frame: index, pixels: $0) }
    }

    /// Stores `bytes` as the chunk of frame `index` unchanged, marked as
    /// having passed every filter (H5Dwrite_chunk with filter mask 0).
    public func writeRawChunk(frame index: Int, bytes: [UInt8]) throws {
        hdf5Quiet()
        guard id >= 0 else { throw HDF5WriteError.closed(path: writer.path) }
        var offset = [hsize_t(index), 0, 0]
        let rc = bytes.withUnsafeBytes { H5Dwrite_chunk(id, h5pDefault, 0, &offset, $0.count, $0.baseAddress) }
        guard rc >= 0 else {
            throw HDF5WriteError.failed(path: writer.path, object: "\(path) chunk \(index)", action: "write")
        }
    }
}
