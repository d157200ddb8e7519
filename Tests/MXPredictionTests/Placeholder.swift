// MXPredictionTests
