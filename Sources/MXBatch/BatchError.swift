// BatchError: why a batch, watch or report could not run, as sentences a user can act on.

/// Failures of the batch machinery itself (a sweep failing is not one of
/// these: it is recorded in the database and the batch goes on).
public enum BatchError: Error, Equatable, CustomStringConvertible {
    /// Inputs named on the command line or in a list file that do not exist.
    case missingInputs([String], listFile: String?)
    /// The inputs hold no sweep.
    case noSweeps(inputs: [String])
    /// A file named directly is not a sweep mxflow can read.
    case notASweep(path: String, reason: String)
    case database(path: String, reason: String)
    case cannotStart(program: String, reason: String)
    /// `sbatch` (or another Slurm command) is not installed.
    case slurmMissing(command: String)
    /// Slurm is installed but its controller did not answer.
    case slurmNotAnswering(command: String, message: String)
    case slurmSubmitFailed(message: String)
    case outputFolder(path: String, reason: String)
    case noDatabase(path: String)
    /// Another batch or watch holds the folder.
    case busy(folder: String, holder: String)

    public var description: String {
        switch self {
        case .missingInputs(let paths, let list):
            let shown = paths.prefix(5).joined(separator: ", ") + (paths.count > 5 ? " and \(paths.count - 5) more" : "")
            let origin = list.map { "the list \($0) names" } ?? "no such"
            return "\(origin) file\(paths.count == 1 ? "" : "s") that do\(paths.count == 1 ? "es" : "") not exist: \(shown); "
                + "check the paths (relative paths in a list file are read from the list's folder)"
        case .noSweeps(let inputs):
            return "no sweep found in \(inputs.joined(separator: " ")): looked for NXmx masters (*_master.h5, *.nxs "
                + "with an NXmx entry) and numbered CBF files (name_00001.cbf …)"
        case .notASweep(let p, let r):
            return "\(p) is not a sweep: \(r)"
        case .database(let p, let r):
            return "batch database \(p): \(r)"
        case .cannotStart(let program, let r):
            return "cannot start \(program): \(r)"
        case .slurmMissing(let c):
            return "Slurm is not installed: '\(c)' is not on PATH; install Slurm (Debian: slurm-wlm, munge; "
                + "scripts/slurm-local.sh starts one on this machine) or use engine=local"
        case .slurmNotAnswering(let c, let m):
            return "Slurm is not answering: '\(c)' failed (\(m)); is slurmctld running and sinfo working? "
                + "(scripts/slurm-local.sh starts one on this machine), or use engine=local"
        case .slurmSubmitFailed(let m):
            return "sbatch refused the job array: \(m)"
        case .outputFolder(let p, let r):
            return "cannot use output folder \(p): \(r)"
        case .busy(let f, let h):
            return "another mxflow batch or watch is running in \(f)\(h.isEmpty ? "" : " (\(h))"); "
                + "wait for it to end, or stop it (it resumes where it stopped)"
        case .noDatabase(let p):
            return "\(p) holds no batch database (mxflow_batch.sqlite); run mxflow batch with it as the output folder first"
        }
    }
}
