# TierMem: the two commands of the README quick start, and a few more.
#   make demo   install what is missing, build, and run the main job with embedded defaults
#   make test   install what is missing, then run the whole test suite
SWIFT ?= swift
TRACE ?= traces/kv-cache.tmt

.PHONY: deps demo test example faults preload-test bench-services bench bench-heap fuzz traces model clean

deps:
	@scripts/install-deps.sh

demo: deps
	$(SWIFT) build -c release --product tiermem
	.build/release/tiermem demo

test: deps
	$(SWIFT) test
	$(MAKE) --no-print-directory example
	$(MAKE) --no-print-directory faults
	$(MAKE) --no-print-directory preload-test

# The C ABI: build libTierMemC.so, compile examples/kv_store.c against include/tiermem.h, run it.
SWIFT_RUNTIME ?= $(shell dirname $$(dirname $$(command -v $(SWIFT))))/lib/swift/linux
example: deps
	$(SWIFT) build --product TierMemC
	mkdir -p examples/build
	cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/kv_store.c -o examples/build/kv_store \
	  -L.build/debug -lTierMemC -Wl,-rpath,$(CURDIR)/.build/debug -Wl,-rpath,$(SWIFT_RUNTIME)
	examples/build/kv_store

# The fault-injection suite (Tests/faults): hostile sizes on every C ABI entry point, traps, PMEM
# on a full tmpfs, a full pool, userfaultfd blocked by seccomp, kill -9, full and read-only file
# systems under every output writer, signals during writes, hostile traces. Each case runs under
# a watchdog; cases that mount need root and say so when skipped.
faults: deps
	$(SWIFT) build --product TierMemC
	$(SWIFT) build --product tiermem
	bash Tests/faults/run.sh

# Unmodified programs on the tiered heap (Tests/preload): python3, gzip and sort against their
# glibc runs, system calls into offloaded buffers, Redis and memcached driven by their own
# clients with every value checked, fork, bad settings, the fallback when the heap cannot start.
preload-test: deps
	$(SWIFT) build --product tiermem-preload
	$(SWIFT) build --product tiermem
	bash Tests/preload/run.sh

# Redis under the preload against glibc and its own jemalloc, DRAM at 100/75/50% of the heap's
# footprint, alternated rounds (release build; several minutes). KEYS, VALUE, HOT, ROUNDS...:
# see the script's header.
bench-services: deps
	scripts/bench-services.sh

# Release-built benchmarks: trace decode speed, bytes per record, Lackey ingest speed.
bench: deps
	$(SWIFT) build -c release --product tiermem-bench
	.build/release/tiermem-bench

# Release-built live heap benchmark: fault-in latency (HdrHistogram) against the bare userfaultfd
# round trip, LZ4/zstd on real pages, migration throughput. Needs userfaultfd (tiermem doctor).
bench-heap: deps
	$(SWIFT) build -c release --product tiermem-heapbench
	.build/release/tiermem-heapbench

# Every trace reader over random and mutated inputs (1,000,000 per reader by default).
FUZZ_ITERATIONS ?= 1000000
fuzz: deps
	$(SWIFT) build -c release --product tiermem-fuzz
	.build/release/tiermem-fuzz --iterations $(FUZZ_ITERATIONS)

# Remake the shipped traces (needs valgrind, python3, gzip, coreutils).
traces: deps
	@scripts/install-deps.sh valgrind python3 gzip coreutils
	scripts/make-traces.sh

# Retrain models/default.json on the shipped traces.
model: deps
	scripts/train-default-model.sh

clean:
	rm -rf .build
