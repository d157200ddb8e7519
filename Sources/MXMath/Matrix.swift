// Matrix: a dense row-major matrix of Doubles, multiplied through CBLAS.
import CLapacke

/// A dense `rows × cols` matrix of `Double`, stored row-major (element
/// (r, c) at `storage[r * cols + c]`), the layout LAPACKE is called with.
/// A value type: copies are independent (Swift arrays copy on write).
///
/// Shape mismatches in arithmetic are programming errors and trap; data-
/// dependent failures (singular, not positive definite, …) are thrown by
/// the solvers as `LinearAlgebraError`.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let cols: Int
    /// Row-major elements, `rows * cols` of them.
    public var storage: [Double]

    /// A matrix filled with `value` (zeros by default).
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows; self.cols = cols
        storage = [Double](repeating: value, count: rows * cols)
    }
    /// A matrix over row-major `storage`; its count must be `rows * cols`.
    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(rows >= 0 && cols >= 0 && storage.count == rows * cols,
                     "matrix \(rows)×\(cols) needs \(rows * cols) elements, got \(storage.count)")
        self.rows = rows; self.cols = cols; self.storage = storage
    }
    /// A matrix from its rows, which must all have the same length.
    public init(_ rowArrays: [[Double]]) {
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "all rows must have the same length")
        self.init(rows: rowArrays.count, cols: c, storage: rowArrays.flatMap { $0 })
    }
    /// An n×1 column vector.
    public init(column: [Double]) { self.init(rows: column.count, cols: 1, storage: column) }
    /// The 3×3 matrix of a `Mat3`.
    public init(_ m: Mat3) { self.init(rows: 3, cols: 3, storage: m.elements) }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }
    /// A square matrix with `d` on its diagonal.
    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, cols: d.count)
        for (i, v) in d.enumerated() { m.storage[i * d.count + i] = v }
        return m
    }

    @inlinable public subscript(r: Int, c: Int) -> Double {
        get { storage[r * cols + c] }
        set { storage[r * cols + c] = newValue }
    }
    public var isSquare: Bool { rows == cols }
    /// Row `r` as an array.
    public func row(_ r: Int) -> [Double] { Array(storage[(r * cols)..<((r + 1) * cols)]) }
    /// Column `c` as an array.
    public func column(_ c: Int) -> [Double] { (0..<rows).map { storage[$0 * cols + c] } }
    /// The `Mat3` of a 3×3 matrix; nil for any other shape.
    public var mat3: Mat3? { rows == 3 && cols == 3 ? Mat3(storage) : nil }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for r in 0..<rows { for c in 0..<cols { t.storage[c * rows + r] = storage[r * cols + c] } }
        return t
    }
    /// Sum of the diagonal.
    public var trace: Double { (0..<Swift.min(rows, cols)).reduce(0) { $0 + self[$1, $1] } }
    /// Frobenius norm √Σ aᵢⱼ².
    public var frobeniusNorm: Double { storage.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    /// True when every element is finite.
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }
    /// Largest absolute element difference (shapes must match): for tolerance checks.
    public func maxAbsDifference(_ o: Matrix) -> Double {
        precondition(rows == o.rows && cols == o.cols, "shape mismatch")
        return zip(storage, o.storage).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }

    /// Matrix product through `cblas_dgemm`.
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.cols == b.rows, "cannot multiply \(a.rows)×\(a.cols) by \(b.rows)×\(b.cols)")
        var c = Matrix(rows: a.rows, cols: b.cols)
        guard a.rows > 0, b.cols > 0, a.cols > 0 else { return c }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(a.rows), Int32(b.cols), Int32(a.cols), 1.0,
                                pa.baseAddress, Int32(a.cols), pb.baseAddress, Int32(b.cols),
                                0.0, pc.baseAddress, Int32(b.cols))
                }
            }
        }
        return c
    }
    /// Matrix–vector product through `cblas_dgemv`.
    public static func * (a: Matrix, x: [Double]) -> [Double] {
        precondition(a.cols == x.count, "cannot multiply \(a.rows)×\(a.cols) by a vector of \(x.count)")
        var y = [Double](repeating: 0, count: a.rows)
        guard a.rows > 0, a.cols > 0 else { return y }
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(a.rows), Int32(a.cols), 1.0,
                                pa.baseAddress, Int32(a.cols), px.baseAddress, 1, 0.0, py.baseAddress, 1)
                }
            }
        }
        return y
    }
    public static func * (a: Matrix, s: Double) -> Matrix {
        Matrix(rows: a.rows, cols: a.cols, storage: a.storage.map { $0 * s })
    }
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch in +")
        return Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map(+))
    }
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch in -")
        return Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map(-))
    }

    public var description: String {
        "[" + (0..<rows).map { "[" + row($0).map { String($0) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    }
}
