// The integration step: every predicted reflection measured, with DIALS'
// summary tables, the time taken and the memory used.
import Dispatch
import MXIntegration
import MXLogging
import MXModel

public enum IntegrateStep {
    public static func run(_ list: ExperimentList, refined: ReflectionTable, parameters: IntegrationParameters,
                           logger: Logger) throws -> IntegrationResult {
        let start = DispatchTime.now()
        let result = try integrate(experiments: list, reflections: refined, parameters: parameters, logger: logger)
        for line in IntegrationSummary.lines(result.reflections) { logger.info(line) }
        logger.info(String(format: "Integration took %.2f s; frame block and open shoeboxes peaked at %.1f MiB; "
                           + "process peak resident memory %.1f MiB", elapsedSeconds(since: start),
                           Double(result.peakBufferBytes) / 1_048_576, peakResidentMiB()))
        return result
    }
}
