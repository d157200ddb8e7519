// `mxflow benchmark` (being built; see the issue for this step).
import ArgumentParser

struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "benchmark", abstract: "(under construction)")
    @OptionGroup var step: StepArguments
    func run() throws { throw ValidationError("mxflow benchmark is not built yet") }
}
