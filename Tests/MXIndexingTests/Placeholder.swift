// MXIndexingTests
