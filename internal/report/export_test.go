package report

import "github.com/irsa-doctor/irsa-doctor/internal/finding"

// For sarif_examples_test.go (package report_test, which runs the CLI and
// so cannot be inside package report): the SARIF fixture and its rules,
// validated with the examples.
var (
	SARIFFixture = func() *finding.Result { return sarifFixture() }
	SARIFRules   = sarifRules
	GapsResult   = gapsResult
)

// SARIFClustersFixture is a multi-cluster report of the SARIF fixtures:
// the SARIF fixture's cluster, and one with gaps.
func SARIFClustersFixture() []Cluster {
	a, b := sarifFixture(), gapsResult()
	a.Input.Context, b.Input.Context = "prod-eu", "dr"
	return []Cluster{{Name: "prod-eu", Result: a}, {Name: "dr", Result: b}}
}
