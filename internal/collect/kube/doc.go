// Package kube is the Kubernetes collector of live mode (`scan`, `dump`).
//
// It does not build snapshot structs: it produces captures, byte for byte
// what `kubectl get RESOURCE [-n NS|-A] -o json` and `kubectl version -o
// json` print for the same calls, plus the manifest entries of the Lists
// it fetched completely and the gaps of the calls it was refused
// (bundle.Capture, bundle.ManifestEntry, snapshot.Gap). internal/bundle
// reads them into the snapshot, so `scan` and `dump` + `analyze` take one
// path (STYLE.md "Principles" 2).
//
// It fetches exactly one List per kind and namespace scope, paginated, and
// never one call per object: pods, serviceaccounts, deployments,
// statefulsets, daemonsets, replicasets, jobs and cronjobs per namespace
// (or cluster-wide with -A), namespaces, mutatingwebhookconfigurations and nodes
// cluster-wide, and the server version; and, for the EKS Pod Identity
// Agent, the daemonsets of kube-system and the pods its DaemonSets select
// (podidentity.go), unless kube-system is listed already. When the namespaces List is
// forbidden it gets the namespaces it needs one by one. It never reads
// Secrets. deploy/rbac.yaml grants exactly these calls; a test holds the
// two equal.
//
// It imports bundle, snapshot, kubeclient (its API calls go through
// kubeclient.Interface) and client-go; never check, report or cli.
package kube
