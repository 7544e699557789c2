package finding

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRank(t *testing.T) {
	for s, want := range map[Severity]int{
		SeverityError: 3, SeverityWarning: 2, SeverityInfo: 1,
		"": 0, "critical": 0, "Error": 0,
	} {
		if got := s.Rank(); got != want {
			t.Errorf("Severity(%q).Rank() = %d, want %d", s, got, want)
		}
	}
}

func TestSeverities(t *testing.T) {
	// Worst first: help text and completion list them in this order.
	if d := cmp.Diff([]Severity{"error", "warning", "info"}, Severities); d != "" {
		t.Errorf("Severities (-want +got):\n%s", d)
	}
}

func TestParseSeverity(t *testing.T) {
	for _, s := range []string{"error", "warning", "info"} {
		got, err := ParseSeverity(s)
		if err != nil || got != Severity(s) {
			t.Errorf("ParseSeverity(%q) = %q, %v", s, got, err)
		}
	}
	// none is the CLI's --fail-on value, not a severity; case matters.
	for _, s := range []string{"", "none", "Error", "WARNING", "fatal", " info"} {
		got, err := ParseSeverity(s)
		want := `unknown severity "` + s + `" (want error, warning or info)`
		if got != "" || err == nil || err.Error() != want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want the error %q", s, got, err, want)
		}
	}
}

// TestFailsAtOrAbove is --fail-on: every severity of a failing finding
// against every threshold, "" being none.
func TestFailsAtOrAbove(t *testing.T) {
	const none Severity = ""
	for _, tc := range []struct {
		severity, threshold Severity
		want                bool
	}{
		{SeverityError, SeverityError, true},
		{SeverityError, SeverityWarning, true},
		{SeverityError, SeverityInfo, true},
		{SeverityError, none, false},
		{SeverityWarning, SeverityError, false},
		{SeverityWarning, SeverityWarning, true},
		{SeverityWarning, SeverityInfo, true},
		{SeverityWarning, none, false},
		{SeverityInfo, SeverityError, false},
		{SeverityInfo, SeverityWarning, false},
		{SeverityInfo, SeverityInfo, true},
		{SeverityInfo, none, false},
		// A severity outside the three ranks below info: it never counts.
		{"critical", SeverityError, false},
		{"critical", SeverityInfo, false},
		{"", SeverityInfo, false},
	} {
		r := &Result{Findings: []Finding{{CheckID: "IRSA205", Severity: tc.severity, Status: StatusFail}}}
		if got := r.FailsAtOrAbove(tc.threshold); got != tc.want {
			t.Errorf("a %q fail, --fail-on %q: FailsAtOrAbove = %v, want %v", tc.severity, tc.threshold, got, tc.want)
		}
	}
}

// TestFailsAtOrAboveCountsFailsOnly: skipped and passed findings never
// count (docs/contract.md "Exit codes"), whatever their severity.
func TestFailsAtOrAboveCountsFailsOnly(t *testing.T) {
	r := &Result{Findings: []Finding{
		{CheckID: "IRSA304", Severity: SeverityError, Status: StatusSkipped},
		{CheckID: "IRSA201", Severity: SeverityError, Status: StatusPass},
		{CheckID: "IRSA207", Severity: SeverityWarning, Status: StatusSkipped},
		{CheckID: "IRSA110", Severity: SeverityInfo, Status: StatusFail},
		{CheckID: "IRSA205", Severity: SeverityError, Status: "ignored"},
	}}
	for threshold, want := range map[Severity]bool{SeverityError: false, SeverityWarning: false, SeverityInfo: true, "": false} {
		if got := r.FailsAtOrAbove(threshold); got != want {
			t.Errorf("--fail-on %q: FailsAtOrAbove = %v, want %v", threshold, got, want)
		}
	}
	empty := &Result{}
	for _, threshold := range []Severity{SeverityError, SeverityWarning, SeverityInfo, ""} {
		if empty.FailsAtOrAbove(threshold) {
			t.Errorf("no findings, --fail-on %q: FailsAtOrAbove = true", threshold)
		}
	}
}

// TestSort: severity (worst first), checkId, subject (namespace, kind,
// name, container, ARN), then status (fail, skipped, pass), then message.
func TestSort(t *testing.T) {
	sa := func(ns, name string) Subject { return Subject{Kind: "ServiceAccount", Namespace: ns, Name: name} }
	pod := func(ns, name, container string) Subject {
		return Subject{Kind: "Pod", Namespace: ns, Name: name, Container: container}
	}
	role := Subject{Kind: "IAMRole", Name: "payments-s3-reader", ARN: "arn:aws:iam::111122223333:role/payments-s3-reader"}
	provider := Subject{Kind: "OIDCProvider", ARN: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A"}
	want := []Finding{
		{CheckID: "IRSA101", Severity: SeverityError, Status: StatusFail, Subject: pod("batch", "job-1", "")},
		{CheckID: "IRSA101", Severity: SeverityError, Status: StatusFail, Subject: pod("payments", "api-1", "")},
		{CheckID: "IRSA106", Severity: SeverityError, Status: StatusFail, Subject: pod("payments", "api-1", "api")},
		{CheckID: "IRSA106", Severity: SeverityError, Status: StatusFail, Subject: pod("payments", "api-1", "log-shipper")},
		// A namespace sorts before the kind: ServiceAccount default/x
		// before Pod payments/...; an empty namespace first of all.
		{CheckID: "IRSA201", Severity: SeverityError, Status: StatusFail, Subject: role},
		{CheckID: "IRSA201", Severity: SeverityError, Status: StatusFail, Subject: sa("default", "x")},
		{CheckID: "IRSA201", Severity: SeverityError, Status: StatusFail, Subject: pod("payments", "api-1", "")},
		// Same check and subject: fail, skipped, pass; then the message.
		{CheckID: "IRSA302", Severity: SeverityError, Status: StatusFail, Subject: provider, Message: "b"},
		{CheckID: "IRSA302", Severity: SeverityError, Status: StatusSkipped, Subject: provider, Message: "a"},
		{CheckID: "IRSA302", Severity: SeverityError, Status: StatusPass, Subject: provider, Message: "a"},
		{CheckID: "IRSA302", Severity: SeverityError, Status: StatusPass, Subject: provider, Message: "b"},
		// Severity before checkId: a warning IRSA104 after an error IRSA302.
		{CheckID: "IRSA104", Severity: SeverityWarning, Status: StatusFail, Subject: pod("payments", "api-1", "")},
		{CheckID: "IRSA207", Severity: SeverityWarning, Status: StatusFail, Subject: role},
		{CheckID: "IRSA110", Severity: SeverityInfo, Status: StatusFail, Subject: pod("kube-system", "ebs-csi", "")},
		// An unknown severity last.
		{CheckID: "IRSA001", Severity: "", Status: StatusFail, Subject: pod("a", "b", "")},
	}
	// Every rotation of the list, and its reverse, sorts back to want.
	n := len(want)
	for shift := range n {
		for _, reverse := range []bool{false, true} {
			got := make([]Finding, n)
			for i := range n {
				j := (i + shift) % n
				if reverse {
					j = n - 1 - j
				}
				got[i] = want[j]
			}
			Sort(got)
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("shift %d, reverse %v (-want +got):\n%s", shift, reverse, d)
			}
		}
	}
}

func TestSubjectString(t *testing.T) {
	for _, tc := range []struct {
		s    Subject
		want string
	}{
		{Subject{Kind: "Pod", Namespace: "payments", Name: "api-1"}, "Pod payments/api-1"},
		{Subject{Kind: "Deployment", Namespace: "payments", Name: "api", Container: "log-shipper"}, "Deployment payments/api container log-shipper"},
		{Subject{Kind: "IAMRole", Name: "payments-s3-reader", ARN: "arn:aws:iam::111122223333:role/payments-s3-reader"}, "IAMRole payments-s3-reader"},
		{Subject{Kind: "OIDCProvider", ARN: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A"},
			"OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A"},
		{Subject{Kind: "MutatingWebhookConfiguration", Name: "pod-identity-webhook"}, "MutatingWebhookConfiguration pod-identity-webhook"},
		{Subject{Kind: "EKSCluster"}, "EKSCluster"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestFixEmpty(t *testing.T) {
	for _, tc := range []struct {
		name string
		fix  *Fix
		want bool
	}{
		{"nil", nil, true},
		{"zero", &Fix{}, true},
		{"empty lists", &Fix{Commands: []string{}, Files: []File{}}, true},
		{"a command", &Fix{Commands: []string{"aws iam update-assume-role-policy ..."}}, false},
		{"a file", &Fix{Files: []File{{Name: "trust.json", Content: "{}"}}}, false},
	} {
		if got := tc.fix.Empty(); got != tc.want {
			t.Errorf("%s: Empty() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSummarise: bySeverity counts failing findings only and always has
// the three keys.
func TestSummarise(t *testing.T) {
	r := &Result{
		Targets: []Target{{Kind: "Pod", Namespace: "payments", Name: "api-1"}, {Kind: "Deployment", Namespace: "payments", Name: "api"}},
		Findings: []Finding{
			{CheckID: "IRSA205", Severity: SeverityError, Status: StatusFail},
			{CheckID: "IRSA106", Severity: SeverityError, Status: StatusFail},
			{CheckID: "IRSA207", Severity: SeverityWarning, Status: StatusFail},
			{CheckID: "IRSA304", Severity: SeverityError, Status: StatusSkipped},
			{CheckID: "IRSA401", Severity: SeverityWarning, Status: StatusSkipped},
			{CheckID: "IRSA201", Severity: SeverityError, Status: StatusPass},
			// Ignored: counted apart, never in fail nor bySeverity.
			{CheckID: "IRSA208", Severity: SeverityError, Status: StatusIgnored, Ignored: &Ignored{Reason: "r", Source: "--ignore IRSA208"}},
		},
	}
	r.Summarise()
	want := Summary{Targets: 2, Fail: 3, Skipped: 2, Pass: 1, Ignored: 1, BySeverity: map[string]int{"error": 2, "warning": 1, "info": 0}}
	if d := cmp.Diff(want, r.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}

	empty := &Result{}
	empty.Summarise()
	if d := cmp.Diff(Summary{BySeverity: map[string]int{"error": 0, "warning": 0, "info": 0}}, empty.Summary); d != "" {
		t.Errorf("empty summary (-want +got):\n%s", d)
	}
}
