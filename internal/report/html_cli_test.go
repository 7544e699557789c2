package report_test

// These tests render the HTML report the way a user gets it: the CLI
// analyses a bundle and writes -o html. They are an external test package
// so that they may run the CLI (internal/cli imports this package; the
// report package itself still imports nothing but finding and termsafe).

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/cli"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// exampleDir is the bundled example the golden HTML is rendered from.
const exampleDir = "../../examples/trust-subject-mismatch"

// analyze runs `irsa-doctor analyze DIR -o FORMAT` with a fixed version and
// clock, and returns its stdout; the examples are broken on purpose, so
// exit 1 is expected.
func analyze(t *testing.T, dir, format string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"analyze", dir, "-o", format}, cli.Deps{
		In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv:  func(string) string { return "" },
		Now:     func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) },
		Version: "v0.0.0-test",
	})
	if code != 1 || errOut.Len() > 0 {
		t.Fatalf("analyze %s -o %s: exit %d, want 1; stderr:\n%s", dir, format, code, errOut.String())
	}
	return out.Bytes()
}

// analyzeResult is the JSON document of the same analysis, decoded.
func analyzeResult(t *testing.T, dir string) finding.Result {
	t.Helper()
	var r finding.Result
	if err := json.Unmarshal(analyze(t, dir, "json"), &r); err != nil {
		t.Fatalf("decode -o json of %s: %v", dir, err)
	}
	return r
}

// TestHTMLGoldenExample pins the whole page for one example: its markup,
// its inline stylesheet and script, and the CSP hashes that admit them.
// UPDATE_GOLDEN=1 rewrites testdata/trust-subject-mismatch.html.
func TestHTMLGoldenExample(t *testing.T) {
	got := analyze(t, exampleDir, "html")
	path := filepath.Join("testdata", "trust-subject-mismatch.html")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (refresh with UPDATE_GOLDEN=1 go test ./internal/report -run HTML): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); refresh with UPDATE_GOLDEN=1 if intended:\n%s", path, diff)
	}
	// Rendering is a pure function of the result: twice, the same bytes.
	if again := analyze(t, exampleDir, "html"); !bytes.Equal(got, again) {
		t.Error("two renderings of the same bundle differ")
	}
}
