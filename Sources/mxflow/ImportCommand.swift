// `mxflow import` (being built; see the issue for this step).
import ArgumentParser

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "(under construction)")
    @OptionGroup var step: StepArguments
    func run() throws { throw ValidationError("mxflow import is not built yet") }
}
