// SymmetryError: what can go wrong reading or looking up symmetry data.

/// Errors of MXSymmetry, each rendered as one sentence for the user.
public enum SymmetryError: Error, Equatable, CustomStringConvertible {
    /// The CCP4 symmetry library file is absent.
    case syminfoNotFound(path: String)
    /// The file exists but a block or line could not be understood.
    case syminfoMalformed(path: String, line: Int, reason: String)
    /// A symmetry operation string could not be parsed.
    case badOperation(String)
    /// No space group matches the given symbol, number or Hall symbol.
    case unknownSpaceGroup(String)
    /// Unit-cell parameters that do not describe a cell.
    case invalidCell(String)

    public var description: String {
        switch self {
        case .syminfoNotFound(let path):
            return "the space-group library \(path) is missing: install the Debian package libccp4-data "
                + "(apt-get install libccp4-data) or point MXFLOW_SYMINFO at a syminfo.lib"
        case .syminfoMalformed(let path, let line, let reason):
            return "\(path) line \(line): \(reason)"
        case .badOperation(let text):
            return "cannot read the symmetry operation '\(text)' (expected a triplet like -y+1/2,x,z+1/4)"
        case .unknownSpaceGroup(let text):
            return "unknown space group '\(text)' (give a number 1–230, a Hermann–Mauguin symbol like P43212 "
                + "or 'P 43 21 2', or a Hall symbol)"
        case .invalidCell(let reason):
            return "invalid unit cell: \(reason)"
        }
    }
}
