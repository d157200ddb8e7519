// `mxflow simulate` (being built; see the issue for this step).
import ArgumentParser

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "(under construction)")
    @OptionGroup var step: StepArguments
    func run() throws { throw ValidationError("mxflow simulate is not built yet") }
}
