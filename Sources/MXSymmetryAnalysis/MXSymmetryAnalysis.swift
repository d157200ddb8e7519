// MXSymmetryAnalysis: see ARCHITECTURE.md (module being built).
