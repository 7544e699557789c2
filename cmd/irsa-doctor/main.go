// Command irsa-doctor tells an EKS user why a pod cannot use its IAM role
// and how to fix it.
package main

import (
	"os"

	"github.com/irsa-doctor/irsa-doctor/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.SystemDeps()))
}
