// MXIndexing: see ARCHITECTURE.md (module being built).
