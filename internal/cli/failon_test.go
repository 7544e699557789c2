package cli

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// warningBundle is examples/healthy with a role whose trust policy has no
// :sub condition (testdata/fail-on): its one failing finding is IRSA207, a
// warning, beside skipped findings of severity error.
func warningBundle(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../examples/healthy/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("examples/healthy: %v, %d files", err, len(files))
	}
	var out []string
	for _, f := range files {
		if filepath.Base(f) != "role.json" {
			out = append(out, f)
		}
	}
	return append(out, "testdata/fail-on/role-without-sub.json")
}

// TestFailOn runs analyze end to end with each --fail-on against a bundle
// whose only failing finding is a warning and one whose only failing
// finding is an error. Skipped findings, of any severity, never count.
func TestFailOn(t *testing.T) {
	bundles := []struct {
		name  string
		paths []string
		// fails are the failing findings, asserted first so that the exit
		// codes below are about them.
		fails []string
		codes map[string]int // --fail-on value ("" for the default) -> exit code
	}{
		{
			name:  "warning",
			paths: warningBundle(t),
			fails: []string{"IRSA207 warning IAMRole payments-s3-reader"},
			codes: map[string]int{"": ExitOK, "error": ExitOK, "warning": ExitFindings, "info": ExitFindings, "none": ExitOK},
		},
		{
			name:  "error",
			paths: []string{"../../examples/trust-subject-mismatch"},
			fails: []string{"IRSA205 error IAMRole payments-s3-reader"},
			codes: map[string]int{"": ExitFindings, "error": ExitFindings, "warning": ExitFindings, "info": ExitFindings, "none": ExitOK},
		},
	}
	for _, b := range bundles {
		t.Run(b.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"analyze", "-o", "json", "--fail-on", "none"}, b.paths...)...)
			if r.code != ExitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			res := decode(t, r.stdout)
			var fails []string
			skippedErrors := 0
			for _, f := range res.Findings {
				switch f.Status {
				case "fail":
					fails = append(fails, f.CheckID+" "+string(f.Severity)+" "+f.Subject.String())
				case "skipped":
					if f.Severity == "error" {
						skippedErrors++
					}
				}
			}
			sort.Strings(fails)
			if d := cmp.Diff(b.fails, fails); d != "" {
				t.Fatalf("failing findings (-want +got):\n%s", d)
			}
			if skippedErrors == 0 {
				t.Errorf("no skipped finding of severity error: the bundle no longer shows that skipped findings never count")
			}
			for _, failOn := range []string{"", "error", "warning", "info", "none"} {
				args := append([]string{"analyze"}, b.paths...)
				if failOn != "" {
					args = append(args, "--fail-on", failOn)
				}
				r := runCLI(t, "", args...)
				if want := b.codes[failOn]; r.code != want {
					t.Errorf("--fail-on %q: exit %d, want %d (stderr %q)", failOn, r.code, want, r.stderr)
				}
				// Exit 1 prints nothing on stderr: the report says why.
				if r.stderr != "" || !strings.Contains(r.stdout, strings.Fields(b.fails[0])[0]) {
					t.Errorf("--fail-on %q: stderr %q, report without %s:\n%s", failOn, r.stderr, strings.Fields(b.fails[0])[0], r.stdout)
				}
			}
		})
	}
}
