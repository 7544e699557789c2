// Package snapshot is the facts model: plain, JSON-serialisable structs that
// every collector (the bundle reader now, the live Kubernetes, AWS and OIDC
// collectors later) fills and that every check reads.
//
// The Kubernetes types mirror the subset of the Kubernetes JSON that the checks
// need, with the same field names, so kubectl output decodes into them
// directly and fields we never read are skipped cheaply. They are not
// client-go types on purpose: a collector converts at its boundary.
//
// A snapshot is read-only once built: the bundle reader gives objects
// that are equal in part the same values (the labels and annotations map
// of the pods of one ReplicaSet, decoded one after the other, is one map),
// so a change to one object's map would change others.
//
// It must not import any client library, nor check, report or cli.
package snapshot
