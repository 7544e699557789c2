package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExamples runs analyze on every bundled example, as the README does,
// and asserts the exit code and the exact failing findings.
func TestExamples(t *testing.T) {
	want := map[string][]string{
		"healthy": nil,
		// The consequence, the node role through IMDS (IRSA407), is blocked
		// by its cause.
		"pod-not-mutated":           {"IRSA104 error Pod payments/api-7d9f8b6c5-q8w3z", "IRSA104 error Pod payments/api-7d9f8b6c5-x2k4p"},
		"annotation-typo":           {"IRSA102 error ServiceAccount payments/s3-reader"},
		"role-arn-malformed":        {"IRSA103 error ServiceAccount payments/s3-reader"},
		"service-account-not-found": {"IRSA101 error Deployment payments/api"},
		"static-credentials":        {"IRSA110 error Deployment payments/api container api"},
		"token-not-readable":        {"IRSA106 error Deployment payments/api container api", "IRSA106 error Deployment payments/api container log-shipper"},
		"trust-subject-mismatch":    {"IRSA205 error IAMRole payments-s3-reader"},
		"oidc-provider-missing":     {"IRSA302 error OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C8D2E7A9B41F3D6E0A1B2C3D4E5F607"},
		"stringequals-wildcard":     {"IRSA210 error IAMRole payments-s3-reader"},
		// EKS Pod Identity: the association's role trusts pods.eks.amazonaws.com,
		// the agent is ready on the pods' node, the node role allows
		// eks-auth:AssumeRoleForPodIdentity: nothing to report.
		"pod-identity-healthy": nil,
		// A trust policy allowing sts:AssumeRole only: EKS Auth tags the
		// session, so it needs sts:TagSession too (docs/reference/pod-identity.md).
		"pod-identity-trust-missing-tagsession": {"IRSA404 error IAMRole payments-s3-reader"},
		// IRSA works, and the pod's log shows an AccessDenied on an object
		// of a bucket its role's policy names without "/*".
		"role-lacks-permission": {"IRSA601 error Pod payments/api-6c9d7b8f5-q7m2x container app"},
	}
	dirs, err := os.ReadDir("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, ok := want[d.Name()]; !ok {
			t.Errorf("examples/%s has no expectation in TestExamples", d.Name())
		}
	}
	for name, fails := range want {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, "", "analyze", filepath.Join("../../examples", name), "-o", "json")
			wantCode := ExitOK
			if len(fails) > 0 {
				wantCode = ExitFindings
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d; stderr %q", r.code, wantCode, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing (every example file is recognised)", r.stderr)
			}
			res := decode(t, r.stdout)
			var got []string
			for _, f := range res.Findings {
				if f.Status == "fail" {
					got = append(got, strings.TrimSpace(f.CheckID+" "+string(f.Severity)+" "+f.Subject.String()))
				}
			}
			sort.Strings(got)
			if diff := cmp.Diff(fails, got); diff != "" {
				t.Errorf("failing findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBrokenExampleText is what the README's first command shows: the
// broken link with the compared values and the fix to paste.
func TestBrokenExampleText(t *testing.T) {
	r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{
		"Deployment payments/api and 2 pods  irsa       P   P        F     P     P       IRSA205",
		`"system:serviceaccount:payment:s3-reader"`,
		`"system:serviceaccount:payments:s3-reader"`,
		"aws iam update-assume-role-policy --role-name payments-s3-reader --policy-document file://payments-s3-reader.trust-policy.json",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour codes without a terminal")
	}
}

func TestFixDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fixes")
	r := runCLI(t, "", "analyze", "../../examples/trust-subject-mismatch", "--fix-dir", dir, "-o", "json")
	if r.code != ExitFindings {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stderr != "irsa-doctor: wrote 3 files to "+dir+" (review fix.sh before running it)\n" {
		t.Errorf("stderr = %q", r.stderr)
	}
	script, err := os.ReadFile(filepath.Join(dir, "fix.sh"))
	if err != nil {
		t.Fatal(err)
	}
	// The preamble byte for byte, then each finding's files (here-documents
	// with a quoted delimiter) and commands: the guard that the trust
	// policy in IAM is still the one the fix was computed from, then the
	// update.
	fileOf := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return "cat > " + name + " <<'IRSA_DOCTOR_EOF'\n" + string(b) + "IRSA_DOCTOR_EOF\n"
	}
	want := FixScriptPreamble + "\n# IRSA205 trust-subject-mismatch: IAMRole payments-s3-reader\n" +
		fileOf("payments-s3-reader.trust-policy.json") + fileOf("payments-s3-reader.trust-policy.before.json") +
		"require_trust_policy payments-s3-reader payments-s3-reader.trust-policy.before.json\n" +
		"aws iam update-assume-role-policy --role-name payments-s3-reader --policy-document file://payments-s3-reader.trust-policy.json\n"
	if string(script) != want {
		t.Errorf("fix.sh = %q, want %q", script, want)
	}
	before, err := os.ReadFile(filepath.Join(dir, "payments-s3-reader.trust-policy.before.json"))
	if err != nil || !strings.Contains(string(before), `"system:serviceaccount:payment:s3-reader"`) {
		t.Errorf("the document the fix was computed from is not beside fix.sh: %q, %v", before, err)
	}
	policy, err := os.ReadFile(filepath.Join(dir, "payments-s3-reader.trust-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := decode(t, r.stdout)
	var content string
	for _, f := range res.Findings {
		if f.CheckID == "IRSA205" && f.Fix != nil && len(f.Fix.Files) == 2 {
			content = f.Fix.Files[0].Content
		}
	}
	if content == "" || strings.TrimRight(string(policy), "\n") != strings.TrimRight(content, "\n") {
		t.Errorf("written policy differs from the finding's fix file:\n%s\n---\n%s", policy, content)
	}
	if !strings.Contains(string(policy), `"system:serviceaccount:payments:s3-reader"`) || strings.Contains(string(policy), `"system:serviceaccount:payment:s3-reader"`) {
		t.Errorf("corrected policy does not admit payments/s3-reader only:\n%s", policy)
	}
}

// TestPodIdentityExamples: the healthy EKS Pod Identity bundle holds every
// fact the Pod Identity checks need, so nothing is even skipped; the broken
// one carries the user's own trust policy with sts:TagSession added, and
// nothing broader.
func TestPodIdentityExamples(t *testing.T) {
	t.Run("pod-identity-healthy", func(t *testing.T) {
		r := runCLI(t, "", "analyze", "../../examples/pod-identity-healthy", "-o", "json")
		if r.code != ExitOK {
			t.Fatalf("exit %d, want 0; stderr %q", r.code, r.stderr)
		}
		res := decode(t, r.stdout)
		for _, f := range res.Findings {
			t.Errorf("finding %s %s on %s: %s", f.CheckID, f.Status, f.Subject.String(), f.Message)
		}
		var mechanisms []string
		for _, tg := range res.Targets {
			mechanisms = append(mechanisms, tg.Kind+" "+tg.Name+" "+tg.Mechanism)
			for _, c := range tg.Containers {
				if c.Name != "api" || c.CredentialSource != "container" {
					t.Errorf("%s %s: container %s uses %q, want api using container credentials", tg.Kind, tg.Name, c.Name, c.CredentialSource)
				}
			}
		}
		sort.Strings(mechanisms)
		want := []string{"Deployment api pod-identity", "Pod api-5b8c6d9f7-c4n8w pod-identity", "Pod api-5b8c6d9f7-r7j2f pod-identity"}
		if diff := cmp.Diff(want, mechanisms); diff != "" {
			t.Errorf("targets (-want +got):\n%s", diff)
		}
	})
	t.Run("pod-identity-trust-missing-tagsession", func(t *testing.T) {
		r := runCLI(t, "", "analyze", "../../examples/pod-identity-trust-missing-tagsession", "-o", "json")
		if r.code != ExitFindings {
			t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
		}
		res := decode(t, r.stdout)
		if len(res.Findings) != 1 {
			t.Fatalf("got %d findings, want IRSA404 alone: %+v", len(res.Findings), res.Findings)
		}
		f := res.Findings[0]
		wantMsg := `the trust policy of role payments-s3-reader does not allow pods.eks.amazonaws.com sts:TagSession: implicitly denied: ` +
			`statement "AllowEksAuthToAssumeRoleForPodIdentity" allows action "sts:AssumeRole"; the request is for "sts:TagSession"`
		if f.CheckID != "IRSA404" || f.Message != wantMsg {
			t.Errorf("finding %s %q, want IRSA404 %q", f.CheckID, f.Message, wantMsg)
		}
		if f.Fix == nil || len(f.Fix.Files) != 2 || f.Fix.Files[1].Name != "payments-s3-reader.trust-policy.before.json" {
			t.Fatalf("fix = %+v, want one corrected trust policy, and the document it was computed from", f.Fix)
		}
		wantCmds := []string{"require_trust_policy payments-s3-reader payments-s3-reader.trust-policy.before.json",
			"aws iam update-assume-role-policy --role-name payments-s3-reader --policy-document file://payments-s3-reader.trust-policy.json"}
		if diff := cmp.Diff(wantCmds, f.Fix.Commands); diff != "" {
			t.Errorf("fix commands (-want +got):\n%s", diff)
		}
		wantPolicy := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`
		if got := f.Fix.Files[0]; got.Name != "payments-s3-reader.trust-policy.json" || got.Content != wantPolicy {
			t.Errorf("fix file %s:\n%s\nwant payments-s3-reader.trust-policy.json:\n%s", got.Name, got.Content, wantPolicy)
		}
	})
}

// TestFixDirHealthy: a healthy input writes no script, and says so.
func TestFixDirHealthy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fixes")
	r := runCLI(t, "", "analyze", "../../examples/healthy", "--fix-dir", dir, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stderr != "irsa-doctor: no fixes to write\n" {
		t.Errorf("stderr = %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "fix.sh")); !os.IsNotExist(err) {
		t.Errorf("fix.sh written for a healthy input: %v", err)
	}
}
