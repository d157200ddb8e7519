// MXSimulationTests
