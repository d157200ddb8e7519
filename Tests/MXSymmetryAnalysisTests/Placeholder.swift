// MXSymmetryAnalysisTests
