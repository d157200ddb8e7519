// mxflowTests
