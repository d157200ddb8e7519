// MXFormats: see ARCHITECTURE.md (module being built).
