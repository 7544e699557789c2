package check

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestIRSA605: the simulator's answers (snapshot.Simulations, as scan
// --simulate writes them) are compared with the local evaluation of the
// captured policies (s3:GetObject on invoices/* allowed, kms:Decrypt not):
// agreement passes, a disagreement fails naming the question, both
// decisions and the simulator's evidence, and without a simulation the
// check is skipped (run scan --simulate, or the simulator's refusal).
func TestIRSA605(t *testing.T) {
	const (
		role = "arn:aws:iam::111122223333:role/payments-invoices-reader"
		obj  = "arn:aws:s3:::invoices/a.pdf"
		key  = "arn:aws:kms:us-west-2:111122223333:key/k1"
	)
	dir := t.TempDir()
	for _, name := range []string{"pod.json", "serviceaccount.json", "role.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/scenarios/irsa601-kms-decrypt-missing", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	qs := []policy.Question{{Action: "s3:GetObject", Resource: obj}, {Action: "kms:Decrypt", Resource: key}}
	src := snapshot.Source{Kind: "aws", Ref: "iam:SimulatePrincipalPolicy"}
	getAllowed := &snapshot.Simulation{RoleARN: role, Action: "s3:GetObject", Resource: obj, Decision: "allow", AWSDecision: "allowed",
		Statements: []string{"arn:aws:iam::111122223333:policy/invoices-read"}, Source: src}
	subj := finding.Subject{Kind: "Pod", Namespace: "payments", Name: "invoices-api-6c9d7b8f5-q7m2x", Container: "invoices-api"}
	for _, tc := range []struct {
		name     string
		sims     []*snapshot.Simulation
		gaps     []snapshot.Gap
		status   finding.Status
		message  string
		evidence []string
		simd     []string // permissions[].simulated
	}{
		{name: "agree", sims: []*snapshot.Simulation{getAllowed,
			{RoleARN: role, Action: "kms:Decrypt", Resource: key, Decision: "implicit-deny", AWSDecision: "implicitDeny", Source: src}},
			status: finding.StatusPass,
			message: "IAM's policy simulator agrees: allowed for s3:GetObject on " + obj + " as " + role + " (asked with --can); " +
				"IAM's policy simulator agrees: implicitDeny for kms:Decrypt on " + key + " as " + role + " (asked with --can)",
			simd: []string{"allow", "implicit-deny"}},
		{name: "disagree", sims: []*snapshot.Simulation{getAllowed,
			{RoleARN: role, Action: "kms:Decrypt", Resource: key, Decision: "allow", AWSDecision: "allowed",
				Statements: []string{"kms-use"}, MissingContext: []string{"kms:ViaService"}, Source: src}},
			status: finding.StatusFail,
			message: "IAM's policy simulator says allowed for kms:Decrypt on " + key + " as " + role +
				", irsa-doctor's evaluation of the captured policies says implicit-deny (asked with --can): the policies changed since the capture, " +
				"the simulator was not given a condition's context, or irsa-doctor's evaluator has a gap (report it at https://github.com/irsa-doctor/irsa-doctor/issues)",
			evidence: []string{"the simulator's allowed for kms:Decrypt on " + key + ": matched statements of kms-use",
				"the simulator was not given the context keys kms:ViaService, which the policies test"},
			simd: []string{"allow", "allow"}},
		{name: "absent", status: finding.StatusSkipped,
			message: "not compared with IAM's policy simulator: s3:GetObject on " + obj + " (asked with --can): not simulated (run scan --simulate); " +
				"kms:Decrypt on " + key + " (asked with --can): not simulated (run scan --simulate)",
			simd: []string{"", ""}},
		{name: "refused", gaps: []snapshot.Gap{{Source: "aws", Operation: "iam:SimulatePrincipalPolicy", Resource: role, Reason: "AccessDenied: no"}},
			status: finding.StatusSkipped,
			message: "not compared with IAM's policy simulator: s3:GetObject on " + obj + " (asked with --can): not simulated: iam:SimulatePrincipalPolicy " + role + ": AccessDenied: no; " +
				"kms:Decrypt on " + key + " (asked with --can): not simulated: iam:SimulatePrincipalPolicy " + role + ": AccessDenied: no",
			simd: []string{"", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Simulations = tc.sims
			s.Gaps = append(s.Gaps, tc.gaps...)
			out := Run(s, Options{Now: ScenarioNow, Questions: qs})
			var got []finding.Finding
			for _, f := range out.Findings {
				if f.CheckID == "IRSA605" {
					got = append(got, f)
				}
			}
			if len(got) != 1 {
				t.Fatalf("IRSA605 findings %+v, want one", got)
			}
			f := got[0]
			if f.Status != tc.status || f.Subject != subj || f.Message != tc.message {
				t.Errorf("IRSA605 %s %+v:\n%s\nwant %s %+v:\n%s", f.Status, f.Subject, f.Message, tc.status, subj, tc.message)
			}
			for _, want := range tc.evidence {
				found := false
				for _, e := range f.Evidence {
					found = found || (e.Value == want && e.Ref == "iam:SimulatePrincipalPolicy")
				}
				if !found {
					t.Errorf("evidence lacks %q: %+v", want, f.Evidence)
				}
			}
			var simd []string
			for _, tg := range out.Targets {
				for _, c := range tg.Containers {
					for _, p := range c.Permissions {
						simd = append(simd, p.Simulated)
					}
				}
			}
			if d := cmp.Diff(tc.simd, simd); d != "" {
				t.Errorf("permissions[].simulated (-want +got):\n%s", d)
			}
		})
	}
}
