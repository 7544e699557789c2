package report

import (
	"fmt"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestRowsLinear: finding the summary table's rows for n annotated ServiceAccounts, each
// with its findings, compares each finding with the targets it may concern,
// not with every target (10,000 ServiceAccounts took 32 s when it did).
// Counted, not timed: ten times the targets cost at most twelve times the
// comparisons.
func TestRowsLinear(t *testing.T) {
	calls := 0
	old := concernsFn
	concernsFn = func(f finding.Finding, tg finding.Target) bool { calls++; return old(f, tg) }
	defer func() { concernsFn = old }()
	cost := func(n int) int {
		r := &finding.Result{}
		for i := range n {
			name := fmt.Sprintf("sa-%d", i)
			r.Targets = append(r.Targets, finding.Target{Kind: "ServiceAccount", Namespace: "ns", Name: name, ServiceAccount: name,
				RoleARN: "arn:aws:iam::111122223333:role/" + name, Links: []finding.Link{{Link: finding.LinkIAMRole, Status: finding.LinkFail, Detail: "IRSA201"}}})
			r.Findings = append(r.Findings,
				finding.Finding{CheckID: "IRSA201", Status: finding.StatusFail, Subject: finding.Subject{Kind: "IAMRole", Name: name, ARN: "arn:aws:iam::111122223333:role/" + name}},
				finding.Finding{CheckID: "IRSA102", Status: finding.StatusPass, Subject: finding.Subject{Kind: "ServiceAccount", Namespace: "ns", Name: name}})
		}
		calls = 0
		rs := rows(r)
		if len(rs) != n || len(rs[n-1].ids) != 1 || rs[n-1].ids[0] != "IRSA201" {
			t.Fatalf("%d rows, the last %+v; want %d, the last failing IRSA201", len(rs), rs[len(rs)-1], n)
		}
		return calls
	}
	small, large := cost(1000), cost(10000)
	t.Logf("%d comparisons for 1,000 ServiceAccounts, %d for 10,000", small, large)
	if large > 12*small {
		t.Errorf("%d comparisons for 1,000 ServiceAccounts, %d for 10,000: not linear", small, large)
	}
}
