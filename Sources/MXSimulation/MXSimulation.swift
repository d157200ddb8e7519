// MXSimulation: see ARCHITECTURE.md (module being built).
