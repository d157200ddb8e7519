// `mxflow process`: every step from images to merged MTZ, in-process, with
// the decision graph's retries, one log, mxflow.json and mxflow.html.
import ArgumentParser
import Foundation
import MXLogging
import MXPipeline

struct ProcessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Process one or more sweeps from images to a merged MTZ file and a report, with no choices asked.",
        discussion: """
        Imports the images, finds spots, indexes (retrying with a beam-centre
        search, more lattices or a larger cell when few spots index), chooses
        the Bravais lattice (eliminating a setting whose refinement degrades),
        refines (static, then scan-varying), integrates, determines the space
        group, scales, estimates the resolution limit (CC½ = 0.3) and rescales
        there, and merges. Writes every intermediate file, merged.mtz,
        scaled_unmerged.mtz, mxflow.log, mxflow.json and mxflow.html to
        output_dir (default: the current folder). Run again in the same folder
        to resume after the last completed step; force=True redoes all.
        Several sweeps of one crystal form (several master files, or a folder
        holding them) are each processed to integration in sweep_N/, brought
        into one consistent indexing, and scaled and merged together.
        Steps take parameters as <step>.<name>=value, e.g.
        find_spots.sigma_strong=2 or index.max_cell=200.

        Examples:
          mxflow process /data/insulin_master.h5
          mxflow process /data/x_#####.cbf output_dir=x nproc=8
          mxflow process /data/lyso_master.h5 pipeline=anomalous d_min=1.8
          mxflow process /data/new_master.h5 pipeline=screen
          mxflow process /data/a_master.h5 /data/b_master.h5
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let (processItems, stepItems): ([String], [String: [String]])
        do { (processItems, stepItems) = try ProcessParameterDefinitions.split(step.parameterItems) } catch let e as ParameterError {
            throw ValidationError(e.description)
        }
        var arguments = step
        arguments.items = step.files + processItems
        let set = try arguments.parameters(ProcessParameterDefinitions.all)
        let inputs = step.files.map { ($0 as NSString).standardizingPath }.map {
            $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0
        }
        guard !inputs.isEmpty else {
            throw ValidationError("name the images to process: a master .h5 file, CBF images, a template such as x_#####.cbf, or a folder")
        }
        let outputDir = set.text("output_dir")
        do {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        } catch {
            fputs("mxflow process: cannot create the output folder \(outputDir): \(error.localizedDescription)\n", stderr)
            throw ExitCode(1)
        }
        let preset: PipelinePreset
        do {
            preset = try PipelinePreset.load(set.text("pipeline"), searchDirectories: presetDirectories())
        } catch {
            throw ValidationError(String(describing: error))
        }
        var options = ProcessRun.Options(inputs: inputs, outputDir: outputDir,
                                         nproc: set.int("nproc") ?? ProcessInfo.processInfo.activeProcessorCount,
                                         preset: preset)
        options.force = set.bool("force") ?? false
        options.dMin = set.double("d_min")
        options.anomalous = set.bool("anomalous")
        options.spaceGroup = set.string("space_group")
        options.unitCell = set.doubles("unit_cell")
        options.stepParameters = stepItems

        let logFile = LogFile(path: outputDir + "/mxflow.log", append: true)
        let logger = Logger { level, message in
            logFile.write(message)
            if level >= .info { print(message) }
        }.withProgress(ProgressDisplay.forStandardError())
        logger.info("mxflow \(MXFlowVersion.string) process " + (step.items).joined(separator: " "))
        logger.info("Pipeline: \(preset.name) — \(preset.description)")
        let summary = ProcessRun(options: options, logger: logger).run()
        if summary.status == "success" {
            var lines = ["", "mxflow process finished in " + String(format: "%.1f s", summary.timings.totalSeconds) + "."]
            if let r = summary.result {
                lines.append("  Space group \(r.spaceGroup), cell " + r.unitCell.map { String(format: "%.2f", $0) }.joined(separator: " ")
                             + String(format: ", %.2f–%.2f Å, CC½ %.3f, ⟨I/σ⟩ %.1f, completeness %.1f%%", r.dMax, r.dMin,
                                      r.overall.ccHalf, r.overall.iOverSigma, 100 * r.overall.completeness))
            }
            if let m = summary.files.mergedMtz { lines.append("  Merged data: \(outputDir)/\(m)") }
            if let u = summary.files.unmergedMtz { lines.append("  Unmerged scaled data: \(outputDir)/\(u)") }
            lines.append("  Report: \(outputDir)/mxflow.html; summary for machines: \(outputDir)/mxflow.json; log: \(outputDir)/mxflow.log")
            logger.info(lines.joined(separator: "\n"))
        } else {
            let f = summary.failure
            fputs("mxflow process: failed at \(f?.step ?? "?"): \(f?.reason ?? "?")\n"
                  + "  The log (\(outputDir)/mxflow.log) and \(outputDir)/mxflow.json record the failure; run again to resume.\n", stderr)
            throw ExitCode(1)
        }
    }

    /// Where pipeline=NAME looks for NAME.json: $MXFLOW_PIPELINES, then
    /// pipelines/ beside the executable's package (…/.build/release/mxflow).
    func presetDirectories() -> [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["MXFLOW_PIPELINES"] { dirs.append(env) }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(dir.appendingPathComponent("pipelines").path)
            dirs.append(dir.appendingPathComponent("share/mxflow/pipelines").path)
            dir = dir.deletingLastPathComponent()
        }
        return dirs
    }
}
