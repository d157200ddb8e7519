// MXSpotFinding: see ARCHITECTURE.md (module being built).
