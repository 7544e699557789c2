package check

// Fixtures shared by the unit tests of IRSA101, 102, 103, 106, 110 and 112:
// a small payments namespace built in Go, and a renderer that turns findings
// into lines to compare exactly.

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// ("ID status subject: message"), with severity, evidence and fix lines
// when details is set; sorted.
func fxRun(t *testing.T, s *snapshot.Snapshot, sel model.Selector, details bool, checks ...*Check) []string {
	t.Helper()
	out := Run(s, Options{Checks: standIn(checks), Selector: sel, Now: fx.Now})
	var lines []string
	for _, f := range out.Findings {
		line := fmt.Sprintf("%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message)
		if details {
			if c := ByIDOrSlug(f.CheckID); f.Status == finding.StatusFail && c != nil && c.Severity != f.Severity {
				line += "\n  severity: " + string(f.Severity)
			}
			for _, e := range f.Evidence {
				line += fmt.Sprintf("\n  evidence: %s %s: %s", e.Source, e.Ref, e.Value)
			}
			if f.Fix != nil {
				for _, c := range f.Fix.Commands {
					line += "\n  fix: " + c
				}
			}
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	return lines
}

// fxOnly keeps the lines of one check.
func fxOnly(lines []string, id string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, id+" ") {
			out = append(out, l)
		}
	}
	return out
}

func fxAssert(t *testing.T, got, want []string) {
	t.Helper()
	assertBlocks(t, got, want)
}
