// MXMathTests
