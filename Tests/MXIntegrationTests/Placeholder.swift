// MXIntegrationTests
