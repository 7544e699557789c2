# irsa-doctor build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: test test-binaries test-tools build vet fuzz bench bench-analyze bench-ci bench-ci-record bench-identical bench-linear bench-live docs image image-test image-ca size

# A release build names its version: make build VERSION=v1.2.3. Without VERSION the binary reports
# the module version Go stamps (a pseudo-version in a checkout); `irsa-doctor version -o json` adds
# the VCS revision, commit time and modified flag. No build date is stamped: the same commit builds
# the same binary.
VERSION ?=
LDFLAGS := $(if $(VERSION),-X github.com/irsa-doctor/irsa-doctor/internal/cli.Version=$(VERSION))

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/irsa-doctor ./cmd/irsa-doctor

# go vet, then staticcheck at the version go.mod pins (a tool dependency:
# `go tool staticcheck`, nothing to install).
vet:
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# The real kube-apiserver and etcd that the integration tests run (internal/testenv), built from
# the Go module proxy or installed once into this directory by hack/test-binaries.sh and reused
# after (about 4 minutes cold). Exported so that the tests find them; without them those tests
# skip.
IRSA_DOCTOR_TEST_BIN ?= $(HOME)/.cache/irsa-doctor/bin
export IRSA_DOCTOR_TEST_BIN

test-binaries:
	./hack/test-binaries.sh

# The browser that the HTML report's test drives (internal/report,
# TestHTMLInBrowser): Debian's chromium, found on PATH unless given. Without
# one the test skips, or fails when CI is set.
IRSA_DOCTOR_CHROMIUM ?= $(shell command -v chromium 2>/dev/null)
export IRSA_DOCTOR_CHROMIUM

# Microsoft's SARIF validator (npm @microsoft/sarif-multitool), which the -o sarif test runs, installed
# once by hack/test-tools.sh. Exported so that the test finds it; without it the test skips (fails in CI).
IRSA_DOCTOR_NPM ?= $(HOME)/.cache/irsa-doctor/npm
IRSA_DOCTOR_SARIF_MULTITOOL ?= $(IRSA_DOCTOR_NPM)/node_modules/@microsoft/sarif-multitool-$(shell uname -s | sed 's/Linux/linux/;s/Darwin/darwin/')/Sarif.Multitool
export IRSA_DOCTOR_NPM IRSA_DOCTOR_SARIF_MULTITOOL

test-tools:
	./hack/test-tools.sh >/dev/null

# The whole suite, under the race detector: vet, unit and scenario tests, the integration tests
# against a real kube-apiserver, the seed corpora of every fuzz target, golden files and the
# generated docs' freshness.
test: vet test-binaries test-tools
	$(GO) test -race -count=1 ./...

# A short coverage-guided fuzzing pass over every parser of untrusted input.
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./internal/arn -run '^$$' -fuzz FuzzParseRole -fuzztime $(FUZZTIME)
	$(GO) test ./internal/policy -run '^$$' -fuzz FuzzMatch -fuzztime $(FUZZTIME)
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzYAMLAliasSize -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzFoldKey -fuzztime $(FUZZTIME)
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzParseAWSConfig -fuzztime $(FUZZTIME)
	$(GO) test ./internal/cli -run '^$$' -fuzz FuzzFixScript -fuzztime $(FUZZTIME)
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzLogs -fuzztime $(FUZZTIME)
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzLookupEvents -fuzztime $(FUZZTIME)
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzFilterLog -fuzztime $(FUZZTIME)
	$(GO) test ./internal/bundle -run '^$$' -fuzz FuzzStreamedRead -fuzztime $(FUZZTIME)
	$(GO) test ./internal/suppress -run '^$$' -fuzz FuzzParseFile -fuzztime $(FUZZTIME)
	$(GO) test ./internal/symptom -run '^$$' -fuzz FuzzMatch -fuzztime $(FUZZTIME)
	$(GO) test ./internal/report -run '^$$' -fuzz FuzzYAMLRoundTrip -fuzztime $(FUZZTIME)
	$(GO) test ./internal/report -run '^$$' -fuzz 'FuzzMarkdown$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/policy -run '^$$' -fuzz 'FuzzGlobSets$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/policy -run '^$$' -fuzz 'FuzzParseQuestion$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/policy -run '^$$' -fuzz 'FuzzEvaluateIdentity$$' -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./internal/bundle -run '^$$' -bench . -benchmem

# Regenerate docs/checks.md and golden files after a deliberate change.
docs:
	UPDATE_GOLDEN=1 $(GO) test ./internal/check -run 'TestDocsUpToDate|TestReadmeTableUpToDate'

# The whole `irsa-doctor analyze -o json` process on a synthetic 10,000-pod bundle, interleaved
# with a parse-only baseline (irsa-bundlegen -baseline: decode every file into any, nothing else),
# both with GOMEMLIMIT=off: median wall, median CPU (user+sys), peak RSS, and the ratio
# analyze/baseline of the medians (issue 14). BENCH_RUNS runs of each.
BENCH_BUNDLE ?= /tmp/irsa-doctor-bench-bundle
BENCH_RUNS ?= 7
bench-analyze: build
	[ -d $(BENCH_BUNDLE) ] || $(GO) run ./cmd/irsa-bundlegen -out $(BENCH_BUNDLE)
	$(GO) run ./cmd/irsa-bundlegen -analyze bin/irsa-doctor -read $(BENCH_BUNDLE) -runs $(BENCH_RUNS)

# The CI step of issue 14: the same measurement on a small bundle (2,000 pods, fixed seed: a
# few seconds), 5 runs of each, failing (exit 3) when the analyze/baseline ratio of the median
# wall times exceeds 1.6 times the `ci-ratio-wall:` line of docs/performance.md ("CI ratio
# budget"). Over budget, it measures once more before failing: one slow run on a shared machine
# should not fail CI, a regression fails both. The bundle is written once, under a name that
# holds its flags, through a temporary folder so that an interrupted write is not reused.
CI_BUNDLE_FLAGS := -pods 2000 -service-accounts 400 -roles 100 -seed 14
CI_BUNDLE ?= /tmp/irsa-doctor-ci-bundle-2000-400-100-s14
CI_RUNS ?= 5
CI_RECORD ?= docs/performance.md
CI_RATIO = bin/irsa-bundlegen -analyze bin/irsa-doctor -read $(CI_BUNDLE) -runs $(CI_RUNS) -ratio-record $(CI_RECORD)
bench-ci: build $(CI_BUNDLE)
	$(GO) build -o bin/irsa-bundlegen ./cmd/irsa-bundlegen
	$(CI_RATIO); rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "bench-ci: over budget, measuring once more before failing"; $(CI_RATIO); else exit $$rc; fi

# What the recorded ratio is measured with: the same bundle and binary, 15 runs of each.
bench-ci-record: build $(CI_BUNDLE)
	$(GO) build -o bin/irsa-bundlegen ./cmd/irsa-bundlegen
	bin/irsa-bundlegen -analyze bin/irsa-doctor -read $(CI_BUNDLE) -runs 15

$(CI_BUNDLE):
	rm -rf $@.tmp
	$(GO) run ./cmd/irsa-bundlegen -out $@.tmp $(CI_BUNDLE_FLAGS)
	mv $@.tmp $@

# The findings on the 10,000-pod bundle are byte-identical before and after a change (issue 14):
# builds irsa-doctor at REF in a temporary git worktree (removed after), runs `analyze -o json
# BENCH_BUNDLE` with it and with bin/irsa-doctor, and compares the reports byte for byte but for
# tool.version (a checkout names its version). Prints "identical: N bytes, sha256 ..." or the
# first line that differs and fails.
REF ?= HEAD
bench-identical: build
	[ -d $(BENCH_BUNDLE) ] || $(GO) run ./cmd/irsa-bundlegen -out $(BENCH_BUNDLE)
	$(GO) run ./cmd/irsa-bundlegen -analyze bin/irsa-doctor -read $(BENCH_BUNDLE) -identical $(REF)

# Every input family grows linearly (issue 14): internal/cli's BenchmarkLinear times the whole
# analyze (cli.Main) at n and 10n for pods, ServiceAccounts, roles, Deployments, Pod Identity
# associations, pods one file each (files in a folder) and one value each in one file, each
# bundle written once before the timed runs; irsa-bundlegen -linear prints time(10n)/time(n) per
# family and fails when one exceeds 12 (on CPU time, see docs/performance.md). Not part of
# `make test`: about five minutes on 2 cores, most of it the serviceaccounts family at 10n.
LINEAR_RUNS ?= 5
LINEAR_OUT ?= /tmp/irsa-doctor-bench-linear.txt
bench-linear:
	$(GO) test ./internal/cli -run '^$$' -bench '^BenchmarkLinear$$' -benchtime $(LINEAR_RUNS)x -benchmem -timeout 30m > $(LINEAR_OUT) || { cat $(LINEAR_OUT); exit 1; }
	$(GO) run ./cmd/irsa-bundlegen -linear $(LINEAR_OUT)

# `scan -A -o json` of 10,000 pods against the test environment's real kube-apiserver, in turns
# with listing the same kinds with client-go alone (same page size, same client configuration):
# the medians, the ratio scan/list and the AWS calls of one scan (internal/cli BenchmarkLiveScan,
# issue 14). Setup (the cluster, 10,000 pods through admission) takes 30-40 s, outside the timer;
# BENCH_LIVE_TIMES turns of the three measurements. Fails, not skips, without the test binaries.
BENCH_LIVE_TIMES ?= 3x
bench-live: test-binaries
	$(GO) test ./internal/cli -run '^$$' -bench '^BenchmarkLiveScan$$' -benchtime $(BENCH_LIVE_TIMES) -timeout 30m

# --- container image and binary size (issue 16, parts 6 and 4; docs/image.md, docs/performance.md) ---
# `make image` builds the static binary for each of IMAGE_PLATFORMS (CGO_ENABLED=0, -trimpath,
# -ldflags "-s -w", plus VERSION's -X) into IMAGE_BIN, then hack/image (a module of its own:
# go-containerregistry stays out of go.mod) writes IMAGE_DIR: oci/, an OCI image layout whose
# index has one image per platform and names the tag irsa-doctor:VERSION, and one `docker save`
# tarball per platform (irsa-doctor-linux-amd64.tar, for `podman load`). From scratch: no base
# image, the CA bundle vendored in hack/image. Every timestamp is the commit's
# (SOURCE_DATE_EPOCH when set): a rebuild of the commit has the same digest.
IMAGE_DIR ?= dist/image
IMAGE_BIN ?= dist/image-bin
IMAGE_PLATFORMS ?= linux/amd64 linux/arm64
IMAGE_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
IMAGE_CREATED ?= $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null))
IMAGE_SOURCE ?= https://github.com/irsa-doctor/irsa-doctor
IMAGE_ARGS = -ca ca-certificates.crt -doc ca-certificates/copyright=ca-certificates.copyright \
	-doc irsa-doctor/LICENSE=$(abspath LICENSE) -doc irsa-doctor/THIRD_PARTY_NOTICES=$(abspath THIRD_PARTY_NOTICES) -version '$(VERSION)' -revision '$(IMAGE_REVISION)' \
	-created '$(IMAGE_CREATED)' -source '$(IMAGE_SOURCE)' \
	$(foreach p,$(IMAGE_PLATFORMS),-bin $(p)=$(abspath $(IMAGE_BIN))/$(subst /,-,$(p))/irsa-doctor)

image:
	for p in $(IMAGE_PLATFORMS); do \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -trimpath -ldflags '-s -w $(LDFLAGS)' \
			-o $(IMAGE_BIN)/$${p%/*}-$${p#*/}/irsa-doctor ./cmd/irsa-doctor || exit 1; \
	done
	cd hack/image && $(GO) build -o $(abspath bin/irsa-image) . && $(abspath bin/irsa-image) $(IMAGE_ARGS) -out $(abspath $(IMAGE_DIR))

# The image's tests (hack/image): the config (user 65532:65532, entrypoint, labels), its files
# extracted with go-containerregistry and `irsa-doctor version` run from them (chrooted, as
# 65532; podman cannot start containers in this VM, see hack/image/image_test.go), Debian's
# podman loading the tarball, and a second build by another process into another folder
# giving the same bytes. Fails rather than skips without podman when CI is set.
image-test: image
	cd hack/image && $(abspath bin/irsa-image) $(IMAGE_ARGS) -out $(abspath $(IMAGE_DIR))-rebuild
	cd hack/image && $(GO) vet . && IRSA_DOCTOR_IMAGE=$(abspath $(IMAGE_DIR)) \
		IRSA_DOCTOR_IMAGE_REBUILD=$(abspath $(IMAGE_DIR))-rebuild \
		IRSA_DOCTOR_IMAGE_PLATFORMS='$(IMAGE_PLATFORMS)' IRSA_DOCTOR_IMAGE_REVISION='$(IMAGE_REVISION)' \
		$(GO) test -count=1 -v .
	rm -rf $(abspath $(IMAGE_DIR))-rebuild

# Refresh the vendored CA bundle from Debian's ca-certificates package (the package's
# certificates only, not this machine's /etc/ssl/certs, which adds local CAs), and its version.
image-ca:
	./hack/image/refresh-ca.sh

# What makes the binary big (issue 16; docs/performance.md, "Binary size"): the stripped size of
# the release build's flags, then the symbols of an unstripped build summed by package group.
size:
	$(GO) build -trimpath -ldflags '-s -w' -o bin/irsa-doctor-stripped ./cmd/irsa-doctor
	$(GO) build -trimpath -o bin/irsa-doctor-symbols ./cmd/irsa-doctor
	@echo "stripped: $$(stat -c %s bin/irsa-doctor-stripped) bytes"
	$(GO) tool nm -size -sort size bin/irsa-doctor-symbols | \
		./hack/size.py $$(readelf -SW bin/irsa-doctor-symbols | awk '$$2 == ".bss" {print $$4}') 20
# --- end of container image and binary size ---

# --- Deploy: the Helm chart and the plain manifests (issue 15) -----------------
# deploy/manifests/ is rendered from the chart deploy/helm/irsa-doctor with the Helm Go SDK by
# hack/helm, a module of its own so that Helm's dependencies stay out of go.mod and the binary.
# `make manifests` after any change to the chart; chart-test runs that module's vet and tests
# (the chart's rendering with defaults and toggles, the freshness of deploy/manifests/), and
# `make test` runs it. The dry-run of deploy/manifests/ against the test kube-apiserver under
# the restricted Pod Security profile is internal/deploytest, in the main module's `go test`.
.PHONY: manifests chart-test
manifests:
	cd hack/helm && $(GO) run . -root ../..

chart-test:
	cd hack/helm && out="$$(gofmt -l .)" && if [ -n "$$out" ]; then echo "gofmt -w needed in hack/helm: $$out"; exit 1; fi
	cd hack/helm && $(GO) vet ./... && $(GO) test -count=1 ./...

test: chart-test
# --- end Deploy -----------------------------------------------------------------

# --- Release: licences, archives, krew manifest, SBOMs (issue 16, parts 1, 3 and 5; docs/release.md) ---
# One recipe, hack/dist (a module of its own, built into bin/irsa-dist), shared by these targets
# and CI. The tools it runs are pinned in hack/tools/go.mod (go-licenses, cyclonedx-gomod,
# krew's validate-krew-manifest: `go tool` dependencies of that module, never of go.mod) and
# built from it into bin/.
.PHONY: licenses licenses-check dist dist-repro dist-check release-tools bin/irsa-dist

# The release's version: VERSION when given (make dist VERSION=v0.1.0), else a Go pseudo-version
# of HEAD (v0.0.0-COMMITTIME-REVISION), so that a checkout's dist is named after its commit.
DIST_VERSION ?= $(or $(VERSION),v0.0.0-$(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null)-$(shell git rev-parse --short=12 HEAD 2>/dev/null))
# Where the archives are downloaded from (the krew manifest's uri is DIST_URI_BASE/ARCHIVE).
DIST_URI_BASE ?= https://github.com/irsa-doctor/irsa-doctor/releases/download/$(DIST_VERSION)
DIST_DIR ?= dist
DIST_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
RELEASE_TOOLS := bin/go-licenses bin/cyclonedx-gomod bin/validate-krew-manifest bin/krew

# Rebuilt when hack/tools' go.mod changes the pinned versions. -trimpath and no VCS stamp: the
# tool binaries, whose hashes the SBOMs name, do not depend on the checkout's path or commit.
bin/go-licenses: hack/tools/go.mod hack/tools/go.sum
	$(GO) build -C hack/tools -trimpath -buildvcs=false -o ../../bin/ github.com/google/go-licenses/v2
bin/cyclonedx-gomod: hack/tools/go.mod hack/tools/go.sum
	$(GO) build -C hack/tools -trimpath -buildvcs=false -o ../../bin/ github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod
bin/validate-krew-manifest: hack/tools/go.mod hack/tools/go.sum
	$(GO) build -C hack/tools -trimpath -buildvcs=false -o ../../bin/ sigs.k8s.io/krew/cmd/validate-krew-manifest
bin/krew: hack/tools/go.mod hack/tools/go.sum
	$(GO) build -C hack/tools -trimpath -buildvcs=false -o ../../bin/ sigs.k8s.io/krew/cmd/krew
release-tools: $(RELEASE_TOOLS)

# Always rebuilt (phony): stdlib only, a second or two.
bin/irsa-dist:
	$(GO) build -C hack/dist -o ../../bin/irsa-dist .

# THIRD_PARTY_NOTICES: the licence texts and NOTICE files of every dependency compiled into the
# binaries of DIST_PLATFORMS (go-licenses report), and Go's own licence.
licenses: bin/go-licenses bin/irsa-dist
	bin/irsa-dist licenses -go-licenses bin/go-licenses -platforms '$(DIST_PLATFORMS)'

# go-licenses check on each platform (no forbidden, restricted, reciprocal or unknown licence),
# then fails when THIRD_PARTY_NOTICES differs from what `make licenses` would write.
licenses-check: bin/go-licenses bin/irsa-dist
	bin/irsa-dist licenses -check -go-licenses bin/go-licenses -platforms '$(DIST_PLATFORMS)'

# DIST_DIR/: irsa-doctor_VERSION_OS_ARCH.tar.gz (.zip for windows) holding irsa-doctor, LICENSE,
# README.md, THIRD_PARTY_NOTICES; a CycloneDX SBOM per platform (.cdx.json); irsa.yaml, the krew
# manifest (also written to deploy/krew/irsa.yaml, gitignored); SHA256SUMS of them all; and
# build/OS-ARCH/, the binaries (not release files). Static, -trimpath, -s -w, the -X version of
# LDFLAGS; every archive byte fixed by the commit (its time is every entry's mtime).
dist: bin/irsa-dist bin/cyclonedx-gomod
	bin/irsa-dist build -out $(DIST_DIR) -version '$(DIST_VERSION)' -uri-base '$(DIST_URI_BASE)' \
		-platforms '$(DIST_PLATFORMS)' -sbom bin/cyclonedx-gomod \
		-krew-template deploy/krew/irsa.yaml.tmpl -krew-out deploy/krew/irsa.yaml

# After make dist: clones HEAD into a temporary folder, builds linux/amd64 there with an empty
# GOCACHE, and compares the binary and the archive with DIST_DIR's byte for byte.
dist-repro: bin/irsa-dist
	bin/irsa-dist repro -dist $(DIST_DIR) -version '$(DIST_VERSION)' -platform linux/amd64

# After make dist: hack/dist's gofmt, vet and tests (each platform's sha256 in the krew manifest
# against its archive, the archive's files against the manifest's, SHA256SUMS, each binary's
# OS and architecture, and krew itself installing each platform from its archive with the
# manifest, KREW_OS/KREW_ARCH set, into a temporary KREW_ROOT; they fail, not skip, without
# DIST_DIR when CI is set), then krew's own validator (-skip-install: it would download).
dist-check: bin/validate-krew-manifest bin/krew
	cd hack/dist && out="$$(gofmt -l .)" && if [ -n "$$out" ]; then echo "gofmt -w needed in hack/dist: $$out"; exit 1; fi
	cd hack/dist && $(GO) vet . && IRSA_DOCTOR_DIST=$(abspath $(DIST_DIR)) \
		IRSA_DOCTOR_KREW_MANIFEST=$(abspath deploy/krew/irsa.yaml) IRSA_DOCTOR_DIST_VERSION='$(DIST_VERSION)' \
		IRSA_DOCTOR_DIST_URI_BASE='$(DIST_URI_BASE)' IRSA_DOCTOR_DIST_PLATFORMS='$(DIST_PLATFORMS)' \
		IRSA_DOCTOR_KREW=$(abspath bin/krew) $(GO) test -count=1 -v .
	bin/validate-krew-manifest -manifest deploy/krew/irsa.yaml -skip-install
# --- end Release ---
