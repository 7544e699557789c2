// Package tools pins the release tools `make licenses`, `make dist` and
// `make dist-check` run (docs/release.md): go-licenses, cyclonedx-gomod,
// krew and krew's validate-krew-manifest, as `tool` lines of this module's
// go.mod.
// A module of its own so that their dependencies never enter the project's
// go.mod or binary; the Makefile builds them into bin/ with
// `go build -C hack/tools -o ../../bin/ PACKAGE`, not `go run PKG@VERSION`:
// this go.sum fixes the bytes CI and a developer build.
package tools
