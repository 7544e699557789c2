package check

import (
	"fmt"
	"sort"
	"testing"
	"time"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// fake checks for the engine tests
func fakeChecks() []*Check {
	a := &Check{ID: "IRSA901", Slug: "a", Title: "a", Severity: finding.SeverityError, Link: finding.LinkServiceAccount, Scope: ScopeWorkloads | ScopeServiceAccount, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			if t.SAName == "ghost" {
				r.Fail(t.Subject(), "sa missing", model.Ev(t.Source, "ghost"))
				return
			}
			r.Pass(t.Subject(), "ok")
		}}
	c := &Check{ID: "IRSA903", Slug: "c", Title: "c", Severity: finding.SeverityWarning, Link: finding.LinkWebhook, Scope: ScopeWorkloads, Needs: []snapshot.Kind{snapshot.KindCluster}, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			r.Fail(t.ContainerSubject("app"), "container problem")
		}}
	b := &Check{ID: "IRSA902", Slug: "b", Title: "b", Severity: finding.SeverityError, Link: finding.LinkWebhook, Scope: ScopeWorkloads, Requires: []*Check{a, c}, IRSA: true, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			r.Fail(t.SASubject(), "sa-level problem")
		}}
	return []*Check{a, b, c}
}

func TestRunCascadeNeedsAndMerge(t *testing.T) {
	s := fx.Mixed()
	out := Run(s, Options{Checks: fakeChecks(), Now: time.Unix(0, 0)})
	type row struct {
		ID, Status, Subject, Message string
		Evidence                     int
	}
	var got []row
	for _, f := range out.Findings {
		got = append(got, row{f.CheckID, string(f.Status), f.Subject.String(), f.Message, len(f.Evidence)})
	}
	want := []row{
		{"IRSA901", "pass", "Deployment pay/api", "ok", 1}, // pod api-abc-1 folded into it
		{"IRSA901", "pass", "Pod pay/env-1", "ok", 0},
		{"IRSA901", "fail", "Pod pay/nosa-1", "sa missing", 1},
		{"IRSA901", "pass", "Pod pay/pi-1", "ok", 0},
		{"IRSA901", "pass", "Pod pay/typo-1", "ok", 0},
		{"IRSA901", "pass", "ServiceAccount pay/unused", "ok", 0},
		// IRSA902 waits for IRSA903 (Requires), which is skipped (no cluster): not a failure, so 902 runs.
		{"IRSA902", "fail", "ServiceAccount pay/annotated", "sa-level problem", 2},
		// nosa-1 shows no IRSA intent: the IRSA-only check 902 does not concern it.
		{"IRSA902", "fail", "ServiceAccount pay/plain", "sa-level problem", 1},
		{"IRSA902", "fail", "ServiceAccount pay/typo", "sa-level problem", 1},
		{"IRSA903", "skipped", "Deployment pay/api", "the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)", 1},
		{"IRSA903", "skipped", "Pod pay/env-1", "the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)", 0},
		{"IRSA903", "skipped", "Pod pay/nosa-1", "the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)", 0},
		{"IRSA903", "skipped", "Pod pay/pi-1", "the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)", 0},
		{"IRSA903", "skipped", "Pod pay/typo-1", "the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)", 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	// The pod-identity pod gets no finding from the IRSA-only check 902 and
	// the Deployment's SA finding lists both targets.
	for _, f := range out.Findings {
		if f.CheckID == "IRSA902" && f.Subject.Name == "annotated" {
			want := []string{"affects Deployment pay/api", "affects Pod pay/api-abc-1"}
			var gotEv []string
			for _, e := range f.Evidence {
				gotEv = append(gotEv, e.Value)
			}
			if diff := cmp.Diff(want, gotEv); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		}
	}
	links := map[string][]finding.Link{}
	for _, tg := range out.Targets {
		links[tg.Kind+"/"+tg.Name] = tg.Links
	}
	wantNosa := []finding.Link{
		{Link: "service-account", Status: "fail", Detail: "IRSA901"},
		{Link: "webhook", Status: "unknown", Detail: "IRSA903: the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)"},
		{Link: "iam-role", Status: "unknown", Detail: "not checked"},
		{Link: "oidc-provider", Status: "unknown", Detail: "not checked"},
		{Link: "issuer", Status: "unknown", Detail: "not checked"},
	}
	if diff := cmp.Diff(wantNosa, links["Pod/nosa-1"]); diff != "" {
		t.Errorf("links of nosa-1 (-want +got):\n%s", diff)
	}
	// A Pod Identity pod's webhook and role links are judged like any
	// target's; the OIDC provider and issuer are not used.
	wantPI := []finding.Link{
		{Link: "service-account", Status: "pass"},
		{Link: "webhook", Status: "unknown", Detail: "IRSA903: the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)"},
		{Link: "iam-role", Status: "unknown", Detail: "not checked"},
		{Link: "oidc-provider", Status: "unknown", Detail: "not used by EKS Pod Identity"},
		{Link: "issuer", Status: "unknown", Detail: "not used by EKS Pod Identity"},
	}
	if diff := cmp.Diff(wantPI, links["Pod/pi-1"]); diff != "" {
		t.Errorf("links of pi-1 (-want +got):\n%s", diff)
	}
}

func TestRunOrder(t *testing.T) {
	var ids []string
	for _, c := range runOrder(fakeChecks()) {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"IRSA901", "IRSA903", "IRSA902"}, ids); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestEngineEnforcesRequires: a check whose prerequisite failed for the
// target is never called there; the engine records "blocked by" on its
// Subject. A prerequisite that failed for one container blocks only that
// container's outcomes; one that was skipped, passed or only warned does
// not block; a check blocked by a blocked prerequisite names the root.
func TestEngineEnforcesRequires(t *testing.T) {
	s := fx.Mixed()
	want := map[string]string{} // what b does per target, by pod name
	b := &Check{ID: "IRSA981", Slug: "b", Title: "b", Severity: finding.SeverityError, Link: finding.LinkWebhook, Scope: ScopePod, Doc: "d", Fix: "f",
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			switch want[t.Name] {
			case "fail":
				r.Fail(t.Subject(), "b failed")
			case "fail-container":
				r.Fail(t.ContainerSubject("app"), "b failed for app")
			case "warn":
				r.Fail(t.Subject(), "b warns", model.WithSeverity(finding.SeverityWarning))
			case "skip":
				r.Skip(t.Subject(), "b cannot tell")
			default:
				r.Pass(t.Subject(), "b ok")
			}
		}}
	var called []string
	a := &Check{ID: "IRSA982", Slug: "a", Title: "a", Severity: finding.SeverityError, Link: finding.LinkWebhook, Scope: ScopePod, Doc: "d", Fix: "f",
		Requires: []*Check{b},
		Subject:  model.SASubjectOf,
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			called = append(called, t.Name)
			r.Pass(t.ContainerSubject("app"), "a ok")
			r.Pass(t.ContainerSubject("sidecar"), "a ok")
		}}
	z := &Check{ID: "IRSA983", Slug: "z", Title: "z", Severity: finding.SeverityError, Link: finding.LinkWebhook, Scope: ScopePod, Doc: "d", Fix: "f",
		Requires: []*Check{a},
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			called = append(called, "z "+t.Name)
			r.Pass(t.Subject(), "z ok")
		}}
	want["env-1"], want["nosa-1"], want["pi-1"], want["typo-1"] = "fail", "fail-container", "warn", "skip"
	out := Run(s, Options{Checks: []*Check{a, b, z}, Now: time.Unix(0, 0)})
	var got []string
	for _, f := range out.Findings {
		if f.CheckID != "IRSA981" {
			got = append(got, fmt.Sprintf("%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message))
		}
	}
	sort.Strings(got)
	wantOut := []string{
		"IRSA982 pass Pod pay/api-abc-1 container app: a ok",
		"IRSA982 pass Pod pay/api-abc-1 container sidecar: a ok",
		"IRSA982 pass Pod pay/nosa-1 container sidecar: a ok",
		"IRSA982 pass Pod pay/pi-1 container app: a ok",
		"IRSA982 pass Pod pay/pi-1 container sidecar: a ok",
		"IRSA982 pass Pod pay/typo-1 container app: a ok",
		"IRSA982 pass Pod pay/typo-1 container sidecar: a ok",
		"IRSA982 skipped Pod pay/nosa-1 container app: blocked by IRSA981",
		"IRSA982 skipped ServiceAccount pay/plain: blocked by IRSA981",
		"IRSA983 pass Pod pay/api-abc-1: z ok",
		"IRSA983 pass Pod pay/nosa-1: z ok",
		"IRSA983 pass Pod pay/pi-1: z ok",
		"IRSA983 pass Pod pay/typo-1: z ok",
		"IRSA983 skipped Pod pay/env-1: blocked by IRSA981",
	}
	if diff := cmp.Diff(wantOut, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	sort.Strings(called)
	// a never runs on env-1 (b failed for the pod), nor z (a was blocked
	// there, by b).
	wantCalled := []string{"api-abc-1", "nosa-1", "pi-1", "typo-1", "z api-abc-1", "z nosa-1", "z pi-1", "z typo-1"}
	if diff := cmp.Diff(wantCalled, called); diff != "" {
		t.Errorf("Run called on (-want +got):\n%s", diff)
	}
}
