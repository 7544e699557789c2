// Package serve is `irsa-doctor serve`: it watches the cluster with
// client-go's shared informers, keeps the facts of a snapshot current one
// object at a time (each converted once, by internal/bundle's decoder, as
// scan's captures are), re-diagnoses only the targets an event touches,
// caches the AWS facts with a TTL, and reports through Prometheus metrics,
// Kubernetes Events and an optional /report.
//
// It wires collectors and the engine as internal/cli does (it imports
// check, bundle, collect/awscollect, collect/oidc, kubeclient, report,
// suppress); only internal/cli imports it. It is read-only against the cluster but for
// Events and its leader-election Lease.
package serve
