// MXRefinement: see ARCHITECTURE.md (module being built).
