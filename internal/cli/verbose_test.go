package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestVerboseFlag: -v is --verbose on analyze (it lists what the report
// only counts), --version has no shorthand, and `irsa-doctor -v` alone is
// a usage error, as in kubectl.
func TestVerboseFlag(t *testing.T) {
	r := runCLI(t, "", "-v")
	if r.code != ExitUsage {
		t.Errorf("irsa-doctor -v: exit %d, want 2", r.code)
	}
	oneLineErr(t, r, `unknown shorthand flag: 'v' in -v (see 'irsa-doctor --help')`)

	quiet := runCLI(t, "", "analyze", "../../examples/annotation-typo")
	if !strings.Contains(quiet.stdout, "\n22 checks on 4 objects not run: blocked by the failures above (-v lists them).\n") {
		t.Errorf("quiet report does not count the blocked checks:\n%s", quiet.stdout)
	}
	for _, flag := range []string{"-v", "--verbose"} {
		v := runCLI(t, "", "analyze", "../../examples/annotation-typo", flag)
		if v.code != ExitFindings {
			t.Fatalf("analyze %s: exit %d, stderr %q", flag, v.code, v.stderr)
		}
		for _, want := range []string{
			"\n22 checks on 4 objects not run: blocked by the failures above:\n",
			"\n  IRSA104, IRSA105 on Pod payments/api-7d9f8b6c5-q8w3z: blocked by IRSA102\n",
			"\nTargets in detail:\n",
			"\n  remediation:\n",
		} {
			if !strings.Contains(v.stdout, want) {
				t.Errorf("analyze %s lacks %q:\n%s", flag, want, v.stdout)
			}
		}
	}
}

// TestTextFixPastes: the text report's fix, pasted into bash as it is
// printed, writes the files and runs the commands that fix.sh has, in
// order: aws and kubectl are stand-ins that log their argv (and answer
// the trust policy guard).
func TestTextFixPastes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to paste the fix into: ", err)
	}
	for _, example := range []string{"trust-subject-mismatch", "annotation-typo", "stringequals-wildcard", "pod-identity-trust-missing-tagsession"} {
		t.Run(example, func(t *testing.T) {
			r := runCLI(t, "", "analyze", filepath.Join("../../examples", example))
			lines := strings.Split(r.stdout, "\n")
			start := slices.Index(lines, "  fix:")
			if start < 0 {
				t.Fatalf("no fix in the report:\n%s", r.stdout)
			}
			var pasted []string
			for _, l := range lines[start+1:] {
				if l != "" && !strings.HasPrefix(l, "    ") {
					break
				}
				pasted = append(pasted, strings.TrimPrefix(l, "    "))
			}
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			stub := "#!/bin/sh\nprintf '%s\\n' \"$(basename \"$0\") $*\" >> \"$LOG\"\ncase \"$*\" in *AssumeRolePolicyDocument*) echo True;; esac\n"
			for _, name := range []string{"aws", "kubectl"} {
				if err := os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			work := filepath.Join(dir, "work")
			if err := os.Mkdir(work, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bash, "--norc", "--noprofile", "-i")
			cmd.Dir = work
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "LOG=" + filepath.Join(dir, "log"), "HOME=" + dir}
			cmd.Stdin = strings.NewReader(strings.Join(pasted, "\n") + "\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pasting the fix into bash: %v\n%s", err, out)
			}
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			// The same commands, in the same order, as fix.sh runs.
			fix := fixOf(t, example)
			var want []string
			for i, argv := range fix.Argv {
				// A commented command (an alternative) does not run.
				if !strings.HasPrefix(fix.Commands[i], "#") && len(argv) > 0 && (argv[0] == "aws" || argv[0] == "kubectl") {
					want = append(want, strings.Join(argv, " "))
				}
			}
			if len(want) == 0 {
				t.Fatalf("the fix of examples/%s runs no aws or kubectl command", example)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
				if l != "" && !strings.Contains(l, "AssumeRolePolicyDocument") {
					got = append(got, l)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("pasted fix ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, f := range fix.Files {
				b, err := os.ReadFile(filepath.Join(work, f.Name))
				if err != nil || strings.TrimSuffix(string(b), "\n") != strings.TrimSuffix(f.Content, "\n") {
					t.Errorf("file %s written as %q (%v), want %q", f.Name, b, err, f.Content)
				}
			}
		})
	}
}

// fixOf is the fix of the example's first failing finding that has one.
func fixOf(t *testing.T, example string) *finding.Fix {
	t.Helper()
	res := decode(t, runCLI(t, "", "analyze", filepath.Join("../../examples", example), "-o", "json").stdout)
	for _, f := range res.Findings {
		if f.Status == finding.StatusFail && !f.Fix.Empty() {
			return f.Fix
		}
	}
	t.Fatalf("examples/%s has no fix", example)
	return nil
}

// TestTermWidth: COLUMNS first (a positive number), then the terminal's
// width, else 0 (the report's default, 100).
func TestTermWidth(t *testing.T) {
	for _, tc := range []struct {
		columns  string
		terminal int
		want     int
	}{
		{"", 0, 0}, {"80", 0, 80}, {" 120 ", 0, 120}, {"0", 0, 0}, {"-3", 0, 0}, {"wide", 0, 0},
		{"", 132, 132}, {"90", 132, 90}, {"wide", 132, 132},
	} {
		d := Deps{OutWidth: tc.terminal, Getenv: func(k string) string {
			if k == "COLUMNS" {
				return tc.columns
			}
			return ""
		}}
		if got := d.termWidth(); got != tc.want {
			t.Errorf("COLUMNS=%q, terminal %d: width %d, want %d", tc.columns, tc.terminal, got, tc.want)
		}
	}
}

// TestIgnoredInText: an ignored failure is counted, its target still has a
// row saying so, -v lists it with who ignored it and why, and the verdict
// does not call it no problem.
func TestIgnoredInText(t *testing.T) {
	r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore", "IRSA205")
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"\nDeployment payments/api and 2 pods  irsa       P   P        F     P     P       IRSA205(ignored)\n",
		"\n1 finding ignored (-v lists them with the reasons).\n",
		"\n3 targets: 0 errors, 0 warnings, 0 info; 4 skipped; 1 ignored\nNo failures but the ignored ones (1 finding ignored, 4 skipped).\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "IRSA205 error trust-subject-mismatch") {
		t.Errorf("the ignored finding is printed as a failure:\n%s", r.stdout)
	}
	v := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--ignore", "IRSA205", "-v")
	want := "\nIgnored:\n  IRSA205 trust-subject-mismatch on IAMRole arn:aws:iam::111122223333:role/payments-s3-reader:\n      ignored with --ignore (--ignore IRSA205)\n"
	if !strings.Contains(v.stdout, want) {
		t.Errorf("-v lacks %q:\n%s", want, v.stdout)
	}
}
