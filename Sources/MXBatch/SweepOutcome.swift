// SweepOutcome: how one run of `mxflow process` ended, from its exit status and its mxflow.json.
import MXFormats

/// What `mxflow process` wrote in `mxflow.json` (the fields the batch uses).
public struct ProcessRunSummary: Equatable, Sendable {
    public var succeeded: Bool
    public var failedStep: String?
    public var failureReason: String?
    public var statistics: SweepStatistics

    /// Reads `folder/mxflow.json`; nil when it is absent or not a summary
    /// (a run killed before writing it: the file is written atomically, so
    /// a partial one never appears).
    public static func read(folder: String) -> ProcessRunSummary? {
        guard let bytes = AtomicFile.readAll(folder + "/mxflow.json"),
              let json = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self)),
              let status = json["status"]?.stringValue else { return nil }
        var s = SweepStatistics()
        if let r = json["result"], !r.isNull {
            s.spaceGroup = r["space_group"]?.stringValue
            s.unitCell = r["unit_cell"]?.arrayValue?.compactMap(\.doubleValue)
            s.dMin = r["d_min"]?.doubleValue
            if let o = r["overall"] {
                s.ccHalf = o["cc_half"]?.doubleValue
                s.completeness = o["completeness"]?.doubleValue
                s.iOverSigma = o["i_over_sigma"]?.doubleValue
                s.multiplicity = o["multiplicity"]?.doubleValue
                s.rMerge = o["r_merge"]?.doubleValue
            }
        }
        let failure = json["failure"]
        return ProcessRunSummary(succeeded: status == "success", failedStep: failure?["step"]?.stringValue,
                              failureReason: failure?["reason"]?.stringValue, statistics: s)
    }
}

/// How a child process ended.
public enum Termination: Equatable, Sendable {
    case exited(Int)
    case signalled(Int)
    /// Nothing is known (a Slurm task that vanished, a batch that crashed).
    case unknown
}

/// The result of one run, as the database records it.
public struct SweepOutcome: Equatable, Sendable {
    public var succeeded: Bool
    public var reason: String?
    public var failedStep: String?
    public var exitCode: Int?
    public var statistics: SweepStatistics
    /// The failure lay with the machine (a signal, a lost node), not the data:
    /// worth running again on another node.
    public var machineFailure: Bool

    public init(succeeded: Bool, reason: String?, failedStep: String?, exitCode: Int?, statistics: SweepStatistics,
                machineFailure: Bool) {
        self.succeeded = succeeded; self.reason = reason; self.failedStep = failedStep; self.exitCode = exitCode
        self.statistics = statistics; self.machineFailure = machineFailure
    }

    /// Judges a run: success needs exit 0 *and* mxflow.json saying success;
    /// mxflow.json saying failure is the data's failure whatever killed the
    /// process; no mxflow.json after a signal (or with nothing known) is the
    /// machine's failure.
    public static func judge(_ termination: Termination, summary: ProcessRunSummary?) -> SweepOutcome {
        let code: Int? = { if case .exited(let c) = termination { return c }; return nil }()
        if let summary {
            if summary.succeeded, code == 0 {
                return SweepOutcome(succeeded: true, reason: nil, failedStep: nil, exitCode: 0,
                                    statistics: summary.statistics, machineFailure: false)
            }
            if !summary.succeeded {
                let step = summary.failedStep
                let why = summary.failureReason ?? "no reason given"
                return SweepOutcome(succeeded: false, reason: step.map { "\($0): \(why)" } ?? why, failedStep: step,
                                    exitCode: code, statistics: summary.statistics, machineFailure: false)
            }
        }
        switch termination {
        case .exited(0):
            return SweepOutcome(succeeded: false, reason: summary == nil
                                    ? "mxflow process exited 0 but wrote no mxflow.json"
                                    : "mxflow process exited 0 but mxflow.json does not say success",
                                failedStep: nil, exitCode: 0, statistics: SweepStatistics(), machineFailure: false)
        case .exited(let c):
            if c > 128, c < 160, summary == nil {
                // A shell (the Slurm job script) reports a child killed by signal n as 128 + n.
                return signalled(c - 128, exitCode: c)
            }
            let tail = summary == nil ? " without writing mxflow.json (see process_console.log)"
                : " although mxflow.json says success"
            return SweepOutcome(succeeded: false, reason: "mxflow process exited with status \(c)" + tail,
                                failedStep: nil, exitCode: c, statistics: SweepStatistics(), machineFailure: false)
        case .signalled(let s):
            return signalled(s, exitCode: nil)
        case .unknown:
            return SweepOutcome(succeeded: false, reason: "the run ended without an exit status or mxflow.json",
                                failedStep: nil, exitCode: nil, statistics: SweepStatistics(), machineFailure: true)
        }
    }

    static func signalled(_ s: Int, exitCode: Int?) -> SweepOutcome {
        SweepOutcome(succeeded: false, reason: "mxflow process was killed by signal \(s) (\(signalName(s))) before writing mxflow.json",
                     failedStep: nil, exitCode: exitCode, statistics: SweepStatistics(), machineFailure: true)
    }

    static func signalName(_ s: Int) -> String {
        switch s {
        case 1: return "SIGHUP"
        case 2: return "SIGINT"
        case 6: return "SIGABRT"
        case 7: return "SIGBUS"
        case 9: return "SIGKILL"
        case 11: return "SIGSEGV"
        case 15: return "SIGTERM"
        default: return "signal \(s)"
        }
    }
}
