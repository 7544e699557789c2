package report

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestGroupsContainers: findings about two containers of one workload
// with the same fix are one group; without a fix, different messages are
// different causes.
func TestGroupsContainers(t *testing.T) {
	unreadable := func(container, msg string, fixed bool) finding.Finding {
		f := finding.Finding{CheckID: "IRSA106", Severity: finding.SeverityError, Status: finding.StatusFail,
			Subject: finding.Subject{Kind: "Deployment", Namespace: "payments", Name: "api", Container: container}, Message: msg, Fix: &finding.Fix{}}
		if fixed {
			f.Fix.AddStep(finding.Step{Argv: []string{"kubectl", "patch", "deployment", "api"}})
		}
		return f
	}
	r := &finding.Result{Findings: []finding.Finding{
		unreadable("api", "runs as UID 10001", true), unreadable("log-shipper", "runs as UID 2000", true),
		unreadable("api", "runs as UID 10001", false), unreadable("log-shipper", "runs as UID 2000", false),
	}}
	got := Groups(r, nil)
	want := []Group{
		{Findings: []int{0, 1}, Containers: []string{"api", "log-shipper"}},
		{Findings: []int{2}, Containers: []string{"api"}},
		{Findings: []int{3}, Containers: []string{"log-shipper"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Groups (-want +got):\n%s", d)
	}
}

// TestAffectsCounts: past three owners, Affects counts the rest.
func TestAffectsCounts(t *testing.T) {
	r := &finding.Result{}
	var refs []finding.Ref
	for i := range 5 {
		w := fmt.Sprintf("app-%d", i)
		for k := range 2 {
			p := fmt.Sprintf("%s-%d", w, k)
			r.Targets = append(r.Targets, finding.Target{Kind: "Pod", Namespace: "ns", Name: p, Owner: &finding.Ref{Kind: "Deployment", Namespace: "ns", Name: w}})
			refs = append(refs, finding.Ref{Kind: "Pod", Namespace: "ns", Name: p})
		}
	}
	want := "2 pods of Deployment ns/app-0, 2 pods of Deployment ns/app-1, 2 pods of Deployment ns/app-2, and 2 more (10 targets in all)"
	if got := Affects(r, refs); got != want {
		t.Errorf("Affects = %q, want %q", got, want)
	}
}

func TestGroups(t *testing.T) {
	pod := func(ns, name, owner string) finding.Target {
		tg := finding.Target{Kind: "Pod", Namespace: ns, Name: name}
		if owner != "" {
			tg.Owner = &finding.Ref{Kind: "Deployment", Namespace: ns, Name: owner}
		}
		return tg
	}
	notMutated := func(ns, name string) finding.Finding {
		return finding.Finding{CheckID: "IRSA104", Severity: finding.SeverityError, Status: finding.StatusFail,
			Subject: finding.Subject{Kind: "Pod", Namespace: ns, Name: name},
			Message: "pod " + ns + "/" + name + " has no AWS_ROLE_ARN", Fix: &finding.Fix{}}
	}
	typo := func(sa string) finding.Finding {
		f := finding.Finding{CheckID: "IRSA102", Severity: finding.SeverityError, Status: finding.StatusFail,
			Subject: finding.Subject{Kind: "ServiceAccount", Namespace: "payments", Name: sa}, Message: "typo", Fix: &finding.Fix{}}
		f.Fix.AddStep(finding.Step{Argv: []string{"kubectl", "annotate", "serviceaccount", sa}})
		return f
	}
	r := &finding.Result{
		Targets: []finding.Target{
			{Kind: "Deployment", Namespace: "payments", Name: "api"},
			pod("payments", "api-1", "api"), pod("payments", "api-2", "api"), pod("batch", "migrate-x", ""),
		},
		Findings: []finding.Finding{
			notMutated("payments", "api-1"), notMutated("payments", "api-2"), notMutated("batch", "migrate-x"),
			typo("a"), typo("b"),
			{CheckID: "IRSA401", Status: finding.StatusSkipped, Subject: finding.Subject{Kind: "EKSCluster", Name: "prod"}},
		},
	}
	r.Findings[3].Affects = []finding.Ref{{Kind: "Deployment", Namespace: "payments", Name: "api"}, {Kind: "Pod", Namespace: "payments", Name: "api-1"}}
	got := Groups(r, func(f finding.Finding) bool { return f.Status == finding.StatusFail })
	want := []Group{
		{Findings: []int{0, 1, 2}, Affected: []finding.Ref{{Kind: "Pod", Namespace: "payments", Name: "api-1"}, {Kind: "Pod", Namespace: "payments", Name: "api-2"}, {Kind: "Pod", Namespace: "batch", Name: "migrate-x"}}},
		{Findings: []int{3}, Affected: []finding.Ref{{Kind: "Deployment", Namespace: "payments", Name: "api"}, {Kind: "Pod", Namespace: "payments", Name: "api-1"}}},
		{Findings: []int{4}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Groups (-want +got):\n%s", d)
	}
	for i, w := range []string{
		"2 pods of Deployment payments/api, Pod batch/migrate-x",
		"Deployment payments/api and 1 of its pods",
		"",
	} {
		if a := Affects(r, got[i].Affected); a != w {
			t.Errorf("Affects(group %d) = %q, want %q", i, a, w)
		}
	}
}
