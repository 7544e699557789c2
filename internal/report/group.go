package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// Group is the findings of one root cause, shown as one block by the
// reports people read (text, markdown, html, sarif). Grouping is
// presentation only: -o json keeps one finding per subject
// (docs/contract.md). Findings are grouped when they have the same check,
// status and severity, the same object the fix changes, the same fix
// commands and the same message once the pod they are about is set aside:
// 37 pods of one Deployment that the webhook did not mutate are one block,
// two ServiceAccounts with the same typo are two (the fix changes two
// objects).
type Group struct {
	// Findings are indices into Result.Findings, in the engine's order
	// (worst first). The first is the one shown; the others differ from it
	// only in the pod they are about (and the evidence that names it).
	Findings []int
	// Affected are the targets the group concerns, each once, in the order
	// met: the findings' subjects that are targets, then what each
	// finding's Affects lists.
	Affected []finding.Ref
	// Containers are the containers the findings are about, each once, in
	// the order met (none for findings about a whole object).
	Containers []string
}

// Groups groups the findings that keep accepts, in the engine's order of
// their first finding.
func Groups(r *finding.Result, keep func(finding.Finding) bool) []Group {
	targets := map[finding.Ref]bool{}
	for _, tg := range r.Targets {
		targets[finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name}] = true
	}
	var out []Group
	at := map[string]int{}
	seen := []map[finding.Ref]bool{}
	for i, f := range r.Findings {
		if keep != nil && !keep(f) {
			continue
		}
		k := groupKey(f)
		g, ok := at[k]
		if !ok {
			g = len(out)
			at[k] = g
			out = append(out, Group{})
			seen = append(seen, map[finding.Ref]bool{})
		}
		out[g].Findings = append(out[g].Findings, i)
		if c := f.Subject.Container; c != "" && !slices.Contains(out[g].Containers, c) {
			out[g].Containers = append(out[g].Containers, c)
		}
		add := func(ref finding.Ref) {
			if !seen[g][ref] {
				seen[g][ref] = true
				out[g].Affected = append(out[g].Affected, ref)
			}
		}
		if s := (finding.Ref{Kind: f.Subject.Kind, Namespace: f.Subject.Namespace, Name: f.Subject.Name}); targets[s] {
			add(s)
		}
		for _, a := range f.Affects {
			add(a)
		}
	}
	return out
}

// groupKey is what findings of one root cause share: the check, status
// and severity, and either the fix (its commands name the object it
// changes) or, without one, the subject and the message. A pod's name and
// namespace are set aside, in the subject and wherever the message names
// them, and so is a container when there is a fix: identical fixes of two
// containers are one block.
func groupKey(f finding.Finding) string {
	subject := f.Subject
	msg := f.Message
	if subject.Kind == "Pod" {
		msg = strings.ReplaceAll(msg, subject.Namespace+"/"+subject.Name, "\x00")
		msg = strings.ReplaceAll(msg, subject.Name, "\x00")
		subject.Namespace, subject.Name = "", ""
	}
	key := []string{f.CheckID, string(f.Status), string(f.Severity)}
	if script := f.Fix.Script(); len(script) > 0 {
		subject.Container = ""
		return strings.Join(append(append(key, subject.String()), script...), "\x01")
	}
	return strings.Join(append(key, subject.String(), msg), "\x01")
}

// Affects says compactly what a group concerns, as the text report's
// "affects:" line: "Deployment payments/api and 3 of its pods, 2 pods of Job
// payments/migrate, ServiceAccount payments/s3-reader". Pods are counted
// under their owner (Target.Owner), pods without one by namespace.
func Affects(r *finding.Result, refs []finding.Ref) string {
	owner := map[finding.Ref]finding.Ref{}
	for _, tg := range r.Targets {
		if tg.Kind == "Pod" && tg.Owner != nil {
			owner[finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name}] = *tg.Owner
		}
	}
	type bucket struct {
		ref     finding.Ref // the owner, or {Namespace} for pods without one
		self    bool        // the owner itself is affected
		pods    []string
		isOwner bool
	}
	var order []*bucket
	by := map[finding.Ref]*bucket{}
	get := func(ref finding.Ref, isOwner bool) *bucket {
		b := by[ref]
		if b == nil {
			b = &bucket{ref: ref, isOwner: isOwner}
			by[ref] = b
			order = append(order, b)
		}
		return b
	}
	for _, ref := range refs {
		if ref.Kind != "Pod" {
			get(ref, true).self = true
			continue
		}
		if o, ok := owner[ref]; ok {
			b := get(o, true)
			b.pods = append(b.pods, ref.Name)
			continue
		}
		b := get(finding.Ref{Namespace: ref.Namespace}, false)
		b.pods = append(b.pods, ref.Name)
	}
	parts := make([]string, 0, len(order))
	for _, b := range order {
		name := refString(b.ref)
		switch {
		case !b.isOwner && len(b.pods) == 1:
			parts = append(parts, "Pod "+b.ref.Namespace+"/"+b.pods[0])
		case !b.isOwner:
			parts = append(parts, fmt.Sprintf("%d pods in %s", len(b.pods), b.ref.Namespace))
		case b.self && len(b.pods) == 0:
			parts = append(parts, name)
		case b.self:
			parts = append(parts, fmt.Sprintf("%s and %d of its pods", name, len(b.pods)))
		default:
			parts = append(parts, plural(len(b.pods), "pod", "pods")+" of "+name)
		}
	}
	if len(parts) > maxAffectsParts {
		// A cluster-wide cause affects every workload: name the first
		// few and count the rest (-o json lists them all in affects).
		parts = append(parts[:maxAffectsParts], fmt.Sprintf("and %d more (%s in all)", len(parts)-maxAffectsParts, plural(len(refs), "target", "targets")))
	}
	return strings.Join(parts, ", ")
}

// maxAffectsParts is how many owners Affects names before it counts.
const maxAffectsParts = 3

// refString is KIND NS/NAME (KIND NAME for a cluster-scoped object).
func refString(r finding.Ref) string {
	return finding.Subject{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}.String()
}

// ownEvidence is a finding's evidence without the lines the engine adds
// when it merges the finding of several targets ("affects KIND NS/NAME",
// "pod NS/NAME has the same finding", "and more"): the grouped reports say
// what a finding affects on a line of their own (Affects).
func ownEvidence(f finding.Finding) []finding.Evidence {
	var out []finding.Evidence
	for _, ev := range f.Evidence {
		if _, _, ok := mentioned(ev.Value); ok || ev.Value == "and more (see targets)" {
			continue
		}
		out = append(out, ev)
	}
	return out
}
