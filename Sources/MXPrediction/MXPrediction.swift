// MXPrediction: see ARCHITECTURE.md (module being built).
