// MXFormatsTests
