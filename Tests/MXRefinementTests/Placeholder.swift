// MXRefinementTests
