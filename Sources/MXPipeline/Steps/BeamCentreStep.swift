// The beam-centre search step: the detector moved to the centre that best
// indexes the strong spots, with the shift reported in mm and pixels.
import MXIndexing
import MXLogging
import MXModel

public enum BeamCentreStep {
    /// `list` with the first experiment's detector (and every experiment
    /// sharing it) moved to the best centre, and the search's result.
    /// `scopeMm`: how far from the header's centre the search looks (DIALS' `mm_search_scope`).
    /// `parameters` and `atHeaderCentre`: as `BeamCentreSearch.search` takes them.
    public static func run(_ list: ExperimentList, strong: ReflectionTable, scopeMm: Double = 4,
                           parameters: IndexingParameters = IndexingParameters(), atHeaderCentre: IndexingResult? = nil,
                           logger: Logger) throws -> (list: ExperimentList, search: BeamCentreSearchResult) {
        guard let experiment = list.experiments.first else { throw IndexingError.noExperiments }
        var table = strong
        if let ids = table.ints(ReflectionTable.Name.id), list.count > 1 { table = table.select(ids.map { $0 == 0 }) }
        let quiet = Logger { _, message in logger.debug(message) }  // the search's detail: log file only
        let r = try BeamCentreSearch.search(experiment: experiment, reflections: table, parameters: parameters,
                                            scopeMm: scopeMm, atHeaderCentre: atHeaderCentre, logger: quiet)
        let pixel = experiment.detector.panels[0].pixelSize
        logger.info(String(format: "Old beam centre: %.2f, %.2f mm (%.1f, %.1f px)", r.oldCentreMm.x, r.oldCentreMm.y,
                           r.oldCentreMm.x / pixel.fast, r.oldCentreMm.y / pixel.slow))
        logger.info(String(format: "New beam centre: %.2f, %.2f mm (%.1f, %.1f px)", r.newCentreMm.x, r.newCentreMm.y,
                           r.newCentreMm.x / pixel.fast, r.newCentreMm.y / pixel.slow))
        logger.info(String(format: "Shift (new − old): %.2f, %.2f mm (%.1f, %.1f px); %.0f%% of spots index at the new centre",
                           r.shiftMm.x, r.shiftMm.y, r.shiftPx.x, r.shiftPx.y, 100 * r.indexedFraction))
        var out = list
        out.experiments[0] = r.experiment
        for i in out.experiments.indices.dropFirst() where out.experiments[i].detector == experiment.detector {
            out.experiments[i].detector = r.experiment.detector
        }
        return (out, r)
    }
}
