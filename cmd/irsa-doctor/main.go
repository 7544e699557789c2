// Command irsa-doctor tells an EKS user why a pod cannot use its IAM role
// and how to fix it.
package main

import (
	"os"
	"runtime/debug"

	"github.com/irsa-doctor/irsa-doctor/internal/cli"
)

// defaultMemoryLimit is a soft limit for the garbage collector. What the
// tool keeps is small (tens of MB for 10,000 pods), but reading a bundle
// makes hundreds of MB of short-lived garbage (the files' bytes), and with
// the default GOGC the heap would double before it is collected. Under the
// limit the collector runs earlier instead; it never fails an allocation.
// GOMEMLIMIT in the environment overrides it.
const defaultMemoryLimit = 256 << 20

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(cli.Main(os.Args[1:], cli.SystemDeps()))
}
