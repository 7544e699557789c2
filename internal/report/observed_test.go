package report

import (
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestObservedErrors: the errors a target was seen to have come right
// after the summary table, each with the check that explains it, or
// IRSA501 when none does.
func TestObservedErrors(t *testing.T) {
	tg := podTarget("api-1", "s3-reader", links("pass", "pass", "pass", "fail:IRSA303", "pass"))
	tg.Symptoms = []finding.Symptom{
		{Source: "log", Container: "app", Signature: "sts-incorrect-token-audience", Title: "InvalidIdentityToken: Incorrect token audience",
			Count: 37, Last: "2026-11-26T12:03:11Z", ExplainedBy: []string{"IRSA303"}},
		{Source: "file", Signature: "no-credentials", Title: "No credentials", Count: 1},
	}
	r := result("offline", nil, []finding.Target{tg}, []finding.Finding{}, []finding.Gap{})
	out := string(render(t, r, Options{ASCII: true}))
	want := "\nObserved errors:\n" +
		"  Pod payments/api-1 app: 37x InvalidIdentityToken: Incorrect token audience (last\n" +
		"    2026-11-26T12:03:11Z) -> IRSA303\n" +
		"  Pod payments/api-1 1x No credentials -> no failing check explains it: IRSA501\n"
	if !strings.Contains(out, want) {
		t.Errorf("report lacks %q:\n%s", want, out)
	}
}
