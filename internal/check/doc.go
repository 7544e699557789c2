// Package check holds the Check type, the registry (registry.go: one explicit
// slice sorted by ID), the engine that picks targets, runs checks, applies
// cascades and merges findings, and one file per check.
//
// Checks are pure functions of the snapshot: no check performs I/O.
// It imports only snapshot, policy, arn, webhook, sdk (data on SDK versions)
// and finding.
package check
