// Command kube-apiserver is the upstream Kubernetes API server, built from the
// Go module proxy so that irsa-doctor's integration tests (internal/testenv)
// run against a real apiserver. It lives in a module of its own so that
// k8s.io/kubernetes never pins the project's client-go; see
// hack/build-kube-apiserver.sh.
package main

import (
	"os"
	_ "time/tzdata" // as upstream: time zones for CronJob validation

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register" // as upstream cmd/kube-apiserver: --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

// main mirrors k8s.io/kubernetes/cmd/kube-apiserver/apiserver.go, which is a
// package main and so cannot be imported.
func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
