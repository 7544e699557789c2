package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExampleReportsGolden renders bundled examples as text (in a UTF-8
// locale and in the C locale), -o wide, -o json, -o yaml and -o markdown
// (sarif and html have goldens of their own in internal/report) and
// compares them with testdata/report/EXAMPLE.FORMAT;
// UPDATE_GOLDEN=1 rewrites them (review the diff: it is what users paste
// into tickets and read in terminals).
func TestExampleReportsGolden(t *testing.T) {
	for _, example := range []string{"trust-subject-mismatch", "annotation-typo", "healthy", "pod-identity-trust-missing-tagsession", "token-not-readable"} {
		for _, format := range []struct{ name, ext, lang string }{
			{"text", "txt", "en_US.UTF-8"}, {"text", "ascii.txt", ""}, {"wide", "wide.txt", "C.UTF-8"},
			{"json", "json", ""}, {"yaml", "yaml", ""}, {"markdown", "md", ""},
		} {
			name := example + "." + format.ext
			t.Run(name, func(t *testing.T) {
				env := map[string]string{"LANG": format.lang}
				deps := Deps{Getenv: func(k string) string { return env[k] }, Version: "v0.0.0-test"}
				r := runCLIWith(t, deps, "analyze", filepath.Join("../../examples", example), "-o", format.name)
				if r.stderr != "" || (r.code != ExitOK && r.code != ExitFindings) {
					t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
				}
				path := filepath.Join("testdata", "report", name)
				if os.Getenv("UPDATE_GOLDEN") != "" {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden (refresh with UPDATE_GOLDEN=1 go test ./internal/cli -run TestExampleReportsGolden): %v", err)
				}
				if diff := cmp.Diff(string(want), r.stdout); diff != "" {
					t.Errorf("%s differs (-want +got); refresh with UPDATE_GOLDEN=1 if intended:\n%s", path, diff)
				}
			})
		}
	}
}
