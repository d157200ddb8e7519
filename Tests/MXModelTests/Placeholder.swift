// MXModelTests
