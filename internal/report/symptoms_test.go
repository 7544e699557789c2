package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// A target with symptoms gets a SYMPTOMS column, its most frequent error
// first; a report without symptoms has no such column.
func TestSymptomsColumn(t *testing.T) {
	tg := podTarget("api-0", "s3-reader", links("pass", "pass", "pass", "fail:IRSA303", "pass"))
	tg.Symptoms = []finding.Symptom{
		{Source: "log", Container: "app", Signature: "no-credentials", Title: "Unable to locate credentials", Count: 2, ExplainedBy: []string{}},
		{Source: "log", Container: "app", Signature: "sts-incorrect-token-audience", Title: "InvalidIdentityToken: Incorrect token audience",
			Count: 37, First: "2026-12-07T00:12:03Z", Last: "2026-12-07T01:03:11Z", ExplainedBy: []string{"IRSA303"}},
	}
	f := finding.Finding{CheckID: "IRSA303", Slug: "provider-audience-missing", Title: "t", Severity: finding.SeverityError,
		Status: finding.StatusFail, Subject: finding.Subject{Kind: "OIDCProvider", ARN: oidcARN}, Message: "lacks the audience",
		Evidence: []finding.Evidence{{Source: "bundle", Ref: "logs/payments/api-0/app.log", Value: "observed: sts-incorrect-token-audience in container app, 37 times: Incorrect token audience"}}}
	for _, tc := range []struct {
		name    string
		targets []finding.Target
		want    []string
		not     []string
	}{
		{"symptoms", []finding.Target{tg}, []string{"SYMPTOMS", "app: 37× InvalidIdentityToken +1", "observed: sts-incorrect-token-audience in container app, 37 times: Incorrect token audience\n",
			// The time is the symptom's (targets[].symptoms[]), shown
			// where the report lists what was observed, never in a
			// finding's evidence.
			"app: 37× InvalidIdentityToken: Incorrect token audience (last 2026-12-07T01:03:11Z) → IRSA303"}, nil},
		{"none", []finding.Target{podTarget("api-0", "s3-reader", links("pass", "pass", "pass", "fail:IRSA303", "pass"))}, nil, []string{"SYMPTOMS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			r := result("offline", bundleFiles(), tc.targets, []finding.Finding{f}, nil)
			if err := Write(&b, r, Options{Format: FormatText, Width: 140}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in:\n%s", w, b.String())
				}
			}
			for _, w := range tc.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("unexpected %q in:\n%s", w, b.String())
				}
			}
			b.Reset()
			if err := Write(&b, r, Options{Format: FormatMarkdown}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(b.String(), "| Symptoms |"); got != (len(tc.want) > 0) {
				t.Errorf("markdown Symptoms column: %t in:\n%s", got, b.String())
			}
		})
	}
}
