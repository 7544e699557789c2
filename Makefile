# irsa-doctor build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: test build vet fuzz bench bench-analyze docs

build:
	$(GO) build -o bin/irsa-doctor ./cmd/irsa-doctor

vet:
	$(GO) vet ./...

# The whole suite, under the race detector: vet, unit and scenario tests, the seed corpora of every
# fuzz target, golden files and the generated docs' freshness.
test: vet
	$(GO) test -race -count=1 ./...

# A short coverage-guided fuzzing pass over every parser of untrusted input.
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./internal/arn -run '^$$' -fuzz FuzzParseRole -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./internal/bundle -run '^$$' -bench . -benchmem

# Regenerate docs/checks.md and golden files after a deliberate change.
docs:
	UPDATE_GOLDEN=1 $(GO) test ./internal/check -run 'TestDocsUpToDate|TestReadmeTableUpToDate'

# The whole `irsa-doctor analyze` process on a synthetic 10,000-pod bundle:
# median wall time of 5 runs and peak RSS (targets: < 1 s, < 300 MB).
BENCH_BUNDLE ?= /tmp/irsa-doctor-bench-bundle
bench-analyze: build
	[ -d $(BENCH_BUNDLE) ] || $(GO) run ./cmd/irsa-bundlegen -out $(BENCH_BUNDLE)
	$(GO) run ./cmd/irsa-bundlegen -analyze bin/irsa-doctor -read $(BENCH_BUNDLE) -runs 5
