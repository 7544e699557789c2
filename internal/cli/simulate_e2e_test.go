package cli

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestE2EScanSimulate: scan --can ... --simulate asks IAM's policy
// simulator (the fake answers from the test's table, not from
// internal/policy) the questions of the pod's role in one call, and
// IRSA605 fails for exactly the question on which the simulator and the
// local evaluation disagree; permissions[].simulated carries the
// simulator's decisions. With iam:SimulatePrincipalPolicy denied, the
// refusal is a gap, the local answers stand and IRSA605 is skipped.
func TestE2EScanSimulate(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-simulate"
	role := e2eRoleARN("e2e-sim-reader")
	const (
		read = "arn:aws:iam::" + awsfake.DefaultAccount + ":policy/e2e-sim-read"
		a    = "arn:aws:s3:::invoices/a.pdf"
		b    = "arn:aws:s3:::invoices/2026/b.pdf"
	)
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience),
			AttachedPolicies: []string{read},
			InlinePolicies:   map[string]string{"freeze": `{"Version":"2012-10-17","Statement":[{"Sid":"Freeze2026","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::invoices/2026/*"}]}`}}},
		ManagedPolicies: []awsfake.ManagedPolicy{{ARN: read, Document: `{"Version":"2012-10-17","Statement":[{"Sid":"ReadInvoices","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/*"}]}`}},
		Providers:       []awsfake.OIDCProvider{e2eGoodProvider(c)},
		// The simulator's table: a.pdf as the local evaluator decides it
		// (allowed), b.pdf not (the local evaluator finds the Deny).
		Simulations: []awsfake.Simulation{
			{PolicySourceARN: role, Action: "s3:GetObject", Resource: a, Decision: "allowed",
				Statements: []awsfake.MatchedStatement{{SourcePolicyID: "e2e-sim-read", SourcePolicyType: "user-managed"}}},
			{PolicySourceARN: role, Action: "s3:GetObject", Resource: b, Decision: "allowed",
				Statements: []awsfake.MatchedStatement{{SourcePolicyID: "e2e-sim-read", SourcePolicyType: "user-managed"}}, MissingContext: []string{"aws:SourceVpce"}},
		},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))
	args := []string{"--pod", ns + "/api", "--can", "s3:GetObject=" + a, "--can", "s3:GetObject=" + b, "--simulate"}

	// Without a question, --simulate makes no call.
	_, _ = e.scan("--pod", ns+"/api", "--simulate")
	if n := e.aws.Count("iam:SimulatePrincipalPolicy"); n != 0 {
		t.Errorf("scan --simulate without a question called the simulator %d times", n)
	}
	e.aws.Reset()

	r, res := e.scan(args...)
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s", r.code, ExitFindings, r.stderr)
	}
	var calls []url.Values
	for _, cl := range e.aws.Log() {
		if cl.Action == "iam:SimulatePrincipalPolicy" {
			f := url.Values{}
			for k, v := range cl.Form {
				if k != "Action" && k != "Version" {
					f[k] = v
				}
			}
			calls = append(calls, f)
		}
	}
	wantCalls := []url.Values{{"PolicySourceArn": {role}, "ActionNames.member.1": {"s3:GetObject"},
		"ResourceArns.member.1": {a}, "ResourceArns.member.2": {b}}}
	if d := cmp.Diff(wantCalls, calls); d != "" {
		t.Errorf("simulator calls (-want +got):\n%s", d)
	}
	var perms []finding.Permission
	for _, tg := range res.Targets {
		for _, ct := range tg.Containers {
			perms = append(perms, ct.Permissions...)
		}
	}
	type ans struct{ Resource, Decision, Simulated string }
	var got []ans
	for _, p := range perms {
		got = append(got, ans{p.Resource, p.Decision, p.Simulated})
	}
	if d := cmp.Diff([]ans{{a, "allow", "allow"}, {b, "explicit-deny", "allow"}}, got); d != "" {
		t.Errorf("permissions (-want +got):\n%s", d)
	}
	var irsa605 []finding.Finding
	for _, f := range res.Findings {
		if f.CheckID == "IRSA605" {
			irsa605 = append(irsa605, f)
		}
	}
	wantMsg := "IAM's policy simulator says allowed for s3:GetObject on " + b + " as " + role +
		", irsa-doctor's evaluation of the captured policies says explicit-deny (asked with --can): the policies changed since the capture, " +
		"the simulator was not given a condition's context, or irsa-doctor's evaluator has a gap (report it at https://github.com/irsa-doctor/irsa-doctor/issues)"
	if len(irsa605) != 1 || irsa605[0].Status != finding.StatusFail || irsa605[0].Message != wantMsg || irsa605[0].Subject.Container != "app" {
		t.Errorf("IRSA605 findings %+v, want one failure for container app:\n%s", irsa605, wantMsg)
	} else {
		ev := ""
		for _, x := range irsa605[0].Evidence {
			ev += x.Value + "\n"
		}
		for _, w := range []string{"the simulator's allowed for s3:GetObject on " + b + ": matched statements of e2e-sim-read",
			"the simulator was not given the context keys aws:SourceVpce, which the policies test",
			`irsa-doctor's explicit-deny for s3:GetObject on ` + b + `: decided by the statement Sid "Freeze2026" of inline policy "freeze"`} {
			if !strings.Contains(ev, w+"\n") {
				t.Errorf("IRSA605 evidence lacks %q:\n%s", w, ev)
			}
		}
	}

	// The simulator refused: a gap naming the optional statement; the
	// local answers stand; IRSA605 skipped.
	e.aws.Reset()
	e.aws.Deny("iam:SimulatePrincipalPolicy", "")
	r, res = e.scan(args...)
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d (IRSA602): %s", r.code, ExitFindings, r.stderr)
	}
	if n := e.aws.Count("iam:SimulatePrincipalPolicy"); n != 1 {
		t.Errorf("%d simulator calls, want 1 (a refusal stops the rest)", n)
	}
	var gap *finding.Gap
	for i, g := range res.Gaps {
		if g.Operation == "iam:SimulatePrincipalPolicy" {
			gap = &res.Gaps[i]
		}
	}
	if gap == nil || gap.Resource != role || !strings.HasPrefix(gap.Reason, "AccessDenied: ") || !strings.Contains(gap.Reason, "IrsaDoctorSimulateOptional") {
		t.Errorf("simulator gap %+v, want AccessDenied on %s naming IrsaDoctorSimulateOptional (all gaps %+v)", gap, role, res.Gaps)
	}
	got = nil
	for _, tg := range res.Targets {
		for _, ct := range tg.Containers {
			for _, p := range ct.Permissions {
				got = append(got, ans{p.Resource, p.Decision, p.Simulated})
			}
		}
	}
	if d := cmp.Diff([]ans{{a, "allow", ""}, {b, "explicit-deny", ""}}, got); d != "" {
		t.Errorf("permissions with the simulator refused (-want +got):\n%s", d)
	}
	irsa605 = nil
	for _, f := range res.Findings {
		if f.CheckID == "IRSA605" {
			irsa605 = append(irsa605, f)
		}
	}
	if len(irsa605) != 1 || irsa605[0].Status != finding.StatusSkipped ||
		!strings.HasPrefix(irsa605[0].Message, "not compared with IAM's policy simulator: s3:GetObject on "+a+" (asked with --can): not simulated: AccessDenied: ") {
		t.Errorf("IRSA605 findings %+v, want one skipped naming the refusal", irsa605)
	}
}
