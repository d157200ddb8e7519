// MXPipelineTests
