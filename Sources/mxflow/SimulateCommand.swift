// `mxflow simulate`: writes a synthetic rotation sweep with its ground truth.
import ArgumentParser
import MXLogging
import MXSimulation
#if canImport(Glibc)
import Glibc
#endif

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a synthetic rotation sweep (NXmx or mini-CBF) with its ground truth.",
        discussion: """
        mxflow simulate spec.json out/ [key=value ...]
        The spec is a JSON object of the fields --show-config lists; key=value
        items override it (lists as a,b,c). Writes the images, truth.json
        (symmetry, cell, U/A per lattice, true and header beam centres, every
        parameter), truth_intensities.csv, truth_intensities.mtz (the same true
        intensities as a merged MTZ: IMEAN, I(+), I(-) but not for centrics,
        sigmas 0) and spec.json
        into out/. The same spec
        and seed give byte-identical files.
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        if step.showConfig {
            print(SimulationSpec.configListing)
            return
        }
        let files = step.files
        let specPath = files.first { $0.hasSuffix(".json") }
        let outputs = files.filter { $0 != specPath }
        guard outputs.count == 1 else {
            throw ValidationError("give one output directory (and optionally a spec .json), e.g. mxflow simulate spec.json out/")
        }
        let logger = Logger { level, message in
            if level >= .warning { fputs("\(message)\n", stderr) } else { print(message) }
        }.withProgress(ProgressDisplay.forStandardError())
        try runStep("simulate") {
            let spec = try SimulationSpec.load(path: specPath, overrides: step.parameterItems)
            let t = try SweepWriter.write(spec: spec, to: outputs[0], logger: logger)
            print("simulate: setup \(fmt(t.setup)) s, frames \(fmt(t.frames)) s (\(fmt(t.perFrame * 1000)) ms/frame), total \(fmt(t.total)) s")
        }
    }

    private func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
}
