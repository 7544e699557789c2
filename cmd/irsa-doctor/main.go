// Command irsa-doctor tells an EKS user why a pod cannot use its IAM role
// and how to fix it.
//
// The garbage collector runs with Go's defaults (GOGC, GOMEMLIMIT from the
// environment). A 256 MiB soft memory limit used to be set here, for the
// garbage of reading large files whole; large Lists are now decoded as
// they are read (internal/bundle/stream.go), and the limit made a 100,000-pod
// bundle, whose facts alone exceed it, collect without end (93 s instead
// of 25 s; docs/performance.md).
package main

import (
	"os"

	"github.com/irsa-doctor/irsa-doctor/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.SystemDeps()))
}
