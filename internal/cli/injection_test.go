package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Bundles are untrusted input and fix.sh runs with admin credentials
// (docs/contract.md, "Fixes"). Each case crafts a bundle from a bundled
// example, writes --fix-dir, runs fix.sh with stub aws, kubectl and eksctl
// that record their argv, and asserts that the commands run are exactly
// the expected argv lists (no word the bundle did not validly carry) and
// that no file appears outside the fix folder.

// stub records its argv, NUL-separated, one call a line of the log; aws
// answers the trust-policy guard's query with True.
const stub = `#!/bin/sh
for a in "$(basename "$0")" "$@"; do printf '%s\0' "$a" >> "$IRSA_DOCTOR_STUB_LOG"; done
printf '\n' >> "$IRSA_DOCTOR_STUB_LOG"
case "$*" in *"--query Role.AssumeRolePolicyDocument =="*) echo "${IRSA_DOCTOR_STUB_GUARD:-True}" ;; esac
`

type injectionCase struct {
	name    string
	example string
	// edit rewrites the example's files (name -> content).
	edit map[string]func(string) string
	// args are analyze's extra arguments.
	args []string
	// want is the argv of every command fix.sh runs, in order; nil: no
	// fix.sh at all.
	want [][]string
	// absent must appear in no fix command (the forged value).
	absent string
	// changed makes IAM answer that the role's trust policy is no longer
	// the one the fix was computed from.
	changed bool
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("injection case: " + old + " is not in the file")
		}
		return strings.ReplaceAll(s, old, new)
	}
}

func TestFixScriptInjection(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("no sh on PATH: %v", err)
	}
	cases := []injectionCase{
		{
			// A RoleName that disagrees with the Arn: the capture is left
			// out, so nothing is built from the forged name.
			name: "forged RoleName", example: "trust-subject-mismatch",
			edit:   map[string]func(string) string{"role.json": replace(`"RoleName": "payments-s3-reader"`, `"RoleName": "admin"`)},
			want:   nil,
			absent: "admin",
		},
		{
			// A namespace and a Deployment name with command
			// substitutions: not valid Kubernetes names, so no command
			// carries them.
			name: "names with command substitution", example: "pod-not-mutated",
			edit: map[string]func(string) string{
				"deployments.json":     replace(`"namespace": "payments"`, `"namespace": "pay$(touch${IFS}pwned)"`),
				"pods.json":            replace(`"namespace": "payments"`, `"namespace": "pay$(touch${IFS}pwned)"`),
				"serviceaccounts.json": replace(`"namespace": "payments"`, `"namespace": "pay$(touch${IFS}pwned)"`),
			},
			want:   nil,
			absent: "pwned",
		},
		{
			// An annotation value with a quote and a command substitution:
			// quoted as one word, it reaches kubectl as the literal value.
			name: "annotation value with quotes", example: "trust-subject-mismatch",
			edit: map[string]func(string) string{
				"serviceaccounts.json": replace(`"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/payments-s3-reader"`,
					`"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/payments-s3-reader", "eks.amazonaws.com/audience": "sts.amazonaws.com'$(touch pwned)'"`),
			},
			want: [][]string{
				{"aws", "iam", "add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn",
					"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C8D2E7A9B41F3D6E0A1B2C3D4E5F607",
					"--client-id", "sts.amazonaws.com'$(touch pwned)'"},
				{"aws", "iam", "get-role", "--role-name", "payments-s3-reader", "--query", "GUARD payments-s3-reader.trust-policy.before.json", "--output", "text"},
				{"aws", "iam", "update-assume-role-policy", "--role-name", "payments-s3-reader", "--policy-document", "file://payments-s3-reader.trust-policy.json"},
			},
		},
		{
			// The role's trust policy in IAM is not the captured one (the
			// bundle was forged, or IAM changed since): the guard stops
			// fix.sh before the update.
			name: "trust policy changed since the capture", example: "trust-subject-mismatch", changed: true,
			want: [][]string{
				{"aws", "iam", "get-role", "--role-name", "payments-s3-reader", "--query", "GUARD payments-s3-reader.trust-policy.before.json", "--output", "text"},
			},
		},
		{
			// An empty role annotation: the command that sets it holds
			// ROLE_NAME, is commented out, and fix.sh refuses to run until
			// edited, so nothing runs.
			name: "placeholder", example: "trust-subject-mismatch",
			edit: map[string]func(string) string{
				"serviceaccounts.json": replace(`"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/payments-s3-reader",`, `"eks.amazonaws.com/role-arn": "",`),
			},
			want: [][]string{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			in := filepath.Join(root, "bundle")
			if err := os.Mkdir(in, 0o700); err != nil {
				t.Fatal(err)
			}
			src := filepath.Join("..", "..", "examples", tc.example)
			entries, err := os.ReadDir(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(src, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				s := string(b)
				if ed := tc.edit[e.Name()]; ed != nil {
					s = ed(s)
				}
				if err := os.WriteFile(filepath.Join(in, e.Name()), []byte(s), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			fixes := filepath.Join(root, "fixes")
			r := runCLI(t, "", append([]string{"analyze", in, "--fix-dir", fixes, "-o", "json"}, tc.args...)...)
			if r.code != ExitOK && r.code != ExitFindings {
				t.Fatalf("analyze exit %d: %s", r.code, r.stderr)
			}
			if tc.absent != "" {
				res := decode(t, r.stdout)
				for _, f := range res.Findings {
					if f.Fix == nil {
						continue
					}
					for _, c := range f.Fix.Commands {
						if strings.Contains(c, tc.absent) {
							t.Errorf("%s's fix carries %q: %s", f.CheckID, tc.absent, c)
						}
					}
				}
			}
			script := filepath.Join(fixes, "fix.sh")
			if _, err := os.Stat(script); os.IsNotExist(err) {
				if tc.want != nil {
					t.Fatalf("no fix.sh, want commands %q", tc.want)
				}
				return
			}
			got := runFixScript(t, sh, root, script, tc.changed)
			// The guard's query holds the document the fix was computed
			// from, as fix.sh reads it from the file beside it.
			for _, argv := range tc.want {
				for i, w := range argv {
					if file, ok := strings.CutPrefix(w, "GUARD "); ok {
						b, err := os.ReadFile(filepath.Join(fixes, file))
						if err != nil {
							t.Fatal(err)
						}
						argv[i] = "Role.AssumeRolePolicyDocument == `" + strings.TrimRight(string(b), "\n") + "`"
					}
				}
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("commands fix.sh ran (-want +got):\n%s", diff)
			}
		})
	}
}

// runFixScript runs fix.sh with the stubs first on PATH, in a scratch
// working directory, and returns the argv of every stub call. It fails the
// test when anything appears outside the fix folder.
func runFixScript(t *testing.T, sh, root, script string, changed bool) [][]string {
	t.Helper()
	bin := filepath.Join(root, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"aws", "kubectl", "eksctl"} {
		if err := os.WriteFile(filepath.Join(bin, n), []byte(stub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	log := filepath.Join(root, "stub.log")
	work := filepath.Join(root, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, root)
	cmd := exec.Command(sh, script)
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "IRSA_DOCTOR_STUB_LOG=" + log, "HOME=" + work}
	if changed {
		cmd.Env = append(cmd.Env, "IRSA_DOCTOR_STUB_GUARD=False")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Logf("fix.sh: %v\n%s", err, out.String())
	}
	after := listTree(t, root)
	for p := range after {
		if !before[p] && p != "stub.log" {
			t.Errorf("fix.sh created %s", p)
		}
	}
	raw, _ := os.ReadFile(log)
	var calls [][]string
	for _, line := range strings.Split(string(raw), "\n") {
		if line == "" {
			continue
		}
		argv := strings.Split(strings.TrimSuffix(line, "\x00"), "\x00")
		calls = append(calls, argv)
	}
	return calls
}

// listTree lists every path under root.
func listTree(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
