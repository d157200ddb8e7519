// MXScaling: see ARCHITECTURE.md (module being built).
