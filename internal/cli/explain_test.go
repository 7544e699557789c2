package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
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
		{[]string{"explain", "IRSA104", "-o", "json"}, `--output "json": explain prints a check or topic as text or markdown; json is for an error text`},
		{[]string{"explain", "IRSA104", "-o", "yaml"}, `--output "yaml": explain prints text, markdown or (for an error text) json`},
		{[]string{"explain", "IRSA999"}, `explain: unknown check "IRSA999": did you mean IRSA109 (injection-blocked-by-env)?`},
		{[]string{"explain", "irsa2050"}, `explain: unknown check "irsa2050": did you mean IRSA205 (trust-subject-mismatch)?`},
		{[]string{"explain", "no-such-check", "-o", "text"}, `explain: unknown check "no-such-check"`},
		{[]string{"explain", "trust-subjct-mismatch"}, `did you mean IRSA205 (trust-subject-mismatch)?`},
		// One word is read as a check even when it is an error code.
		{[]string{"explain", "NoCredentialProviders"}, `explain: unknown check "NoCredentialProviders": did you mean`},
		{[]string{"explain"}, "explain needs one check ID or slug"},
		{[]string{"explain", "--error", "Incorrect token audience", "IRSA104"}, "either as --error or as the argument"},
		{[]string{"explain", "-"}, "standard input is empty"},
		{[]string{"explain", "  "}, "the argument is empty"},
		{[]string{"explain", "--error", ""}, "explain --error: the error text is empty"},
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

// TestExplainErrorJSON: an error text, given as the argument, on stdin
// (-) or with --error, prints the contract's document: signature, fields,
// at most 4 candidates with slug, title and why, capture commands filled
// in and quoted.
func TestExplainErrorJSON(t *testing.T) {

	const text = `{"level":"error","msg":"WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: Incorrect token audience\n\tstatus code: 400, request id: 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"}`
	want := errorExplanation{
		SchemaVersion: 1,
		Error: explainedError{
			Text:      "caused by: InvalidIdentityToken: Incorrect token audience",
			Signature: "sts-incorrect-token-audience",
			Fields:    map[string]string{"code": "InvalidIdentityToken", "request_id": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"},
		},
		Candidates: []explainedCandidate{
			{CheckID: "IRSA303", Slug: "provider-audience-missing", Title: check.ByIDOrSlug("IRSA303").Title, Why: "the IAM OIDC provider's ClientIDList lacks the token's audience"},
			{CheckID: "IRSA306", Slug: "token-claims-mismatch", Title: check.ByIDOrSlug("IRSA306").Title, Why: "the token's aud claim differs from what the provider and the role expect"},
		},
		Capture: []string{
			"aws iam list-open-id-connect-providers --output json",
			"aws iam get-open-id-connect-provider --open-id-connect-provider-arn PROVIDER_ARN --output json",
			"kubectl get serviceaccount -n NAMESPACE SERVICE_ACCOUNT -o json",
		},
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
	}{
		{"argument", "", []string{"explain", text, "-o", "json"}},
		{"stdin", "some log line\n" + text + "\nanother\n", []string{"explain", "-", "-o", "json"}},
		{"--error", "", []string{"explain", "--error", text, "--output=json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.stdin, tc.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			var raw map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			keys := []string{}
			for k := range raw {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if diff := cmp.Diff([]string{"candidates", "capture", "error", "schemaVersion"}, keys); diff != "" {
				t.Errorf("top-level keys (-want +got):\n%s", diff)
			}
			var got errorExplanation
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplainErrorCapture: the capture commands are filled in with the
// fields the text carried, quoted for a shell.
func TestExplainErrorCapture(t *testing.T) {
	r := runCLI(t, "", "explain", "-o", "json", "User: arn:aws:sts::111122223333:assumed-role/payments-api/botocore-session-1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/orders because no identity-based policy allows the dynamodb:GetItem action")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var got errorExplanation
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Error.Signature != "denied-pod-role" || len(got.Capture) == 0 || got.Capture[0] != "aws iam get-role --role-name payments-api --output json" {
		t.Errorf("signature %s, capture %q", got.Error.Signature, got.Capture)
	}
	// An SCP deny: no check explains it; candidates is an empty list.
	r = runCLI(t, "", "explain", "-o", "json", "User: arn:aws:sts::111122223333:assumed-role/payments-api/s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy")
	if r.code != 0 || !strings.Contains(r.stdout, `"candidates": []`) || !strings.Contains(r.stdout, `"signature": "denied-outside-input"`) {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
}

// TestExplainErrorText: the text form says what the error means, names
// the candidates with their slugs and the capture commands; what came from
// the input is escaped.
func TestExplainErrorText(t *testing.T) {
	r := runCLIWith(t, Deps{OutIsTerminal: true, Getenv: env("COLUMNS", "200", "NO_COLOR", "1")}, "explain",
		"PermissionError: [Errno 13] Permission denied: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'\x1b[31m")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"The web identity token file cannot be read: permission denied",
		"What it means",
		"IRSA106 token-not-readable",
		"kubectl get pod -n NAMESPACE POD -o json",
		"ls -ln /var/run/secrets/eks.amazonaws.com/serviceaccount/token",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("raw escape in output:\n%q", r.stdout)
	}
}

// TestExplainErrorUnknown: a text no signature knows exits 1 with one
// line, naming the closest signature when there is one.
func TestExplainErrorUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"nothing close", []string{"explain", "the build failed again"}, "explain: not a known IRSA or credentials error"},
		{"closest", []string{"explain", "--error", "sts AssumeRoleWithWebIdentity says I am not allowed"}, `(closest signature: sts-not-authorized-web-identity`},
		{"json", []string{"explain", "-o", "json", "the build failed again"}, "not a known IRSA or credentials error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != ExitFindings || r.stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", r.code, r.stdout, ExitFindings)
			}
			oneLineErr(t, r, tc.want)
		})
	}
}

// TestExplainGuideMessages: each message of AWS's IRSA troubleshooting
// guide, pasted into explain, names the check of its section first.
func TestExplainGuideMessages(t *testing.T) {
	for _, tc := range []struct{ text, first string }{
		{"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: No OpenIDConnect provider found in your account for https://oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", "IRSA302"},
		{"An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity", "IRSA205"},
		{"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience", "IRSA303"},
		{"An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint", "IRSA304"},
		{"PermissionError: [Errno 13] Permission denied: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'", "IRSA106"},
		{"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied", "IRSA106"},
	} {
		t.Run(tc.first, func(t *testing.T) {
			r := runCLI(t, "", "explain", "-o", "json", tc.text)
			var got errorExplanation
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
				t.Fatalf("exit %d, %v: %s%s", r.code, err, r.stdout, r.stderr)
			}
			if len(got.Candidates) == 0 || got.Candidates[0].CheckID != tc.first {
				t.Errorf("candidates %+v, want %s first", got.Candidates, tc.first)
			}
		})
	}
}

// TestExplainStdinTail: from standard input explain keeps the last MiB,
// where a log's latest error is.
func TestExplainStdinTail(t *testing.T) {
	noise := strings.Repeat("INFO nothing to see here, just a long log line\n", 3*symptom.MaxInput/48)
	r := runCLI(t, noise+"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\n", "explain", "-", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"signature": "token-file-permission-denied"`) {
		t.Errorf("exit %d, stderr %q:\n%s", r.code, r.stderr, r.stdout)
	}
}

// TestExplainTailBuffer: written in pieces, the buffer holds the last
// MaxInput bytes, in order.
func TestExplainTailBuffer(t *testing.T) {
	var all []byte
	var tb tailBuffer
	for i := 0; len(all) < 3*symptom.MaxInput; i++ {
		p := []byte(strings.Repeat(string(rune('a'+i%26)), 1+i%4000))
		all = append(all, p...)
		if n, err := tb.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if want := all[len(all)-symptom.MaxInput:]; string(tb.b) != string(want) {
		t.Errorf("tail of %d bytes differs from the last %d written", len(tb.b), len(want))
	}
}
