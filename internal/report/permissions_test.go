package report

import (
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestPermissionsSection: each permission question of each container is
// one line of the text report's Permissions section and the Markdown
// report's, with its answer and the check that fails for it; a value
// from the input is escaped.
func TestPermissionsSection(t *testing.T) {
	r := permissionsResult(
		finding.Permission{Action: "sqs:SendMessage", Decision: "implicit-deny", Asked: "can", CheckID: "IRSA601", Simulated: "implicit-deny"},
		finding.Permission{Action: "sqs:DeleteMessage", Decision: "implicit-deny", Asked: "can", CheckID: "IRSA601", Simulated: "allow"},
		finding.Permission{Action: "sns:Publish", Decision: "unknown", Asked: "can", Reason: "the input lacks\x1b[31m the role's policies"})

	text := string(render(t, r, Options{ASCII: true, Width: 200}))
	want := "\nPermissions:\n" +
		"  Pod payments/api-1 app: s3:GetObject on arn:aws:s3:::invoices/* -- allowed by Sid \"Read\" of policy " + policyARN + "\n" +
		"  Pod payments/api-1 app: s3:GetObject on arn:aws:s3:::invoices/2026/a.pdf (denied in its log) -- denied explicitly by Statement[2] of inline policy \"freeze\" -> IRSA602\n" +
		"  Pod payments/api-1 app: kms:Decrypt on arn:aws:kms:us-west-2:111122223333:key/k1 (denied in a pasted error) -- denied (the permissions boundary does not allow it) -> IRSA603\n" +
		"  Pod payments/api-1 app: sqs:SendMessage -- denied (no statement allows it) -> IRSA601; IAM's policy simulator agrees\n" +
		"  Pod payments/api-1 app: sqs:DeleteMessage -- denied (no statement allows it) -> IRSA601; IAM's policy simulator says allow -> IRSA605\n" +
		"  Pod payments/api-1 app: sns:Publish -- unknown: the input lacks\\x1b[31m the role's policies\n"
	if !strings.Contains(text, want) {
		t.Errorf("text report lacks\n%s\nin:\n%s", want, text)
	}

	md := string(render(t, r, Options{Format: FormatMarkdown}))
	wantMD := "## Permissions\n\n- Pod payments/api-1 app: s3:GetObject on arn:aws:s3:::invoices/\\* — allowed by Sid \"Read\" of policy " + policyARN + "\n"
	if !strings.Contains(md, wantMD) {
		t.Errorf("markdown report lacks\n%s\nin:\n%s", wantMD, md)
	}
}

// policyARN is the managed policy of permissionsResult's answers.
const policyARN = "arn:aws:iam::111122223333:policy/app"

// permissionsResult is a result whose one pod container has three answered
// questions (an allow by a Sid, an explicit deny by an inline policy's
// statement seen in its log, a boundary refusal seen in a pasted error),
// then more.
func permissionsResult(more ...finding.Permission) *finding.Result {
	c := finding.Container{Name: "app", CredentialSource: "web-identity", Permissions: append([]finding.Permission{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::invoices/*", Decision: "allow", Asked: "can",
			Statements: []finding.StatementRef{{Policy: policyARN, Sid: "Read"}}},
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::invoices/2026/a.pdf", Decision: "explicit-deny", Asked: "log", CheckID: "IRSA602",
			Statements: []finding.StatementRef{{Policy: "inline:freeze", Index: 2}}},
		{Action: "kms:Decrypt", Resource: "arn:aws:kms:us-west-2:111122223333:key/k1", Decision: "implicit-deny", Asked: "file", CheckID: "IRSA603"},
	}, more...)}
	tg := podTarget("api-1", "s3-reader", links("pass", "pass", "fail:IRSA601", "pass", "pass"), c)
	return result("offline", nil, []finding.Target{tg}, []finding.Finding{}, []finding.Gap{})
}
