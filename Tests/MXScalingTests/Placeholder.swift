// MXScalingTests
