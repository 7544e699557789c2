package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

type run struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	return runCLIWith(t, Deps{In: strings.NewReader(stdin), Version: "v0.0.0-test"}, args...)
}

// runCLIWith runs the program with deps, filling in its streams, clock and
// environment.
func runCLIWith(t *testing.T, deps Deps, args ...string) run {
	t.Helper()
	var out, errOut bytes.Buffer
	if deps.In == nil {
		deps.In = strings.NewReader("")
	}
	deps.Out, deps.ErrOut = &out, &errOut
	if deps.Getenv == nil {
		deps.Getenv = func(string) string { return "" }
	}
	deps.Now = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	code := Main(args, deps)
	r := run{code: code, stdout: out.String(), stderr: errOut.String()}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("stack trace on stderr:\n%s", r.stderr)
	}
	return r
}

func decode(t *testing.T, s string) finding.Result {
	t.Helper()
	var res finding.Result
	if err := json.Unmarshal([]byte(s), &res); err != nil {
		t.Fatalf("stdout is not the JSON document: %v\n%s", err, s)
	}
	return res
}

// oneLineErr asserts a single error line on stderr that contains want.
func oneLineErr(t *testing.T, r run, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "irsa-doctor: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one line 'irsa-doctor: ...%s...'", r.stderr, want)
	}
}

func TestUsageErrors(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no path", []string{"analyze"}, ExitUsage, "analyze needs at least one PATH"},
		{"missing path", []string{"analyze", filepath.Join(empty, "nope")}, ExitUsage, filepath.Join(empty, "nope")},
		{"empty folder", []string{"analyze", empty}, ExitError, "no files found in " + empty},
		{"bad output", []string{"analyze", "../../examples/healthy", "-o", "xml"}, ExitUsage, `--output "xml": want ` + orList(formatNames())},
		{"checks bad output", []string{"checks", "-o", "xml"}, ExitUsage, `--output "xml": want ` + orList(formatNames(checksFormats...))},
		{"bad fail-on", []string{"analyze", "../../examples/healthy", "--fail-on", "fatal"}, ExitUsage, `--fail-on "fatal": want error, warning, info or none`},
		{"unknown check", []string{"analyze", "../../examples/healthy", "--checks", "IRSA999"}, ExitUsage, `--checks: unknown check "IRSA999"`},
		{"unknown flag", []string{"analyze", "../../examples/healthy", "--frobnicate"}, ExitUsage, "unknown flag: --frobnicate"},
		{"checks select none", []string{"analyze", "../../examples/healthy", "--checks", "IRSA205,-IRSA205"}, ExitUsage, `--checks "IRSA205,-IRSA205" selects no check`},
		{"bad pod flag", []string{"analyze", "../../examples/healthy", "--pod", "justaname"}, ExitUsage, `--pod "justaname": want NAMESPACE/NAME`},
		{"bad workload kind", []string{"analyze", "../../examples/healthy", "--workload", "pod/payments/x"}, ExitUsage, `unknown kind "pod"`},
		{"named pod absent", []string{"analyze", "../../examples/healthy", "--pod", "payments/nope"}, ExitUsage,
			"--pod payments/nope: no such pod in the input (the input holds 2 pods in namespace payments; capture it with: kubectl get pod nope -n payments -o json)"},
		{"named SA absent", []string{"analyze", "../../examples/healthy", "--service-account", "payments/nope"}, ExitUsage,
			"--service-account payments/nope: no such ServiceAccount in the input, nor a pod or workload that uses it (the input holds 2 ServiceAccounts in namespace payments; capture it with: kubectl get serviceaccount nope -n payments -o json)"},
		{"named SA in another namespace", []string{"analyze", "../../examples/healthy", "--service-account", "web/s3-reader"}, ExitUsage,
			"--service-account web/s3-reader: no such ServiceAccount in the input, nor a pod or workload that uses it (the input has ServiceAccount s3-reader in namespace payments; capture it with: kubectl get serviceaccount s3-reader -n web -o json)"},
		{"namespace absent", []string{"analyze", "../../examples/healthy", "-n", "paymnets"}, ExitUsage,
			"-n paymnets: nothing in the input is in namespace paymnets (the input holds namespace payments; capture it with: kubectl get pods,serviceaccounts,deployments,statefulsets,daemonsets,cronjobs,jobs -n paymnets -o json)"},
		{"named workload absent", []string{"analyze", "../../examples/healthy", "--workload", "deployment/payments/x"}, ExitUsage,
			"--workload deployment/payments/x: no such workload in the input (the input holds 1 Deployment in namespace payments; capture it with: kubectl get deployment x -n payments -o json)"},
		{"missing kubeconfig (scan)", []string{"scan", "-n", "payments", "--kubeconfig", filepath.Join(empty, "kubeconfig")}, ExitUsage,
			"--kubeconfig " + filepath.Join(empty, "kubeconfig") + ": no such file (without --kubeconfig, kubectl and irsa-doctor read the files listed in KUBECONFIG, else ~/.kube/config)"},
		{"missing kubeconfig (dump)", []string{"dump", filepath.Join(empty, "bundle"), "--kubeconfig", filepath.Join(empty, "kubeconfig")}, ExitUsage,
			"--kubeconfig " + filepath.Join(empty, "kubeconfig") + ": no such file"},
		{"n and A", []string{"analyze", "../../examples/healthy", "-n", "x", "-A"}, ExitUsage, "--namespace and --all-namespaces cannot be used together"},
		{"explain unknown", []string{"explain", "IRSA999"}, ExitUsage, `explain: unknown check "IRSA999"`},
		{"unknown command", []string{"frob"}, ExitUsage, `unknown command "frob"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			oneLineErr(t, r, tc.want)
		})
	}
}

func TestNothingUsable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello, this is not kubectl output\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "analyze", dir)
	if r.code != ExitError {
		t.Errorf("exit %d, want 3", r.code)
	}
	// File references are relative to the PATH argument's parent.
	if !strings.Contains(r.stderr, "skipped "+filepath.Join(filepath.Base(dir), "notes.txt")+": ") || !strings.Contains(r.stderr, "nothing usable in "+dir) {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestSeveralClusters(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"blue", "green"} {
		doc := `{"cluster":{"name":"` + name + `","arn":"arn:aws:eks:eu-west-1:111122223333:cluster/` + name + `","version":"1.31","identity":{"oidc":{"issuer":"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC` + string(rune('0'+i)) + `"}}}}`
		if err := os.WriteFile(filepath.Join(dir, name+".json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, "", "analyze", dir)
	if r.code != ExitUsage {
		t.Errorf("exit %d, want 2", r.code)
	}
	oneLineErr(t, r, "the input describes several clusters (blue, green): choose one with --cluster NAME")
	r = runCLI(t, "", "analyze", dir, "--cluster", "green", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0 (stderr %q)", r.code, r.stderr)
	}
	if res := decode(t, r.stdout); res.Input.Cluster != "green" || res.Input.AccountID != "111122223333" || res.Input.Region != "eu-west-1" {
		t.Errorf("input = %+v", res.Input)
	}
	r = runCLI(t, "", "analyze", dir, "--cluster", "red")
	if r.code != ExitUsage {
		t.Errorf("exit %d, want 2", r.code)
	}
	oneLineErr(t, r, `--cluster "red": the input describes only blue, green`)
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || r.stdout != "irsa-doctor v0.0.0-test\n" {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

func TestChecksCommand(t *testing.T) {
	r := runCLI(t, "", "checks", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var docs []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) < 12 {
		t.Fatalf("%d checks, want at least 12", len(docs))
	}
	for _, d := range docs {
		for _, k := range []string{"checkId", "slug", "title", "severity", "doc", "fix"} {
			if d[k] == "" {
				t.Errorf("check %s: empty %s", d["checkId"], k)
			}
		}
	}
	r = runCLI(t, "", "checks")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ID") || !strings.Contains(r.stdout, "IRSA104  pod-not-mutated") {
		t.Errorf("checks text: exit %d\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", "explain", "pod-not-mutated")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "## IRSA104 pod-not-mutated\n") {
		t.Errorf("explain: exit %d\n%s", r.code, r.stdout)
	}
}

// TestExitCodes: one case per class of docs/contract.md "Exit codes". Usage
// errors are told apart by type (usageError), wherever they are raised.
func TestExitCodes(t *testing.T) {
	notEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(notEmpty, "old.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		// cobra's flag errors, through the flag error function.
		{"cobra unknown flag", []string{"analyze", "../../examples/healthy", "--frobnicate"}, ExitUsage,
			"irsa-doctor: unknown flag: --frobnicate (see 'irsa-doctor analyze --help')"},
		{"cobra unknown shorthand", []string{"checks", "-x"}, ExitUsage,
			"irsa-doctor: unknown shorthand flag: 'x' in -x (see 'irsa-doctor checks --help')"},
		{"cobra bad flag value", []string{"scan", "--timeout", "soon"}, ExitUsage,
			`irsa-doctor: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon" (see 'irsa-doctor scan --help')`},
		// Argument counts: cobra's validators and the commands' own.
		{"cobra bad arg count", []string{"version", "extra"}, ExitUsage,
			`irsa-doctor: unknown command "extra" for "irsa-doctor version" (see 'irsa-doctor version --help')`},
		{"cobra bad arg count in a generated command", []string{"completion", "bash", "extra"}, ExitUsage,
			`irsa-doctor: unknown command "extra" for "irsa-doctor completion bash" (see 'irsa-doctor completion bash --help')`},
		{"bad arg count", []string{"scan", "a", "b"}, ExitUsage,
			"irsa-doctor: scan takes at most one pod NAME; name more with --pod NS/NAME"},
		{"unknown command", []string{"frob"}, ExitUsage,
			`irsa-doctor: unknown command "frob" for "irsa-doctor" (see 'irsa-doctor --help')`},
		{"unknown command with a suggestion", []string{"anlyze", "x"}, ExitUsage,
			`irsa-doctor: unknown command "anlyze" for "irsa-doctor"; did you mean analyze? (see 'irsa-doctor --help')`},
		// Usage errors the commands raise.
		{"bad flag value", []string{"analyze", "../../examples/healthy", "--fail-on", "fatal"}, ExitUsage,
			`irsa-doctor: --fail-on "fatal": want error, warning, info or none`},
		{"dump DIR not empty", []string{"dump", notEmpty}, ExitUsage,
			"irsa-doctor: dump DIR " + notEmpty + " is not empty: choose a new folder"},
		// Anything else.
		{"nothing usable", []string{"analyze", t.TempDir()}, ExitError, "irsa-doctor: no files found in "},
		{"fine", []string{"analyze", "../../examples/healthy"}, ExitOK, ""},
		{"findings", []string{"analyze", "../../examples/trust-subject-mismatch"}, ExitFindings, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if tc.want == "" {
				if r.stderr != "" {
					t.Errorf("stderr = %q, want nothing", r.stderr)
				}
				return
			}
			if !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one line starting %q", r.stderr, tc.want)
			}
		})
	}
}

// TestRuntimeErrorExit3: a plain error from a command, here the report
// that cannot be written, exits 3 with its message.
func TestRuntimeErrorExit3(t *testing.T) {
	var errOut bytes.Buffer
	deps := Deps{
		In: strings.NewReader(""), Out: failingWriter{}, ErrOut: &errOut,
		Getenv: func(string) string { return "" }, Now: time.Now, Version: "v0.0.0-test",
	}
	code := Main([]string{"analyze", "../../examples/healthy", "-o", "json"}, deps)
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if want := "irsa-doctor: write report: write json report: stdout is closed\n"; errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout is closed") }

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"findings", errFindings, ExitFindings},
		{"findings wrapped", fmt.Errorf("scan: %w", errFindings), ExitFindings},
		{"usage", usageErr("--output %q: want text or json", "yaml"), ExitUsage},
		{"usage wrapped", fmt.Errorf("analyze: %w", usageErr("bad")), ExitUsage},
		{"plain", errors.New("connection refused"), ExitError},
		{"wraps a plain error", fmt.Errorf("kubeconfig: %w", errors.New("no such file")), ExitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(tc.err); got != tc.want {
				t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// A ServiceAccount the input lacks but a workload uses is a target: IRSA101
// reports it missing, so naming it is no usage error.
func TestNamedSAUsedButMissing(t *testing.T) {
	r := runCLI(t, "", "analyze", "../../examples/service-account-not-found", "--service-account", "payments/s3-reader", "-o", "json")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"IRSA101"`) {
		t.Errorf("no IRSA101 finding:\n%s", r.stdout)
	}
}

// A ServiceAccount that only an EKS Pod Identity association names is a
// target (the association's), not a usage error: IRSA402 says its
// namespace was not captured.
func TestNamedSAOfAssociation(t *testing.T) {
	r := runCLI(t, "", "analyze", "../check/testdata/scenarios/irsa402-namespace-not-captured", "--service-account", "billing/invoices", "-n", "billing", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0 (stderr %q)", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	var got []string
	for _, f := range res.Findings {
		if f.CheckID == "IRSA402" {
			got = append(got, string(f.Status)+" "+f.Message)
		}
	}
	want := []string{"skipped ServiceAccount billing/invoices is not in the input, and nothing proves it or namespace billing missing (capture: kubectl get serviceaccounts -n billing -o json; kubectl get namespaces -o json)"}
	if !slices.Equal(got, want) {
		t.Errorf("IRSA402 = %q, want %q", got, want)
	}
}

// Without --kubeconfig, a search that finds none says so and how kubectl
// finds one (exit 3: the cluster cannot be reached), before collecting.
func TestNoKubeconfigFound(t *testing.T) {
	home := t.TempDir()
	deps := Deps{Version: "v0.0.0-test", Getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}}
	for _, args := range [][]string{{"scan", "-n", "payments"}, {"dump", filepath.Join(t.TempDir(), "bundle")}} {
		r := runCLIWith(t, deps, args...)
		if r.code != ExitError {
			t.Errorf("%v: exit %d, want 3 (stderr %q)", args, r.code, r.stderr)
		}
		oneLineErr(t, r, "no kubeconfig: KUBECONFIG is unset and ~/.kube/config does not exist; pass --kubeconfig FILE or set KUBECONFIG (aws eks update-kubeconfig --name CLUSTER writes ~/.kube/config)")
	}
}

// TestSubFoldersOfClusters (issue 10): sub-folders that each hold their own
// describe-cluster follow the --cluster rule when they describe different
// clusters, and are one bundle when they describe the same one, their
// copies of an object settled as any others (the newest is used, with a
// gap naming the files).
func TestSubFoldersOfClusters(t *testing.T) {
	cluster := func(name string) string {
		return `{"cluster":{"name":"` + name + `","arn":"arn:aws:eks:eu-west-1:111122223333:cluster/` + name + `","version":"1.31","identity":{"oidc":{"issuer":"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC0"}}}}`
	}
	sa := func(role, created string) string {
		return `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app","namespace":"payments","creationTimestamp":"` + created +
			`","annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::111122223333:role/` + role + `"}}}`
	}
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, doc := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("different clusters", func(t *testing.T) {
		dir := write(t, map[string]string{
			"blue/cluster.json": cluster("blue"), "blue/sa.json": sa("old", "2026-01-01T00:00:00Z"),
			"green/cluster.json": cluster("green"), "green/sa.json": sa("new", "2026-02-01T00:00:00Z"),
		})
		r := runCLI(t, "", "analyze", dir)
		if r.code != ExitUsage {
			t.Errorf("exit %d, want 2", r.code)
		}
		oneLineErr(t, r, "the input describes several clusters (blue, green): choose one with --cluster NAME")
	})
	t.Run("the same cluster", func(t *testing.T) {
		dir := write(t, map[string]string{
			"monday/cluster.json": cluster("prod"), "monday/sa.json": sa("old", "2026-01-01T00:00:00Z"),
			"tuesday/cluster.json": cluster("prod"), "tuesday/sa.json": sa("new", "2026-02-01T00:00:00Z"),
		})
		r := runCLI(t, "", "analyze", dir, "-o", "json")
		if r.code == ExitUsage || r.code == ExitError {
			t.Fatalf("exit %d (stderr %q)", r.code, r.stderr)
		}
		res := decode(t, r.stdout)
		if res.Input.Cluster != "prod" {
			t.Errorf("cluster %q, want prod", res.Input.Cluster)
		}
		base := filepath.Base(dir)
		want := finding.Gap{Source: "bundle", Operation: "copies", Resource: "ServiceAccount payments/app",
			Reason: "2 copies that differ: " + filepath.Join(base, "monday", "sa.json") + ", " + filepath.Join(base, "tuesday", "sa.json") +
				"; used " + filepath.Join(base, "tuesday", "sa.json") + ", the newest by creationTimestamp (2026-02-01T00:00:00Z)"}
		if len(res.Gaps) != 1 || res.Gaps[0] != want {
			t.Errorf("gaps %+v, want [%+v]", res.Gaps, want)
		}
	})
}
