package model

import (
	"encoding/json"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// SaAnnotateCmd sets (value non-nil) or removes an annotation of a
// ServiceAccount. Setting a key that exists needs --overwrite.
func SaAnnotateCmd(ns, sa, key string, value *string, overwrite bool) Argv {
	words := []Word{Lit("kubectl"), Lit("annotate"), Lit("serviceaccount"), ObjectName("ServiceAccount", sa), Lit("-n"), Namespace(ns)}
	if overwrite {
		words = append(words, Lit("--overwrite"))
	}
	if value == nil {
		return Command(append(words, Value("annotation key", key+"-"))...)
	}
	return Command(append(words, Value("annotation", key+"="+*value))...)
}

// TemplateWorkload returns the top-level workload whose pod template makes
// the target's pods: the template target itself, or the pod's owner
// (Index.TopOwner resolves a ReplicaSet to its Deployment by name even when
// the ReplicaSet is not in the input). kind is "" for a bare pod.
func TemplateWorkload(c *Context, t *Target) (kind, name string) {
	if t.IsTemplate() {
		return t.Kind, t.Name
	}
	if t.Meta == nil {
		return "", ""
	}
	_, kind, name = c.Index.TopOwner(t.Namespace, t.Meta)
	return kind, name
}

// TemplatePatch returns a kubectl merge patch that applies tmpl (a
// fragment of a PodTemplateSpec: {"metadata": ...} or {"spec": ...}) to a
// workload's pod template, for the kinds whose template can be changed and
// rolls out to new pods; "" for any other kind (a Job's template is
// immutable, a bare pod has none).
func TemplatePatch(kind, name, ns string, tmpl map[string]any) Argv {
	var doc map[string]any
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		doc = map[string]any{"spec": map[string]any{"template": tmpl}}
	case "CronJob":
		doc = map[string]any{"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": tmpl}}}}
	default:
		return Argv{}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return Argv{}
	}
	return Command(Lit("kubectl"), Lit("patch"), Lit(strings.ToLower(kind)), ObjectName(kind, name), Lit("-n"), Namespace(ns),
		Lit("--type"), Lit("merge"), Lit("-p"), Value("patch", string(b)))
}

// RolloutRestart returns the command that re-creates a workload's pods, or
// none for kinds that have none (CronJobs and Jobs pick a template up at
// their next run; a bare pod must be deleted and re-applied).
func RolloutRestart(kind, name, ns string) Argv {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		return Command(Lit("kubectl"), Lit("rollout"), Lit("restart"), KindName(kind, name), Lit("-n"), Namespace(ns))
	}
	return Argv{}
}

// RoleARNHint is the value to put in eks.amazonaws.com/role-arn when the
// input does not say which role: the cluster's partition and account when
// the input has the cluster, placeholders otherwise.
func RoleARNHint(c *Context) string {
	partition, account, ok := ClusterAccount(c)
	if !ok {
		partition, account = "aws", "ACCOUNT_ID"
	}
	return arn.RoleARN(partition, account, "/", "ROLE_NAME")
}

// ClusterAccount returns the partition and account of the cluster in the
// input, when it has one with a valid account.
func ClusterAccount(c *Context) (partition, account string, ok bool) {
	cl := c.Snap.Cluster()
	if cl == nil || !arn.IsAccountID(cl.Account) {
		return "", "", false
	}
	if a, err := arn.Parse(cl.ARN); err == nil {
		return a.Partition, cl.Account, true
	}
	return arn.PartitionForRegion(cl.Region), cl.Account, true
}

// TemplateOwner is the workload whose template the target's pods come
// from: the template target itself, or a pod's top-level owner.
func TemplateOwner(c *Context, t *Target) (kind, name string) {
	if t.IsTemplate() {
		return t.Kind, t.Name
	}
	_, kind, name = c.Index.TopOwner(t.Namespace, t.Meta)
	return kind, name
}

// TemplatePatchCmd returns a kubectl merge patch that sets (value non-nil)
// or removes one label or annotation of a workload's pod template, for the
// kinds that roll their pods when the template changes; "" otherwise.
func TemplatePatchCmd(kind, name, ns, field, key string, value *string) Argv {
	return TemplatePatch(kind, name, ns, map[string]any{"metadata": map[string]any{field: map[string]any{key: value}}})
}

// RestartAfter is the command that re-creates the pods of the target's
// workload once a change they read at creation is made (an annotation of
// their ServiceAccount): its rollout restart, or none for a workload
// without one (a bare pod, a Job, a CronJob picks it up at its next run).
func RestartAfter(c *Context, t *Target) Argv {
	kind, name := TemplateWorkload(c, t)
	return RolloutRestart(kind, name, t.Namespace)
}
