package suppress

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func isTrue() *bool { b := true; return &b }

// fixture: namespace pay, Deployment api (ServiceAccount reader) whose pod
// api-abc-1 runs through ReplicaSet api-abc, which the input lacks; a bare
// pod solo of ServiceAccount writer; a CronJob nightly whose Job and pod
// are in the input.
func fixture(annotate map[string]string) (*snapshot.Snapshot, *finding.Result) {
	s := snapshot.New("offline")
	meta := func(name string) snapshot.ObjectMeta {
		return snapshot.ObjectMeta{Namespace: "pay", Name: name, Annotations: map[string]string{}}
	}
	for _, sa := range []string{"reader", "writer"} {
		s.ServiceAccounts["pay/"+sa] = &snapshot.ServiceAccount{ObjectMeta: meta(sa)}
	}
	api := &snapshot.Pod{ObjectMeta: meta("api-abc-1"), Spec: snapshot.PodSpec{ServiceAccountName: "reader"}}
	api.Labels = map[string]string{"pod-template-hash": "abc"}
	api.OwnerReferences = []snapshot.OwnerReference{{Kind: "ReplicaSet", Name: "api-abc", Controller: isTrue()}}
	solo := &snapshot.Pod{ObjectMeta: meta("solo"), Spec: snapshot.PodSpec{ServiceAccountName: "writer"}}
	night := &snapshot.Pod{ObjectMeta: meta("nightly-1-x"), Spec: snapshot.PodSpec{ServiceAccountName: "writer"}}
	night.OwnerReferences = []snapshot.OwnerReference{{Kind: "Job", Name: "nightly-1", Controller: isTrue()}}
	s.Pods = []*snapshot.Pod{api, solo, night}
	job := &snapshot.Workload{Kind: "Job", ObjectMeta: meta("nightly-1"), Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "writer"}}}
	job.OwnerReferences = []snapshot.OwnerReference{{Kind: "CronJob", Name: "nightly", Controller: isTrue()}}
	s.Workloads = []*snapshot.Workload{
		{Kind: "Deployment", ObjectMeta: meta("api"), Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "reader"}}},
		{Kind: "CronJob", ObjectMeta: meta("nightly"), Template: snapshot.PodTemplate{Spec: snapshot.PodSpec{ServiceAccountName: "writer"}}},
		job,
	}
	for key, v := range annotate {
		switch key {
		case "sa/reader":
			s.ServiceAccounts["pay/reader"].Annotations[Annotation] = v
		case "sa/writer":
			s.ServiceAccounts["pay/writer"].Annotations[Annotation] = v
		case "deploy/api":
			s.Workloads[0].Annotations[Annotation] = v
		case "cronjob/nightly":
			s.Workloads[1].Annotations[Annotation] = v
		case "pod/solo":
			solo.Annotations[Annotation] = v
		}
	}
	s.Sort()
	role := finding.Subject{Kind: "IAMRole", Name: "pay-role", ARN: "arn:aws:iam::111122223333:role/pay-role"}
	res := &finding.Result{
		Targets: []finding.Target{
			{Kind: "Deployment", Namespace: "pay", Name: "api", ServiceAccount: "reader"},
			{Kind: "Pod", Namespace: "pay", Name: "api-abc-1", ServiceAccount: "reader"},
			{Kind: "Pod", Namespace: "pay", Name: "solo", ServiceAccount: "writer"},
			{Kind: "CronJob", Namespace: "pay", Name: "nightly", ServiceAccount: "writer"},
		},
		Findings: []finding.Finding{
			// 0: the role of api's pods
			{CheckID: "IRSA205", Severity: finding.SeverityError, Status: finding.StatusFail, Subject: role,
				Affects: []finding.Ref{{Kind: "Deployment", Namespace: "pay", Name: "api"}, {Kind: "Pod", Namespace: "pay", Name: "api-abc-1"}}},
			// 1: a role every target uses
			{CheckID: "IRSA207", Severity: finding.SeverityWarning, Status: finding.StatusFail, Subject: role,
				Affects: []finding.Ref{{Kind: "Pod", Namespace: "pay", Name: "api-abc-1"}, {Kind: "Pod", Namespace: "pay", Name: "solo"}}},
			// 2: the bare pod itself
			{CheckID: "IRSA104", Severity: finding.SeverityError, Status: finding.StatusFail, Subject: finding.Subject{Kind: "Pod", Namespace: "pay", Name: "solo", Container: "app"}},
			// 3: the CronJob's pod, skipped: never touched
			{CheckID: "IRSA104", Severity: finding.SeverityError, Status: finding.StatusSkipped, Subject: finding.Subject{Kind: "Pod", Namespace: "pay", Name: "nightly-1-x"}},
			// 4: the CronJob's pod, failing
			{CheckID: "IRSA106", Severity: finding.SeverityError, Status: finding.StatusFail, Subject: finding.Subject{Kind: "Pod", Namespace: "pay", Name: "nightly-1-x"}},
			// 5: the cluster's provider, no Kubernetes object
			{CheckID: "IRSA302", Severity: finding.SeverityError, Status: finding.StatusFail,
				Subject: finding.Subject{Kind: "OIDCProvider", ARN: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"}},
		},
	}
	res.Summarise()
	return s, res
}

// outcome lists each finding's status and, when ignored, its source.
func outcome(res *finding.Result) []string {
	var out []string
	for _, f := range res.Findings {
		s := f.CheckID + " " + string(f.Status)
		if f.Ignored != nil {
			s += " by " + f.Ignored.Source
		}
		out = append(out, s)
	}
	return out
}

func mustFlags(t *testing.T, vs ...string) []Rule {
	t.Helper()
	var out []Rule
	for _, v := range vs {
		r, err := ParseFlag(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestApplyFlags(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  []string
	}{
		{"check everywhere", []string{"IRSA205"}, []string{"IRSA205 ignored by --ignore IRSA205", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		{"role by name", []string{"IRSA207:iamrole/pay-role"}, []string{"IRSA205 fail", "IRSA207 ignored by --ignore IRSA207:iamrole/pay-role", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		{"role by ARN", []string{"IRSA205:role/arn:aws:iam::111122223333:role/pay-role"}, []string{"IRSA205 ignored by --ignore IRSA205:role/arn:aws:iam::111122223333:role/pay-role", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		{"provider by issuer", []string{"IRSA302:oidcprovider/https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"}, []string{"IRSA205 fail", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 ignored by --ignore IRSA302:oidcprovider/https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"}},
		// The Deployment covers its pod through the ReplicaSet the input lacks.
		{"deployment covers its pods", []string{"IRSA205:deploy/pay/api"}, []string{"IRSA205 ignored by --ignore IRSA205:deploy/pay/api", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		{"service account covers its targets", []string{"IRSA205:sa/pay/reader"}, []string{"IRSA205 ignored by --ignore IRSA205:sa/pay/reader", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		// IRSA207 concerns pods of reader and writer: one is not enough.
		{"one of two service accounts", []string{"IRSA207:sa/pay/reader"}, []string{"IRSA205 fail", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		{"both service accounts", []string{"IRSA207:sa/pay/reader", "IRSA207:pod/pay/solo"}, []string{"IRSA205 fail", "IRSA207 ignored by --ignore IRSA207:sa/pay/reader; --ignore IRSA207:pod/pay/solo", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		// Skipped findings stay skipped; the failing one of the pod's CronJob is ignored.
		{"cronjob through its job", []string{"IRSA104:cj/pay/nightly", "IRSA106:cronjob/pay/nightly"}, []string{"IRSA205 fail", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 ignored by --ignore IRSA106:cronjob/pay/nightly", "IRSA302 fail"}},
		{"other object", []string{"IRSA104:pod/pay/other", "IRSA205:sa/pay/writer"}, []string{"IRSA205 fail", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
		{"other namespace", []string{"IRSA104:pod/web/solo"}, []string{"IRSA205 fail", "IRSA207 fail", "IRSA104 fail", "IRSA104 skipped", "IRSA106 fail", "IRSA302 fail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, res := fixture(nil)
			n := Apply(res, snap, mustFlags(t, tt.flags...))
			if d := cmp.Diff(tt.want, outcome(res)); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
			ignored := 0
			for _, w := range tt.want {
				if len(w) > 15 && w[8:15] == "ignored" {
					ignored++
				}
			}
			if n != ignored || res.Summary.Ignored != ignored || res.Summary.Fail != 5-ignored || res.Summary.Skipped != 1 {
				t.Errorf("Apply %d, summary %+v; want %d ignored, %d fail", n, res.Summary, ignored, 5-ignored)
			}
			if res.FailsAtOrAbove(finding.SeverityInfo) != (ignored < 5) {
				t.Errorf("FailsAtOrAbove(info) = %v with %d of 5 failures ignored", !(ignored < 5), ignored)
			}
		})
	}
}

// TestApplyIgnoredNeverFails: every failure ignored, the exit code's test
// finds nothing, at any --fail-on.
func TestApplyIgnoredNeverFails(t *testing.T) {
	snap, res := fixture(nil)
	if n := Apply(res, snap, mustFlags(t, "IRSA205", "IRSA207", "IRSA104", "IRSA106", "IRSA302")); n != 5 {
		t.Fatalf("ignored %d, want 5", n)
	}
	for _, sev := range finding.Severities {
		if res.FailsAtOrAbove(sev) {
			t.Errorf("FailsAtOrAbove(%s) with every failure ignored", sev)
		}
	}
	want := finding.Summary{Targets: 4, Fail: 0, Skipped: 1, Ignored: 5, BySeverity: map[string]int{"error": 0, "warning": 0, "info": 0}}
	if d := cmp.Diff(want, res.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	got := *res.Findings[0].Ignored
	if d := cmp.Diff(finding.Ignored{Reason: FlagReason, Source: "--ignore IRSA205"}, got); d != "" {
		t.Errorf("ignored (-want +got):\n%s", d)
	}
}

func TestAnnotations(t *testing.T) {
	snap, res := fixture(map[string]string{
		"sa/reader":       "IRSA205, trust-too-broad",
		"pod/solo":        "IRSA207,IRSA104,IRSA999",
		"cronjob/nightly": " ,irsa106",
	})
	rules, warnings := Annotations(snap)
	wantWarnings := []string{`annotation irsa-doctor.io/ignore on Pod pay/solo: unknown check "IRSA999" (see 'irsa-doctor checks'); that entry is not applied`}
	if d := cmp.Diff(wantWarnings, warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.Check+" "+r.Object.String()+" "+r.Source+" / "+r.Reason)
	}
	want := []string{
		"IRSA205 ServiceAccount pay/reader annotation on ServiceAccount pay/reader / annotation irsa-doctor.io/ignore on ServiceAccount pay/reader",
		"IRSA207 ServiceAccount pay/reader annotation on ServiceAccount pay/reader / annotation irsa-doctor.io/ignore on ServiceAccount pay/reader",
		"IRSA106 CronJob pay/nightly annotation on CronJob pay/nightly / annotation irsa-doctor.io/ignore on CronJob pay/nightly",
		"IRSA207 Pod pay/solo annotation on Pod pay/solo / annotation irsa-doctor.io/ignore on Pod pay/solo",
		"IRSA104 Pod pay/solo annotation on Pod pay/solo / annotation irsa-doctor.io/ignore on Pod pay/solo",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("rules (-want +got):\n%s", d)
	}
	Apply(res, snap, rules)
	wantOutcome := []string{
		"IRSA205 ignored by annotation on ServiceAccount pay/reader",
		"IRSA207 ignored by annotation on ServiceAccount pay/reader; annotation on Pod pay/solo",
		"IRSA104 ignored by annotation on Pod pay/solo",
		"IRSA104 skipped",
		"IRSA106 ignored by annotation on CronJob pay/nightly",
		"IRSA302 fail",
	}
	if d := cmp.Diff(wantOutcome, outcome(res)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if r := res.Findings[1].Ignored.Reason; r != "annotation irsa-doctor.io/ignore on ServiceAccount pay/reader; annotation irsa-doctor.io/ignore on Pod pay/solo" {
		t.Errorf("reason %q", r)
	}
}

func TestIgnoredByExpires(t *testing.T) {
	got := ignoredBy([]Rule{{Reason: "a", Source: "f:2", Expires: "2027-03-01"}, {Reason: "a", Source: "f:6", Expires: "2027-02-01"}, {Reason: "b", Source: "f:9"}})
	want := &finding.Ignored{Reason: "a; b", Source: "f:2; f:6; f:9", Expires: "2027-02-01"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
