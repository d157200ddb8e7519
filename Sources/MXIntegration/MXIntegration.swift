// MXIntegration: see ARCHITECTURE.md (module being built).
