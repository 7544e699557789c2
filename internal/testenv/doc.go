// Package testenv runs real Kubernetes components for irsa-doctor's
// integration tests: etcd and kube-apiserver on loopback (StartCluster),
// with TLS from a CA of its own, an RS256 service-account issuer in the
// shape of an EKS issuer (https://oidc.irsa-doctor.test/id/<ID>: a DNS host,
// port 443, a path) served by an OIDC proxy on loopback that
// Cluster.DialContext and Cluster.HTTPClient reach for that host, RBAC,
// client-certificate users with kubeconfigs, and a test pod identity
// webhook registered through a real MutatingWebhookConfiguration
// (StartWebhook).
//
// The binaries come from hack/test-binaries.sh (`make test-binaries`), which
// builds kube-apiserver from the Go module proxy and installs or builds
// etcd, into $IRSA_DOCTOR_TEST_BIN (default $HOME/.cache/irsa-doctor/bin).
// Without them StartCluster skips the test, so a plain `go test ./...` stays
// green; `make test` builds them first and runs everything.
//
// What the cluster is not: no kube-controller-manager, scheduler or kubelet
// runs. Pods stay Pending and unscheduled; a namespace gets its "default"
// ServiceAccount only through CreateNamespace; the ServiceAccount admission
// plugin rejects a pod whose ServiceAccount does not exist, as on EKS (a pod
// running with a missing ServiceAccount is made by deleting the
// ServiceAccount after the pod).
//
// It is test-only: imported from _test.go files, never from the tool. The
// AWS fakes live in testenv/awsfake.
package testenv
