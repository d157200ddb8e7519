// ReflectionTable: a columnar table of reflections keyed by DIALS' column names.
import MXMath

/// A table of reflections stored column by column, like DIALS'
/// `reflection_table`: each column is a typed array of `count` values, keyed
/// by DIALS' dotted, unit-bearing names (`xyzobs.px.value`, `flags`, …) so a
/// `.refl` file maps one to one. Algorithms are not hung on the table: it
/// offers only storage, selection, sorting and joining.
public struct ReflectionTable: Equatable, Sendable {
    /// Number of rows.
    public private(set) var count: Int
    /// Columns by name; every column has `count` rows.
    public private(set) var columns: [String: ReflectionColumn] = [:]
    /// Experiment identifiers by the integer `id` used in the `id` column
    /// (DIALS' `experiment_identifiers()`).
    public var experimentIdentifiers: [Int: String] = [:]

    /// An empty table with `count` rows and no columns.
    public init(count: Int = 0) { self.count = count }

    /// DIALS column names used across mxflow.
    public enum Name {
        public static let id = "id"
        public static let panel = "panel"
        public static let flags = "flags"
        public static let bbox = "bbox"
        public static let shoebox = "shoebox"
        public static let millerIndex = "miller_index"
        public static let xyzobsPxValue = "xyzobs.px.value"
        public static let xyzobsPxVariance = "xyzobs.px.variance"
        public static let xyzobsMmValue = "xyzobs.mm.value"
        public static let xyzobsMmVariance = "xyzobs.mm.variance"
        public static let xyzcalPx = "xyzcal.px"
        public static let xyzcalMm = "xyzcal.mm"
        public static let intensitySumValue = "intensity.sum.value"
        public static let intensitySumVariance = "intensity.sum.variance"
        public static let intensityPrfValue = "intensity.prf.value"
        public static let intensityPrfVariance = "intensity.prf.variance"
        public static let backgroundMean = "background.mean"
        public static let s1 = "s1"
        public static let rlp = "rlp"
        public static let entering = "entering"
        public static let d = "d"
        public static let partiality = "partiality"
        public static let lp = "lp"
        public static let qe = "qe"
        public static let imagesetId = "imageset_id"
    }

    /// Names of all columns, sorted.
    public var columnNames: [String] { columns.keys.sorted() }

    public func contains(_ name: String) -> Bool { columns[name] != nil }

    public subscript(name: String) -> ReflectionColumn? { columns[name] }

    /// Adds or replaces a column. A table with no columns takes its row count
    /// from the first column added.
    public mutating func set(_ name: String, _ column: ReflectionColumn) {
        if columns.isEmpty && count == 0 { count = column.count }
        precondition(column.count == count, "column \(name) has \(column.count) rows, table has \(count)")
        columns[name] = column
    }

    public mutating func removeColumn(_ name: String) { columns[name] = nil }

    // MARK: typed access (nil when absent or of another type)

    public func bools(_ name: String) -> [Bool]? { if case .bool(let a)? = columns[name] { return a }; return nil }
    public func ints(_ name: String) -> [Int32]? { if case .int(let a)? = columns[name] { return a }; return nil }
    public func sizes(_ name: String) -> [UInt64]? { if case .size(let a)? = columns[name] { return a }; return nil }
    public func doubles(_ name: String) -> [Double]? { if case .double(let a)? = columns[name] { return a }; return nil }
    public func strings(_ name: String) -> [String]? { if case .string(let a)? = columns[name] { return a }; return nil }
    public func vec2s(_ name: String) -> [Vec2]? { if case .vec2(let a)? = columns[name] { return a }; return nil }
    public func vec3s(_ name: String) -> [Vec3]? { if case .vec3(let a)? = columns[name] { return a }; return nil }
    public func mat3s(_ name: String) -> [Mat3]? { if case .mat3(let a)? = columns[name] { return a }; return nil }
    public func boxes(_ name: String) -> [BoundingBox]? { if case .int6(let a)? = columns[name] { return a }; return nil }
    public func millerIndices(_ name: String) -> [MillerIndex]? {
        if case .miller(let a)? = columns[name] { return a }; return nil
    }
    public func shoeboxes(_ name: String) -> [Shoebox]? { if case .shoebox(let a)? = columns[name] { return a }; return nil }

    /// The `flags` column as option sets (all empty when the column is absent).
    public var flags: [ReflectionFlags] {
        get { (sizes(Name.flags) ?? Array(repeating: 0, count: count)).map { ReflectionFlags(rawValue: $0) } }
        set { set(Name.flags, .size(newValue.map(\.rawValue))) }
    }

    /// Sets `flag` on the rows where `mask` is true.
    public mutating func setFlags(_ flag: ReflectionFlags, where mask: [Bool]) {
        precondition(mask.count == count)
        var f = sizes(Name.flags) ?? Array(repeating: 0, count: count)
        for i in 0..<count where mask[i] { f[i] |= flag.rawValue }
        set(Name.flags, .size(f))
    }

    /// Whether each row has every bit of `flag`.
    public func hasFlags(_ flag: ReflectionFlags) -> [Bool] {
        (sizes(Name.flags) ?? Array(repeating: 0, count: count)).map { $0 & flag.rawValue == flag.rawValue }
    }

    // MARK: selection, sorting, joining

    /// The rows where `mask` is true, in order.
    public func select(_ mask: [Bool]) -> ReflectionTable {
        precondition(mask.count == count, "selection has \(mask.count) entries, table has \(count) rows")
        return select(indices: mask.indices.filter { mask[$0] })
    }

    /// The rows at `indices`, in that order (repeats allowed).
    public func select(indices: [Int]) -> ReflectionTable {
        var t = ReflectionTable(count: indices.count)
        t.experimentIdentifiers = experimentIdentifiers
        for (name, column) in columns { t.columns[name] = column.gathered(indices) }
        return t
    }

    /// Row order that sorts by `key` (stable).
    public func sortOrder<K: Comparable>(by key: (Int) -> K, descending: Bool = false) -> [Int] {
        let keys = (0..<count).map(key)
        return (0..<count).sorted { a, b in
            if keys[a] != keys[b] { return descending ? keys[a] > keys[b] : keys[a] < keys[b] }
            return a < b
        }
    }

    /// The table sorted by a scalar column (int, size_t, double, or
    /// lexicographically by Miller index, or by the z of a vec3); unchanged
    /// when the column is absent.
    public func sorted(by name: String, descending: Bool = false) -> ReflectionTable {
        switch columns[name] {
        case .int(let a)?: return select(indices: sortOrder(by: { a[$0] }, descending: descending))
        case .size(let a)?: return select(indices: sortOrder(by: { a[$0] }, descending: descending))
        case .double(let a)?: return select(indices: sortOrder(by: { a[$0] }, descending: descending))
        case .vec3(let a)?: return select(indices: sortOrder(by: { a[$0].z }, descending: descending))
        case .miller(let a)?:
            return select(indices: sortOrder(by: { [a[$0].h, a[$0].k, a[$0].l].lexicographicKey },
                                             descending: descending))
        default: return self
        }
    }

    /// Rows of `self` followed by rows of `other` (DIALS `extend`). Columns
    /// present on one side only are padded with default values; experiment
    /// identifiers are merged. Returns nil if a shared column differs in type.
    public func appending(_ other: ReflectionTable) -> ReflectionTable? {
        var t = ReflectionTable(count: count + other.count)
        t.experimentIdentifiers = experimentIdentifiers.merging(other.experimentIdentifiers) { a, _ in a }
        for name in Set(columns.keys).union(other.columns.keys) {
            let a = columns[name] ?? other.columns[name]!.defaults(count: count)
            let b = other.columns[name] ?? columns[name]!.defaults(count: other.count)
            guard let joined = a.appending(b) else { return nil }
            t.columns[name] = joined
        }
        return t
    }

    /// Adds every column of `other` (same row count) to this table, replacing
    /// columns of the same name: joining per-row results computed elsewhere.
    public mutating func update(with other: ReflectionTable) {
        precondition(other.count == count, "joining tables of \(other.count) and \(count) rows")
        for (name, column) in other.columns { columns[name] = column }
        experimentIdentifiers.merge(other.experimentIdentifiers) { _, b in b }
    }
}

/// A comparable key for a fixed-length integer list.
public struct LexicographicKey: Comparable {
    let values: [Int32]
    public static func < (a: LexicographicKey, b: LexicographicKey) -> Bool {
        a.values.lexicographicallyPrecedes(b.values)
    }
}

extension Array where Element == Int32 {
    var lexicographicKey: LexicographicKey { LexicographicKey(values: self) }
}
