// `mxflow show` (being built; see the issue for this step).
import ArgumentParser

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "(under construction)")
    @OptionGroup var step: StepArguments
    func run() throws { throw ValidationError("mxflow show is not built yet") }
}
