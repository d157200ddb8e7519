# mxflow — build, test, demo and benchmark entry points.
# `make test` is the README's (and CI's) test command.

SWIFT   ?= swift
CONFIG  ?= release
BIN      = .build/$(CONFIG)/mxflow
DEMO_OUT ?= out/demo

.PHONY: deps build test demo bench bench-batch slurm-up testdata clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

# Release build: the end-to-end tests read whole sweeps, and a debug build
# decodes frames ~25x slower. `swift test` builds the mxflow binary too (the
# command-line tests run it), with testing enabled, so no separate build.
test: deps
	$(SWIFT) test -c $(CONFIG)

demo: build
	scripts/demo.sh $(BIN) $(DEMO_OUT)

bench: build
	scripts/bench.sh $(BIN)

bench-batch: build
	scripts/bench_batch.sh $(BIN)

# A one-node Slurm on this machine for engine=slurm (needs root and Debian's
# slurm-wlm and munge: scripts/debian-packages-slurm.txt).
slurm-up:
	scripts/slurm-local.sh

testdata: build
	MXFLOW=$(abspath $(BIN)) scripts/make_testdata.sh

clean:
	rm -rf .build out
