package cli

import (
	"sort"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/collect/kube"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Role chaining, live (IRSA604): after the Kubernetes objects are listed,
// the ConfigMaps that a target pod's or workload template's container
// mounts as its AWS config file are read, one Get each, kept only as far
// as the bundle keeps them (bundle.KeepAWSConfig); then the roles the
// targets' containers chain to (model.ChainedRoles: those config files,
// external-dns's --aws-assume-role, --can sts:AssumeRole=ROLE_ARN) are
// read with the other roles (awscollect.Options.RoleARNs), with their
// identity policies.

// configMapRefs are the ConfigMaps the containers of the targets mount as
// their AWS config file (model.AWSConfigMap).
func configMapRefs(s *snapshot.Snapshot, sel model.Selector) []kube.Object {
	var out []kube.Object
	for _, t := range model.Targets(s, sel, model.NewIndex(s)) {
		for _, ct := range model.AllContainers(t.Spec) {
			if name, _, ok := model.AWSConfigMap(t.Spec, ct); ok {
				out = append(out, kube.Object{Kind: "ConfigMap", Namespace: t.Namespace, Name: name})
			}
		}
	}
	return out
}

// chainedRoleARNs are the distinct ARNs of the roles the targets'
// containers chain to, sorted.
func chainedRoleARNs(s *snapshot.Snapshot, sel model.Selector, questions []policy.Question, now time.Time) []string {
	ix := model.NewIndex(s)
	targets := model.Targets(s, sel, ix)
	c := &model.Context{Snap: s, Now: now, Targets: targets, Index: ix, Questions: questions}
	seen := map[string]bool{}
	var out []string
	for _, t := range targets {
		for _, cr := range model.ChainedRoles(c, t) {
			if cr.RoleARN != "" && !seen[cr.RoleARN] {
				seen[cr.RoleARN] = true
				out = append(out, cr.RoleARN)
			}
		}
	}
	sort.Strings(out)
	return out
}

// unionSorted is the distinct strings of a and b, sorted.
func unionSorted(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range append(append([]string{}, a...), b...) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
