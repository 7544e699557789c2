package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestRedactionKeepsFindings: the checks judge a redacted bundle exactly
// as the original, for every scenario of the checks' tests, every example,
// and a bundle of literal static keys and other secrets: no check reads a
// value that is redacted (IRSA110 finds static keys by name).
func TestRedactionKeepsFindings(t *testing.T) {
	var dirs []string
	for _, pattern := range []string{"../check/testdata/scenarios/*", "../../examples/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	secretDir := "../bundle/testdata/secrets"
	dirs = append(dirs, secretDir)
	changedFiles := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			// Copies under the same folder name, one as it is and one
			// redacted: evidence names a file by its path.
			orig := filepath.Join(t.TempDir(), filepath.Base(dir))
			red := filepath.Join(t.TempDir(), filepath.Base(dir))
			for _, d := range []string{orig, red} {
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.IsDir() || e.Name() == "want.txt" {
					continue
				}
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				out := bundle.RedactCapture(data)
				if string(out) != string(data) {
					changedFiles++
				}
				if err := os.WriteFile(filepath.Join(orig, e.Name()), data, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(red, e.Name()), out, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want := judge(t, orig)
			got := judge(t, red)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings differ once redacted (-original +redacted):\n%s", diff)
			}
			if dir == secretDir && !strings.Contains(got, "IRSA110 fail Pod payments/api-1 container app") {
				t.Errorf("static keys not found in the redacted bundle:\n%s", got)
			}
		})
	}
	t.Logf("redaction changed %d files", changedFiles)
	if changedFiles < 3 {
		t.Errorf("redaction changed only %d files: the comparison proves little", changedFiles)
	}
}

// judge runs every check on a folder and renders the outcome (findings
// with their evidence, and the targets' chains and credential sources),
// with the folder's path replaced by DIR.
func judge(t *testing.T, dir string) string {
	t.Helper()
	snap, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := check.Run(snap, check.Options{Now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)})
	data, err := json.MarshalIndent(struct {
		Targets  []finding.Target
		Findings []finding.Finding
	}{out.Targets, out.Findings}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), dir, "DIR")
	var lines []string
	for _, f := range out.Findings {
		lines = append(lines, f.CheckID+" "+string(f.Status)+" "+f.Subject.String())
	}
	return strings.Join(lines, "\n") + "\n" + s
}
