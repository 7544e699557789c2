package cli

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestE2EScanCan: scan --can reads the role's identity policies live
// (awscollect.Options.IdentityPolicies) and answers each question for the
// mutated pod's container; without --can (or --cloudtrail) they are not
// read.
func TestE2EScanCan(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-can"
	role := e2eRoleARN("e2e-can-reader")
	const read = "arn:aws:iam::" + awsfake.DefaultAccount + ":policy/e2e-can-read"
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience),
			AttachedPolicies: []string{read},
			InlinePolicies:   map[string]string{"freeze": `{"Version":"2012-10-17","Statement":[{"Sid":"Freeze2026","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::invoices/2026/*"}]}`}}},
		ManagedPolicies: []awsfake.ManagedPolicy{{ARN: read, Document: `{"Version":"2012-10-17","Statement":[{"Sid":"ReadInvoices","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/*"}]}`}},
		Providers:       []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))

	_, _ = e.scan("--pod", ns+"/api")
	if n := e.aws.Count("iam:ListAttachedRolePolicies"); n != 0 {
		t.Errorf("scan without --can read the role's policies (%d ListAttachedRolePolicies)", n)
	}
	e.aws.Reset()
	r, res := e.scan("--pod", ns+"/api", "--can", "s3:GetObject=arn:aws:s3:::invoices/a.pdf", "--can", "s3:GetObject=arn:aws:s3:::invoices/2026/b.pdf")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d (IRSA602): %s", r.code, ExitFindings, r.stderr)
	}
	var got []finding.Permission
	for _, tg := range res.Targets {
		for _, ct := range tg.Containers {
			got = append(got, ct.Permissions...)
		}
	}
	if len(got) != 2 || got[0].Decision != "allow" || got[1].Decision != "explicit-deny" || got[1].CheckID != "IRSA602" ||
		len(got[1].Statements) != 1 || got[1].Statements[0] != (finding.StatementRef{Policy: "inline:freeze", Sid: "Freeze2026"}) {
		t.Errorf("permissions %+v, want allow, then explicit-deny by inline:freeze Freeze2026 (IRSA602)", got)
	}
	for _, a := range []string{"iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion"} {
		if e.aws.Count(a) == 0 {
			t.Errorf("scan --can did not call %s", a)
		}
	}
}
