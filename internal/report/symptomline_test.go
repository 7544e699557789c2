package report

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// A CloudTrail symptom names its source where a log's names its container.
func TestSymptomLineCloudTrail(t *testing.T) {
	s := finding.Symptom{Source: "cloudtrail", Signature: "sts-incorrect-token-audience", Title: "InvalidIdentityToken: Incorrect token audience",
		Count: 3, First: "2026-12-07T00:12:03Z", Last: "2026-12-07T00:52:03Z", ExplainedBy: []string{"IRSA303"}}
	if got, want := symptomLine(s, true), "CloudTrail: 3x InvalidIdentityToken: Incorrect token audience (last 2026-12-07T00:52:03Z) -> IRSA303"; got != want {
		t.Errorf("symptomLine = %q, want %q", got, want)
	}
	s.Source, s.Container = "log", "app"
	if got, want := symptomLine(s, true), "app: 3x InvalidIdentityToken: Incorrect token audience (last 2026-12-07T00:52:03Z) -> IRSA303"; got != want {
		t.Errorf("symptomLine = %q, want %q", got, want)
	}
}
