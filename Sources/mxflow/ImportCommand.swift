// `mxflow import`: read image headers and write the experiment list (imported.expt).
import ArgumentParser
import Foundation
import MXFormats
import MXModel
import MXPipeline

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read the geometry of a sweep from its image headers and write imported.expt.",
        discussion: """
        Accepts a NeXus/NXmx master file, CBF images, a template with # for the
        image number, or a folder. One experiment is written per sweep, in the
        dxtbx/DIALS layout, so DIALS programs read the file too.

        Examples:
          mxflow import /data/insulin_master.h5
          mxflow import /data/cbf/x_#####.cbf output.experiments=sweep1.expt
          mxflow import /data/cbf/
        """)

    @OptionGroup var step: StepArguments

    static let parameters: [ParameterDefinition] = [
        ParameterDefinition("output.experiments", .string, default: "imported.expt",
                            help: "The experiment list to write."),
    ]

    func run() throws {
        let params = try step.parameters(Self.parameters)
        let inputs = step.files
        guard !inputs.isEmpty else {
            throw ValidationError("name the images to import: a master .h5 file, CBF images, a template such as x_#####.cbf, or a folder")
        }
        let output = params.string("output.experiments") ?? "imported.expt"
        try runStep("import") {
            let list = try importImages(inputs)
            for (i, e) in list.experiments.enumerated() {
                print(Self.summary(of: e, index: i))
            }
            try ExperimentListCodec.write(list, to: output)
            print("Writing experiments to \(output)")
        }
    }

    /// One paragraph per sweep, as dials.import reports it.
    static func summary(of e: Experiment, index: Int) -> String {
        var lines = ["Sweep \(index): \(e.imageSet?.template ?? "(no images)")"]
        if let s = e.scan {
            lines.append(String(format: "  images %d to %d, %.4g° per image from %.4g°", s.imageRange.lowerBound,
                                s.imageRange.upperBound, s.oscillationWidthDegrees, s.oscillationStartDegrees))
        }
        let p = e.detector[0]
        lines.append(String(format: "  wavelength %.5f Å, %d panel(s) of %d × %d px, distance %.2f mm",
                            e.beam.wavelength, e.detector.count, p.imageSize.fast, p.imageSize.slow, p.distance))
        return lines.joined(separator: "\n")
    }
}
