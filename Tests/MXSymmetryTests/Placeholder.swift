// MXSymmetryTests
