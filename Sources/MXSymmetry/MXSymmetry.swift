// MXSymmetry: see ARCHITECTURE.md (module being built).
