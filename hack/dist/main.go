// Command irsa-dist is the one recipe behind irsa-doctor's release files
// (`make licenses`, `make licenses-check`, `make dist`, `make dist-repro`;
// docs/release.md). A module of its own, like hack/image: what it and its
// tests import stays out of the project's go.mod and binary.
//
//	irsa-dist licenses [-check]   THIRD_PARTY_NOTICES from go-licenses; -check: licence policy + freshness
//	irsa-dist build               static binaries, archives, SHA256SUMS, SBOMs, the krew manifest
//	irsa-dist repro               build linux/amd64 again in a clone of HEAD with an empty GOCACHE, compare
//
// Every subcommand prints one line naming the flag or file and what to do when
// it fails, and exits 1.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "irsa-dist:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want a subcommand: licenses, build or repro")
	}
	switch args[0] {
	case "licenses":
		return runLicenses(args[1:])
	case "build":
		return runBuild(args[1:])
	case "repro":
		return runRepro(args[1:])
	}
	return fmt.Errorf("unknown subcommand %q: want licenses, build or repro", args[0])
}
