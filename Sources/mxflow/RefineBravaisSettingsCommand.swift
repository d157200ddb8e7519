// `mxflow refine-bravais-settings`: every Bravais setting of a triclinic indexing solution refined, tabulated and written.
import ArgumentParser
import Dispatch
import Foundation
import MXFormats
import MXLogging
import MXModel
import MXPipeline
import MXRefinement
import MXSymmetry

struct RefineBravaisSettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine-bravais-settings",
        abstract: "Refine the indexed crystal in each Bravais lattice its metric allows.",
        discussion: """
        For each lattice symmetry within lepage_max_delta (Le Page's δ, 5°) of
        the indexed (triclinic) cell, reindexes crystal and spots, imposes the
        lattice's lowest space group, refines, and correlates the summed
        intensities of symmetry-related spots. Prints dials.refine_bravais_settings'
        table with the recommended solutions starred, writes
        bravais_setting_N.expt for each and bravais_summary.json.

        Examples:
          mxflow refine-bravais-settings indexed.expt indexed.refl
          mxflow reindex indexed.refl solution=9
        """)

    @OptionGroup var step: StepArguments

    func run() throws {
        let set = try step.parameters(BravaisSettingsParameterDefinitions.refineBravaisSettings)
        let files = step.files
        let (exptPath, reflPath) = try experimentAndReflectionPaths(files, command: "refine-bravais-settings",
                                                                    example: "indexed.expt indexed.refl")
        let logger = stepLogger("refine-bravais-settings", set)
        try runStep("refine-bravais-settings") {
            let start = DispatchTime.now()
            let experiments = try ExperimentListCodec.read(path: exptPath)
            let reflections = try ReflectionTableCodec.read(path: reflPath)
            let solutions = try BravaisSettingsRefinement.run(experiments: experiments, reflections: reflections,
                                                              maxDeltaDegrees: set.double("lepage_max_delta") ?? 5,
                                                              logger: logger)
            for line in Self.table(solutions) { logger.info(line) }
            let directory = set.text("output.directory"), prefix = set.text("output.prefix")
            func path(_ name: String) -> String { directory == "." ? prefix + name : directory + "/" + prefix + name }
            for s in solutions {
                try ExperimentListCodec.write(s.experiments, to: path("bravais_setting_\(s.number).expt"))
            }
            let summary = Self.summary(solutions)
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            try AtomicFile.write(Array(data), to: path("bravais_summary.json"))
            logger.info("Saved \(solutions.count) settings as \(path("bravais_setting_N.expt")) and \(path("bravais_summary.json"))")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            logger.info(String(format: "Refining Bravais settings took %.2f s", seconds))
        }
    }

    /// dials.refine_bravais_settings' table, top row first; `*` marks the recommended rows.
    static func table(_ solutions: [BravaisSolution]) -> [String] {
        var lines = ["", "Chiral space groups corresponding to each Bravais lattice:"]
        var seen = Set<BravaisLattice>()
        for s in solutions.reversed() where seen.insert(s.setting.lattice).inserted {
            lines.append("  \(s.setting.lattice): \(s.setting.spaceGroupSymbol)")
        }
        lines.append("")
        lines.append(" Solution   Metric fit    rmsd   min/max cc     #spots  lattice  unit_cell                                          volume  cb_op")
        for s in solutions {
            let cc = s.minCC.flatMap { lo in s.maxCC.map { String(format: "%.3f/%.3f", lo, $0) } } ?? "-/-"
            let p = s.cell.parameters
            let cell = String(format: "%7.2f %7.2f %7.2f %6.2f %6.2f %6.2f", p[0], p[1], p[2], p[3], p[4], p[5])
            func pad(_ t: String, _ n: Int) -> String { t.count < n ? t + String(repeating: " ", count: n - t.count) : t }
            lines.append(" " + (s.recommended ? "*" : " ") + String(format: " %6d %10.4f %8.3f   ", s.number,
                                s.setting.maxDeltaDegrees, s.rmsd) + pad(cc, 12)
                         + String(format: " %7d  ", s.spotCount) + pad(s.setting.lattice.description, 7) + "  " + cell
                         + String(format: "  %9.0f  ", s.cell.volume) + s.setting.changeOfBasis.description)
        }
        lines.append("* = recommended solution")
        return lines
    }

    /// bravais_summary.json as DIALS writes it: solution number → its numbers.
    static func summary(_ solutions: [BravaisSolution]) -> [String: Any] {
        var out: [String: Any] = [:]
        for s in solutions {
            out[String(s.number)] = [
                "max_angular_difference": s.setting.maxDeltaDegrees,
                "rmsd": s.rmsd.isFinite ? s.rmsd : NSNull(),
                "nspots": s.spotCount,
                "bravais": s.setting.lattice.description,
                "unit_cell": s.cell.parameters,
                "cb_op": s.setting.changeOfBasis.description,
                "max_cc": s.maxCC.map { $0 as Any } ?? NSNull(),
                "min_cc": s.minCC.map { $0 as Any } ?? NSNull(),
                "cc_nrefs": s.ccCounts,
                "recommended": s.recommended,
            ] as [String: Any]
        }
        return out
    }
}
