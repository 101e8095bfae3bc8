# SokoHub. `make run` needs nothing but Go; `make test` runs every suite, on
# SQLite + embedded Redis, or on PostgreSQL + Redis when SOKOHUB_DATABASE_URL
# and SOKOHUB_REDIS_URL are set.
export CGO_ENABLED = 0
GO ?= go

.PHONY: run test fuzz vet build bench faults

run:
	$(GO) run ./cmd/sokohub dev

build:
	$(GO) build -o bin/sokohub ./cmd/sokohub

test: vet
	$(GO) test -count=1 -timeout 20m ./...
ifneq ($(SOKOHUB_DATABASE_URL)$(SOKOHUB_REDIS_URL),)
	@echo "--- the same suites again on SQLite + embedded Redis"
	env -u SOKOHUB_DATABASE_URL -u SOKOHUB_REDIS_URL $(GO) test -count=1 -timeout 20m ./...
endif
	$(MAKE) fuzz

# A short run of every fuzz target; longer runs: make fuzz FUZZTIME=5m
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseCallback$$' -fuzztime $(FUZZTIME) ./internal/mpesa/
	$(GO) test -run '^$$' -fuzz '^FuzzNormalizePhone$$' -fuzztime $(FUZZTIME) ./internal/mpesa/
	$(GO) test -run '^$$' -fuzz '^FuzzPushBody$$' -fuzztime $(FUZZTIME) ./internal/mpesa/simulator/
	$(GO) test -run '^$$' -fuzz '^FuzzControlBodies$$' -fuzztime $(FUZZTIME) ./internal/mpesa/simulator/

# The fault suite: two gateways and two workers as processes, each fault in
# turn, checked against the simulator's record (needs PostgreSQL and Redis,
# and redis-server on PATH for the clusters' own Redis). CI runs it after
# `make test`; it takes a few minutes.
faults:
	SOKOHUB_FAULTS=1 $(GO) test -count=1 -v -timeout 15m -run TestFaultsLoseNothing ./internal/faults/

vet:
	$(GO) vet ./...

# The Go benchmarks, then a short run of the load harness (docs/benchmarks.md
# has the full run: sokohub loadtest --all).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./cmd/sokohub loadtest --stores 20 --rate 50 --callback-rate 100 --duration 5s
