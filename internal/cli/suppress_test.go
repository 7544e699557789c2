package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// statuses lists "CHECK status" for each finding that is not skipped.
func statuses(res finding.Result) []string {
	var out []string
	for _, f := range res.Findings {
		if f.Status != finding.StatusSkipped {
			out = append(out, f.CheckID+" "+string(f.Status))
		}
	}
	return out
}

// findingOf returns the finding of the check, failing the test without it.
func findingOf(t *testing.T, res finding.Result, id string) finding.Finding {
	t.Helper()
	for _, f := range res.Findings {
		if f.CheckID == id {
			return f
		}
	}
	t.Fatalf("no finding %s in %v", id, statuses(res))
	return finding.Finding{}
}

// TestIgnoreFlag: the example's one failure, ignored with --ignore, stays
// in the JSON document as ignored with its reason, is counted, and never
// fails the run at any --fail-on.
func TestIgnoreFlag(t *testing.T) {
	for _, value := range []string{"IRSA205", "trust-subject-mismatch", "IRSA205:IAMRole/payments-s3-reader", "IRSA205:sa/payments/s3-reader", "IRSA205:deploy/payments/api"} {
		t.Run(value, func(t *testing.T) {
			r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore", value, "-o", "json", "--fail-on", "info")
			if r.code != ExitOK || r.stderr != "" {
				t.Fatalf("exit %d, want 0; stderr %q", r.code, r.stderr)
			}
			res := decode(t, r.stdout)
			if d := cmp.Diff([]string{"IRSA205 ignored"}, statuses(res)); d != "" {
				t.Fatalf("findings (-want +got):\n%s", d)
			}
			want := finding.Ignored{Reason: "ignored with --ignore", Source: "--ignore " + value}
			if d := cmp.Diff(want, *findingOf(t, res, "IRSA205").Ignored); d != "" {
				t.Errorf("ignored (-want +got):\n%s", d)
			}
			if res.Summary.Ignored != 1 || res.Summary.Fail != 0 || res.Summary.BySeverity["error"] != 0 {
				t.Errorf("summary %+v, want ignored 1, fail 0, no error", res.Summary)
			}
			if !strings.Contains(r.stdout, `"status": "ignored"`) || !strings.Contains(r.stdout, `"reason": "ignored with --ignore"`) {
				t.Errorf("JSON lacks the status or the reason:\n%s", r.stdout)
			}
		})
	}
	t.Run("another object", func(t *testing.T) {
		r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore", "IRSA205:sa/payments/default", "-o", "json")
		if r.code != ExitFindings {
			t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
		}
		if d := cmp.Diff([]string{"IRSA205 fail"}, statuses(decode(t, r.stdout))); d != "" {
			t.Errorf("findings (-want +got):\n%s", d)
		}
	})
	t.Run("text", func(t *testing.T) {
		if r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore", "IRSA205"); r.code != ExitOK || r.stderr != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
		}
	})
}

// writeIgnoreFile writes data to ignore.yaml in a new folder.
func writeIgnoreFile(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ignore.yaml")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIgnoreFile: an entry applies with its reason, source and expiry
// until its last day; the test clock is 2026-11-26.
func TestIgnoreFile(t *testing.T) {
	p := writeIgnoreFile(t, `ignore:
  - check: IRSA205
    object: ServiceAccount/payments/s3-reader
    reason: accepted risk, see TICKET-12
    expires: 2026-11-26
`)
	r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore-file", p, "-o", "json")
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("exit %d, want 0; stderr %q", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	want := finding.Ignored{Reason: "accepted risk, see TICKET-12", Source: p + ":2", Expires: "2026-11-26"}
	if d := cmp.Diff(want, *findingOf(t, res, "IRSA205").Ignored); d != "" {
		t.Errorf("ignored (-want +got):\n%s", d)
	}
	if res.Summary.Ignored != 1 || res.Summary.Fail != 0 {
		t.Errorf("summary %+v, want ignored 1, fail 0", res.Summary)
	}
}

// TestIgnoreFileExpired: an expired entry is not applied and is reported;
// the finding fails again, and so does the run.
func TestIgnoreFileExpired(t *testing.T) {
	p := writeIgnoreFile(t, `ignore:
  - check: IRSA207
    reason: no match here, applies nowhere
  - check: IRSA205
    reason: accepted risk, see TICKET-12
    expires: 2026-11-25
`)
	r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore-file", p, "-o", "json")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	wantErr := "irsa-doctor: --ignore-file " + p + ":4: the entry for IRSA205 expired on 2026-11-25 and is not applied (renew its expires date or remove it)\n"
	if r.stderr != wantErr {
		t.Errorf("stderr\n%q\nwant\n%q", r.stderr, wantErr)
	}
	res := decode(t, r.stdout)
	if d := cmp.Diff([]string{"IRSA205 fail"}, statuses(res)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if f := findingOf(t, res, "IRSA205"); f.Ignored != nil || res.Summary.Ignored != 0 || res.Summary.Fail != 1 {
		t.Errorf("ignored %+v, summary %+v: want a plain failure", f.Ignored, res.Summary)
	}
}

// TestIgnoreUsageErrors: a bad --ignore or ignore file is a usage error of
// one line naming the flag, the file and line, and what to write.
func TestIgnoreUsageErrors(t *testing.T) {
	bad := writeIgnoreFile(t, "ignore:\n  - check: IRSA205\n    reason: r\n    expires: soon\n")
	noReason := writeIgnoreFile(t, "ignore:\n  - check: IRSA205\n")
	unknownField := writeIgnoreFile(t, "ignore:\n  - check: IRSA205\n    reason: r\n    owner: me\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown check", []string{"--ignore", "IRSA999"}, `--ignore "IRSA999": unknown check "IRSA999" (see 'irsa-doctor checks')`},
		{"bad object", []string{"--ignore", "IRSA205:widget/a/b"}, `--ignore "IRSA205:widget/a/b": object "widget/a/b": unknown kind "widget"`},
		{"no file", []string{"--ignore-file", "no-such.yaml"}, `--ignore-file no-such.yaml: no such file or directory`},
		{"bad date", []string{"--ignore-file", bad}, `--ignore-file ` + bad + `:4: expires "soon" is not a date; want YYYY-MM-DD`},
		{"no reason", []string{"--ignore-file", noReason}, `--ignore-file ` + noReason + `:2: entry for IRSA205 without a reason; add reason: WHY`},
		{"unknown field", []string{"--ignore-file", unknownField}, `--ignore-file ` + unknownField + `:4: unknown field "owner" (want check, object, reason, expires)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"analyze", "../../examples/trust-subject-mismatch"}, tc.args...)...)
			if r.code != ExitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			oneLineErr(t, r, tc.want)
		})
	}
	// scan judges the values before it reads the kubeconfig or calls anything.
	t.Run("scan", func(t *testing.T) {
		r := runCLI(t, "", "scan", "--kubeconfig", "no-such-kubeconfig", "--ignore-file", noReason)
		if r.code != ExitUsage {
			t.Errorf("exit %d, want 2", r.code)
		}
		oneLineErr(t, r, `--ignore-file `+noReason+`:2: entry for IRSA205 without a reason`)
	})
}

// annotatedBundle is examples/trust-subject-mismatch with files of
// testdata/suppress in place of the example's files of the same kind.
func annotatedBundle(t *testing.T, replace map[string]string) []string {
	t.Helper()
	files, err := filepath.Glob("../../examples/trust-subject-mismatch/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("examples/trust-subject-mismatch: %v, %d files", err, len(files))
	}
	var out []string
	for _, f := range files {
		if r, ok := replace[filepath.Base(f)]; ok {
			f = r
		}
		out = append(out, f)
	}
	return out
}

// TestIgnoreAnnotation: irsa-doctor.io/ignore on the ServiceAccount or on
// the Deployment ignores the role's failure, which concerns only that
// Deployment and its pods; an unknown check in it is a warning naming the
// object.
func TestIgnoreAnnotation(t *testing.T) {
	for _, tc := range []struct {
		name, file, replacement string
		ignored                 finding.Ignored
		stderr                  string
	}{
		{
			name: "service account", file: "serviceaccounts.json", replacement: "testdata/suppress/serviceaccounts-annotated.json",
			ignored: finding.Ignored{Reason: "annotation irsa-doctor.io/ignore on ServiceAccount payments/s3-reader", Source: "annotation on ServiceAccount payments/s3-reader"},
			stderr:  `irsa-doctor: annotation irsa-doctor.io/ignore on ServiceAccount payments/s3-reader: unknown check "IRSA999" (see 'irsa-doctor checks'); that entry is not applied` + "\n",
		},
		{
			name: "deployment", file: "deployments.json", replacement: "testdata/suppress/deployments-annotated.json",
			ignored: finding.Ignored{Reason: "annotation irsa-doctor.io/ignore on Deployment payments/api", Source: "annotation on Deployment payments/api"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paths := annotatedBundle(t, map[string]string{tc.file: tc.replacement})
			r := runCLI(t, "", append([]string{"analyze", "-o", "json"}, paths...)...)
			if r.code != ExitOK || r.stderr != tc.stderr {
				t.Fatalf("exit %d, want 0; stderr\n%q\nwant\n%q", r.code, r.stderr, tc.stderr)
			}
			res := decode(t, r.stdout)
			if d := cmp.Diff([]string{"IRSA205 ignored"}, statuses(res)); d != "" {
				t.Fatalf("findings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.ignored, *findingOf(t, res, "IRSA205").Ignored); d != "" {
				t.Errorf("ignored (-want +got):\n%s", d)
			}
			if res.Summary.Ignored != 1 || res.Summary.Fail != 0 {
				t.Errorf("summary %+v, want ignored 1, fail 0", res.Summary)
			}
		})
	}
}
