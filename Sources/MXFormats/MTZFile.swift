// MTZFile: the CCP4 MTZ reflection file as values — columns with label, type and dataset, cell, symmetry, batch headers.
import MXMath
import MXSymmetry

/// An MTZ file in memory (CCP4 `mtzdata.h`; gemmi's `Mtz` is the model:
/// column descriptors over the reflection table). Columns hold their values
/// as Float32, the width MTZ stores; a missing value is NaN (`VALM NAN`).
/// Every column must have `reflectionCount` values.
public struct MTZFile: Equatable, Sendable {
    public var title: String
    /// The overall cell (`CELL`): a, b, c in Å, α, β, γ in degrees.
    public var cell: [Double]
    public var symmetry: MTZSymmetry
    /// Dataset 0 is the HKL_base dataset CCP4 programs expect first.
    public var datasets: [MTZDataset]
    public var columns: [MTZColumn]
    /// Batch headers of an unmerged file, ascending batch number; empty for merged data.
    public var batches: [MTZBatch]
    /// History lines (`MTZHIST`), at most 30 kept, each up to 80 characters.
    public var history: [String]
    /// Sort order (`SORT`): 1-based column numbers, 0 = unsorted.
    public var sortOrder: [Int]

    public init(title: String, cell: [Double], symmetry: MTZSymmetry, datasets: [MTZDataset] = [],
                columns: [MTZColumn] = [], batches: [MTZBatch] = [], history: [String] = [],
                sortOrder: [Int] = [0, 0, 0, 0, 0]) {
        self.title = title
        self.cell = cell
        self.symmetry = symmetry
        self.datasets = datasets.isEmpty ? [MTZDataset.base(cell: cell)] : datasets
        self.columns = columns
        self.batches = batches
        self.history = history
        self.sortOrder = sortOrder
    }

    /// Number of reflection records (rows).
    public var reflectionCount: Int { columns.first?.values.count ?? 0 }

    /// The first column with this label, or nil.
    public func column(_ label: String) -> MTZColumn? { columns.first { $0.label == label } }

    /// The dataset with this id, or nil.
    public func dataset(id: Int) -> MTZDataset? { datasets.first { $0.id == id } }

    /// Miller indices from the H, K, L columns (the first three of type H).
    public var millerIndices: [Miller] {
        let hkl = columns.filter { $0.type == "H" }
        guard hkl.count >= 3 else { return [] }
        return (0..<reflectionCount).map {
            Miller(Int(hkl[0].values[$0]), Int(hkl[1].values[$0]), Int(hkl[2].values[$0]))
        }
    }

    /// Adds a dataset with the next free id and returns that id.
    @discardableResult
    public mutating func addDataset(project: String, crystal: String, dataset: String,
                                    cell: [Double], wavelength: Double) -> Int {
        let id = (datasets.map(\.id).max() ?? -1) + 1
        datasets.append(MTZDataset(id: id, project: project, crystal: crystal, dataset: dataset,
                                   cell: cell, wavelength: wavelength))
        return id
    }

    /// 1/d² range (min, max) of the reflections under `cell`, as `RESO` stores it; nil without rows.
    public func resolutionRange() -> (min: Double, max: Double)? {
        guard let uc = try? UnitCell(parameters: cell) else { return nil }
        var lo = Double.infinity, hi = -Double.infinity
        for m in millerIndices where !m.isZero {
            let s = uc.oneOverDSquared(m)
            lo = Swift.min(lo, s)
            hi = Swift.max(hi, s)
        }
        return lo <= hi ? (lo, hi) : nil
    }
}

/// Column types (CCP4 `mtzformat` documentation): H index, J intensity,
/// F amplitude, D anomalous difference, Q standard deviation, G/L F(±) and
/// its σ, K/M I(±) and its σ, Y M/ISYM, B batch, I integer, R real,
/// A/P phase, W weight.
public struct MTZColumn: Equatable, Sendable {
    public var label: String
    /// One letter, e.g. "J".
    public var type: Character
    public var datasetID: Int
    public var values: [Float]

    public init(label: String, type: Character, datasetID: Int, values: [Float]) {
        self.label = label
        self.type = type
        self.datasetID = datasetID
        self.values = values
    }

    /// Smallest and largest non-NaN value (0, 0 when all are missing), as `COLUMN` records carry.
    public var range: (min: Float, max: Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where !v.isNaN {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        return lo <= hi ? (lo, hi) : (0, 0)
    }
}

/// A project/crystal/dataset triple with its cell and wavelength (`PROJECT`,
/// `CRYSTAL`, `DATASET`, `DCELL`, `DWAVEL`).
public struct MTZDataset: Equatable, Sendable {
    public var id: Int
    public var project: String
    public var crystal: String
    public var dataset: String
    public var cell: [Double]
    /// Å; 0 for HKL_base.
    public var wavelength: Double

    public init(id: Int, project: String, crystal: String, dataset: String, cell: [Double], wavelength: Double) {
        self.id = id
        self.project = project
        self.crystal = crystal
        self.dataset = dataset
        self.cell = cell
        self.wavelength = wavelength
    }

    /// Dataset 0, `HKL_base`, which holds H, K, L in every CCP4-written file.
    public static func base(cell: [Double]) -> MTZDataset {
        MTZDataset(id: 0, project: "HKL_base", crystal: "HKL_base", dataset: "HKL_base", cell: cell, wavelength: 0)
    }
}

/// The symmetry block: `SYMINF nsym nsymp lattice number 'name' pointgroup`
/// then one `SYMM` record per operation (centring included, primitive first).
public struct MTZSymmetry: Equatable, Sendable {
    /// CCP4 space-group number (e.g. 96 for P 43 21 2; 3018 etc. for non-standard settings).
    public var number: Int
    /// Hermann–Mauguin symbol as written between quotes, e.g. `P 43 21 2`.
    public var name: String
    public var lattice: Character
    /// Point-group name, e.g. `PG422`.
    public var pointGroup: String
    /// Operations as CCP4 triplets (`-Y+1/2,X,Z+3/4`), all centrings included.
    public var operations: [String]
    /// How many of `operations` are primitive (the first ones).
    public var primitiveCount: Int

    public init(number: Int, name: String, lattice: Character, pointGroup: String, operations: [String],
                primitiveCount: Int) {
        self.number = number
        self.name = name
        self.lattice = lattice
        self.pointGroup = pointGroup
        self.operations = operations
        self.primitiveCount = primitiveCount
    }

    /// The block for a space group of the syminfo table.
    public init(spaceGroup g: SpaceGroup) {
        // Centring-major order with the identity centring first, so the
        // first `primitiveOperations.count` are the primitive ones, as csymlib writes them.
        self.init(number: g.ccp4Number > 0 ? g.ccp4Number : g.number, name: g.xHM.isEmpty ? g.description : g.xHM,
                  lattice: g.centringType,
                  pointGroup: "PG" + g.pointGroupName.filter { $0 != " " },
                  operations: g.operations.map { $0.description.uppercased() },
                  primitiveCount: g.primitiveOperations.count)
    }

    /// The space group these operations describe, found in the syminfo table
    /// by number or symbol (nil if neither is known).
    public func spaceGroup(in table: SpaceGroupTable? = nil) -> SpaceGroup? {
        guard let t = table ?? (try? SpaceGroupTable.shared()) else { return nil }
        if let g = try? t.spaceGroup(name) { return g }
        return try? t.spaceGroup(ccp4Number: number)
    }
}

/// One batch header of an unmerged file: the 29 integer and 156 real words
/// of CCP4's orientation block (`MTZBAT` in mtzdata.h) plus title and the
/// goniostat axis names (`BHCH`). Named accessors cover the words DIALS fills.
public struct MTZBatch: Equatable, Sendable {
    public static let integerCount = 29
    public static let realCount = 156

    public var number: Int
    public var title: String
    /// 29 words; [0..2] = 185, 29, 156 (word counts), [3] iortyp, [4..9] lbcell,
    /// [10] misflg, [11] jumpax, [12] ncryst, [13] lcrflg, [14] ldtype, [15] jsaxs,
    /// [16] nbscal, [17] ngonax, [18] lbmflg, [19] ndet, [20] nbsetid.
    public var integers: [Int32]
    /// 156 words at the positions cmtzlib reads and writes them (not the
    /// `MTZBAT` struct order: there are reserved gaps): cell[0..5],
    /// umat[6..14] (column-major), phixyz[15..20], crydat[21..32],
    /// datum[33..35], phistt 36, phiend 37, scanax[38..40], time1 41,
    /// time2 42, bscale 43, bbfac 44, sdbscale 45, sdbfac 46, phirange 47,
    /// e1[59..61], e2[62..64], e3[65..67], source[80..82], so[83..85],
    /// alambd 86, delamb 87, delcor 88, divhd 89, divvd 90, then for the first
    /// detector dx 111, theta 112, detlm[113..116] (x min, x max, y min, y max).
    /// Checked against the batch headers dials.export writes (`gemmi mtz -B`).
    public var reals: [Float]
    public var axisLabels: [String]

    public init(number: Int, title: String = "", integers: [Int32]? = nil, reals: [Float]? = nil,
                axisLabels: [String] = ["", "", ""]) {
        self.number = number
        self.title = title
        var ints = integers ?? [Int32](repeating: 0, count: Self.integerCount)
        ints[0] = 185; ints[1] = 29; ints[2] = 156
        self.integers = ints
        self.reals = reals ?? [Float](repeating: 0, count: Self.realCount)
        self.axisLabels = axisLabels
    }

    /// A batch as DIALS' `export_mtz` fills it for one image of a rotation
    /// sweep: 3-D data (ldtype 2), one crystal, one goniostat axis named
    /// AXIS which is the scan axis, cell refinement flags −1, φ range of
    /// the image, U in the Cambridge frame (column-major), beam vector `so`
    /// (sample → source), wavelength, detector distance and pixel limits.
    public init(number: Int, datasetID: Int, cell: [Double], U: Mat3, phiStart: Double, phiEnd: Double,
                rotationAxis: Vec3, sourceVector: Vec3, wavelength: Double, distance: Double,
                detectorSize: (Int, Int), mosaicity: Double = 0) {
        self.init(number: number, title: "Batch \(number)", axisLabels: ["AXIS", "", ""])
        integers[4..<10] = [-1, -1, -1, -1, -1, -1]
        integers[12] = 1   // ncryst
        integers[14] = 2   // ldtype: 3-D
        integers[15] = 1   // jsaxs
        integers[17] = 1   // ngonax
        integers[19] = 1   // ndet
        integers[20] = Int32(datasetID)
        for i in 0..<6 { reals[i] = Float(cell[i]) }
        for c in 0..<3 { for r in 0..<3 { reals[6 + 3 * c + r] = Float(U[r, c]) } }
        reals[21] = Float(mosaicity)
        reals[36] = Float(phiStart)
        reals[37] = Float(phiEnd)
        reals[38] = Float(rotationAxis.x); reals[39] = Float(rotationAxis.y); reals[40] = Float(rotationAxis.z)
        reals[43] = 1      // bscale
        reals[47] = Float(phiEnd - phiStart)
        // e1: the (single) goniostat axis.
        reals[59] = Float(rotationAxis.x); reals[60] = Float(rotationAxis.y); reals[61] = Float(rotationAxis.z)
        reals[80] = Float(sourceVector.x); reals[81] = Float(sourceVector.y); reals[82] = Float(sourceVector.z)
        reals[83] = Float(sourceVector.x); reals[84] = Float(sourceVector.y); reals[85] = Float(sourceVector.z)
        reals[86] = Float(wavelength)
        reals[111] = Float(distance)
        reals[113] = 0; reals[114] = Float(detectorSize.0)   // detlm x min/max (pixels)
        reals[115] = 0; reals[116] = Float(detectorSize.1)   // detlm y min/max
    }

    public var cell: [Float] { Array(reals[0..<6]) }
    /// U as a matrix (stored column-major).
    public var U: Mat3 {
        var m = Mat3.identity
        for c in 0..<3 { for r in 0..<3 { m[r, c] = Double(reals[6 + 3 * c + r]) } }
        return m
    }
    public var phiStart: Float { reals[36] }
    public var phiEnd: Float { reals[37] }
    public var wavelength: Float { reals[86] }
    public var datasetID: Int { Int(integers[20]) }
}
