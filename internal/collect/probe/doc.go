// Package probe is the opt-in live probe of `scan --probe` and `dump
// --probe` (issue 4 item 4), the only collector that is not read-only. For
// each ServiceAccount it is given, it requests a token through the
// TokenRequest API (`kubectl create token`; no exec into any pod) with the
// audience the webhook gives the pods' token, hands it to STS
// AssumeRoleWithWebIdentity without any AWS credentials of the caller, and
// keeps STS's verdict: the credentials STS returns are dropped the moment
// they arrive and the token when the call returns; neither is ever
// printed, logged or written. For each workload it is given, it makes a
// server-side dry-run create (dryRun=All: admission runs, nothing is
// stored) of a pod from the workload's pod template, to see whether the
// pod identity webhook mutates it now.
//
// Like the other collectors it builds no snapshot facts: it returns
// captures in the formats internal/bundle/probe.go reads
// (probe/assume-NS-SA.json, probe/dry-run-KIND-NS-NAME.json) and the gaps
// of the calls that were refused, so that `dump --probe` and `analyze`
// give what `scan --probe` gives. A refused TokenRequest or dry run is a
// gap naming the permission and deploy/rbac.yaml's irsa-doctor-probe
// role; an STS answer that is no verdict (throttling, a server error, no
// network) is a gap too.
//
// It imports bundle and snapshot; never check, report or cli.
package probe
