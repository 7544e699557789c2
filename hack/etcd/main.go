// Command etcd is etcd's server, built from the Go module proxy when Debian's
// etcd-server package cannot be installed (hack/test-binaries.sh). It lives
// in a module of its own so that etcd's dependencies never touch the
// project's go.mod.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

// main mirrors etcd's own main.go (module go.etcd.io/etcd/v3), which is a
// package main and so cannot be imported.
func main() {
	etcdmain.Main(os.Args)
}
