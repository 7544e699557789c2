package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
)

// env is a Getenv over a fixed set of variables.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestExplainGolden compares explain's terminal rendering with golden
// files; UPDATE_GOLDEN=1 rewrites them (review the diff: it is what users
// read).
func TestExplainGolden(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		terminal bool
		env      []string
		golden   string
	}{
		// -o text renders even when piped; COLUMNS sets the width.
		{"check at 80 columns", []string{"explain", "IRSA205", "-o", "text"}, false, []string{"COLUMNS", "80"}, "explain-IRSA205-80.txt"},
		// The default on a terminal is text; NO_COLOR leaves no escape.
		{"slug on a terminal", []string{"explain", "trust-subject-mismatch"}, true, []string{"COLUMNS", "80", "NO_COLOR", "1"}, "explain-IRSA205-80.txt"},
		{"sdk-versions", []string{"explain", "sdk-versions", "--no-color"}, true, []string{"COLUMNS", "80"}, "explain-sdk-versions.txt"},
		{"SDK-Versions", []string{"explain", "SDK-Versions", "-o", "text"}, false, []string{"COLUMNS", "80"}, "explain-sdk-versions.txt"},
		// No COLUMNS: 100 columns.
		{"sdk-versions at 100 columns", []string{"explain", "sdk-versions", "-o", "text"}, false, nil, "explain-sdk-versions-100.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLIWith(t, Deps{OutIsTerminal: tc.terminal, Getenv: env(tc.env...)}, tc.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, "\x1b") {
				t.Errorf("escape sequence without colour:\n%q", r.stdout)
			}
			golden(t, tc.golden, r.stdout)
		})
	}
}

// golden compares got with testdata/name, or rewrites it with UPDATE_GOLDEN=1.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (refresh with UPDATE_GOLDEN=1 go test ./internal/cli -run TestExplain): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

// TestExplainMarkdown: piped, or with -o markdown even on a terminal,
// explain prints the Markdown document byte for byte.
func TestExplainMarkdown(t *testing.T) {
	d, err := sdk.Load()
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{"sdk-versions": d.Markdown()}
	for _, c := range check.All {
		docs[c.ID] = check.Explain(c)
		docs[c.Slug] = check.Explain(c)
	}
	for arg, want := range docs {
		t.Run(arg, func(t *testing.T) {
			for _, run := range []struct {
				terminal bool
				args     []string
			}{
				{false, []string{"explain", arg}},
				{true, []string{"explain", arg, "-o", "markdown"}},
				{false, []string{"explain", "--output=markdown", arg}},
			} {
				r := runCLIWith(t, Deps{OutIsTerminal: run.terminal}, run.args...)
				if r.code != 0 || r.stderr != "" {
					t.Fatalf("%v: exit %d, stderr %q", run.args, r.code, r.stderr)
				}
				if r.stdout != want {
					t.Errorf("%v (terminal %v) is not the Markdown document:\n%s", run.args, run.terminal, cmp.Diff(want, r.stdout))
				}
			}
		})
	}
}

// TestExplainColor: on a terminal, headings are coloured unless NO_COLOR
// or --no-color.
func TestExplainColor(t *testing.T) {
	const heading = "\x1b[1;36mIRSA104 "
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		color bool
	}{
		{"terminal", nil, nil, true},
		{"NO_COLOR", []string{"NO_COLOR", "1"}, nil, false},
		{"--no-color", nil, []string{"--no-color"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLIWith(t, Deps{OutIsTerminal: true, Getenv: env(tc.env...)}, append([]string{"explain", "IRSA104"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := strings.HasPrefix(r.stdout, heading); got != tc.color {
				t.Errorf("coloured heading = %v, want %v:\n%q", got, tc.color, r.stdout)
			}
			if !tc.color && strings.Contains(r.stdout, "\x1b") {
				t.Errorf("escape sequence without colour:\n%q", r.stdout)
			}
		})
	}
}

// TestExplainUsage: a bad -o and an unknown check are usage errors (exit 2).
func TestExplainUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "IRSA104", "-o", "json"}, `--output "json": explain prints text or markdown`},
		{[]string{"explain", "IRSA999"}, `explain: unknown check "IRSA999"`},
		{[]string{"explain", "no-such-check", "-o", "text"}, `explain: unknown check "no-such-check"`},
		{[]string{"explain"}, "explain needs one check ID or slug"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != ExitUsage || r.stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", r.code, r.stdout, ExitUsage)
			}
			oneLineErr(t, r, tc.want)
		})
	}
}
