// `mxflow find-spots` (being built; see the issue for this step).
import ArgumentParser

struct FindSpotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "find-spots", abstract: "(under construction)")
    @OptionGroup var step: StepArguments
    func run() throws { throw ValidationError("mxflow find-spots is not built yet") }
}
