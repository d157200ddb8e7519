// Shared pieces of every subcommand: key=value arguments, --show-config, and
// turning library errors into one sentence and an exit code.
import ArgumentParser
import MXPipeline
#if canImport(Glibc)
import Glibc
#endif

/// Positional arguments of a step: input files and `key=value` parameters,
/// in any order, as DIALS commands take them.
struct StepArguments: ParsableArguments {
    @Argument(help: "Input files and key=value parameters.")
    var items: [String] = []

    @Flag(name: .customLong("show-config"), help: "Print every parameter with its default and help, then exit.")
    var showConfig = false

    /// Items without `=`: file paths.
    var files: [String] { items.filter { !$0.contains("=") } }
    /// Items with `=`: parameters.
    var parameterItems: [String] { items.filter { $0.contains("=") } }

    /// Parses the key=value items into `set`; prints the listing and exits
    /// when --show-config was given.
    func parameters(_ definitions: [ParameterDefinition]) throws -> ParameterSet {
        var set = ParameterSet(definitions)
        do { try set.parse(parameterItems) } catch let e as ParameterError {
            throw ValidationError(e.description)
        }
        if showConfig {
            print(set.configListing())
            throw CleanExit.message("")
        }
        return set
    }
}

/// Runs a step body, turning any library error into "mxflow <step>: <sentence>"
/// on stderr and exit code 1.
func runStep(_ name: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ValidationError {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch let e as ExitCode {
        throw e
    } catch {
        let message = String(describing: error)
        fputs("mxflow \(name): \(message)\n", stderr)
        throw ExitCode(1)
    }
}
