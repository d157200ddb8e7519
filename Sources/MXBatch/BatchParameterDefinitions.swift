// BatchParameterDefinitions: the key=value parameters of batch and watch, and the options they map to.
import Foundation
import MXPipeline

/// How each sweep's `mxflow process` is run.
public struct ProcessInvocation: Equatable, Sendable {
    /// The mxflow executable (the running one unless `batch.mxflow=` names another).
    public var executable: String
    /// `pipeline=` passed on, when given.
    public var pipeline: String?
    public init(executable: String, pipeline: String? = nil) {
        self.executable = executable; self.pipeline = pipeline
    }

    /// The arguments after the executable for one sweep.
    public func arguments(sweep: String, outputDir: String, nproc: Int) -> [String] {
        ["process", sweep, "output_dir=\(outputDir)", "nproc=\(nproc)"] + (pipeline.map { ["pipeline=\($0)"] } ?? [])
    }
}

public enum BatchParameterDefinitions {
    static let common: [ParameterDefinition] = [
        ParameterDefinition("pipeline", .string, default: "None",
                            help: "Pipeline preset or file passed to every mxflow process (None: its default)"),
        ParameterDefinition("nproc", .int(min: 1), default: "Auto",
                            help: "Cores the batch may use in all (Auto: every core of this machine)"),
        ParameterDefinition("jobs", .int(min: 1), default: "Auto",
                            help: "Sweeps processed at once by the local engine; each gets nproc/jobs cores "
                                + "(Auto: one per 4 cores, at least 1)"),
        ParameterDefinition("batch.mxflow", .string, default: "Auto",
                            help: "The mxflow executable run for each sweep (Auto: this one)"),
        ParameterDefinition("output.log", .string, default: "mxflow_batch.log",
                            help: "Log file, in the output folder"),
    ]

    /// `mxflow batch`.
    public static let batch: [ParameterDefinition] = common + [
        ParameterDefinition("engine", .choice(["local", "slurm"]), default: "local",
                            help: "local: child processes on this machine; slurm: one Slurm job array"),
        ParameterDefinition("retry_failed", .bool, default: "False",
                            help: "Run the sweeps that failed in an earlier run of this batch again"),
        ParameterDefinition("slurm.partition", .string, default: "None", help: "Slurm partition (None: the default one)"),
        ParameterDefinition("slurm.cpus_per_task", .int(min: 1), default: "2",
                            help: "Cores of each array task (its mxflow process gets nproc of this)"),
        ParameterDefinition("slurm.mem", .string, default: "None", help: "Memory of each task, as sbatch --mem (e.g. 8G)"),
        ParameterDefinition("slurm.time", .string, default: "None", help: "Time limit of each task, as sbatch --time (e.g. 2:00:00)"),
        ParameterDefinition("slurm.poll", .double(min: 0.1), default: "5",
                            help: "Seconds between squeue/sacct queries"),
        ParameterDefinition("slurm.retries", .int(min: 0), default: "1",
                            help: "Times a task that failed by the node's fault (NODE_FAIL, BOOT_FAIL, PREEMPTED, a signal) is rerun"),
    ]

    /// `mxflow watch`.
    public static let watch: [ParameterDefinition] = common + [
        ParameterDefinition("results", .string, default: "None",
                            help: "Folder for results and the state database (None: beside the data)"),
        ParameterDefinition("poll", .double(min: 0.05), default: "10", help: "Seconds between looks at the folder"),
        ParameterDefinition("settle", .double(min: 0), default: "30",
                            help: "Seconds a sweep's files must stay unchanged before it counts as complete"),
        ParameterDefinition("once", .bool, default: "False",
                            help: "Process the sweeps complete now, then exit"),
    ]

    /// Cores of this machine.
    public static var machineCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The total cores, the parallel jobs and the cores of each child:
    /// nproc per child = max(1, cores / jobs), so the machine is never oversubscribed.
    public static func localShares(_ set: ParameterSet) -> (cores: Int, jobs: Int, perChild: Int) {
        let cores = set.int("nproc") ?? machineCores
        let jobs = set.int("jobs") ?? max(1, cores / 4)
        return (cores, jobs, max(1, cores / jobs))
    }

    /// The process invocation; `running` is the path of the running executable.
    public static func invocation(_ set: ParameterSet, running: String) -> ProcessInvocation {
        ProcessInvocation(executable: set.string("batch.mxflow") ?? running, pipeline: set.string("pipeline"))
    }

    public static func slurmOptions(_ set: ParameterSet) -> SlurmOptions {
        SlurmOptions(partition: set.string("slurm.partition"), cpusPerTask: set.int("slurm.cpus_per_task") ?? 2,
                     mem: set.string("slurm.mem"), time: set.string("slurm.time"),
                     poll: set.double("slurm.poll") ?? 5, retries: set.int("slurm.retries") ?? 1)
    }
}
