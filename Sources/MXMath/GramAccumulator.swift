// GramAccumulator: Σ rᵢ rᵢᵀ over many rows, a batch at a time through `cblas_dsyrk`.
import CLapacke

/// Accumulates the Gram matrix Σ rᵢ rᵢᵀ of rows of length n (a normal
/// matrix JᵀJ from the rows of J, weights folded in) in batches: rows are
/// copied into a k × n block and each full block goes to one `cblas_dsyrk`,
/// which makes the rank-k update at BLAS speed rather than one scalar
/// multiply–add per pair of nonzero entries per row. Only the lower triangle
/// (column ≤ row) is formed.
public struct GramAccumulator {
    public let n: Int
    private let batchRows: Int
    private var batch: [Double]
    private var filled = 0
    /// The lower triangle of Σ rᵢ rᵢᵀ so far (row-major n × n; the upper part stays 0),
    /// without the rows still in the batch: read it after `flush()`.
    public private(set) var lower: [Double]

    public init(n: Int, batchRows: Int = 64) {
        precondition(n >= 0 && batchRows > 0, "a Gram matrix needs n ≥ 0 and batches of at least one row")
        self.n = n; self.batchRows = batchRows
        batch = [Double](repeating: 0, count: batchRows * n)
        lower = [Double](repeating: 0, count: n * n)
    }

    /// Adds scale · r rᵀ; r holds n values, scale ≥ 0.
    public mutating func add(_ r: UnsafeBufferPointer<Double>, scale: Double) {
        precondition(r.count == n, "a row of \(r.count) values for a Gram matrix of order \(n)")
        precondition(!(scale < 0), "a Gram matrix adds rows with weights ≥ 0")
        let root = scale.squareRoot()
        let start = filled * n
        batch.withUnsafeMutableBufferPointer { b in
            for j in 0..<n { b[start + j] = root * r[j] }
        }
        filled += 1
        if filled == batchRows { flush() }
    }

    /// Folds the rows still batched into `lower`.
    public mutating func flush() {
        guard filled > 0, n > 0 else { filled = 0; return }
        let n32 = Int32(n), k = Int32(filled)
        batch.withUnsafeBufferPointer { a in
            lower.withUnsafeMutableBufferPointer { c in
                cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, n32, k, 1.0, a.baseAddress, n32,
                            1.0, c.baseAddress, n32)
            }
        }
        filled = 0
    }
}
