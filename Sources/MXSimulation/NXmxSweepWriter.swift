// NXmxSweepWriter: the NeXus/NXmx master + data files of a simulated sweep.

enum NXmxSweepWriter {
    static func write(_ sim: Simulation, scratch: String) throws -> [String] {
        throw SimulationError.invalidField("format", reason: "nxmx output needs the HDF5 writer, which this build lacks; use format=cbf")
    }
}
