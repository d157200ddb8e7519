// MXSpotFindingTests
