package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

var irsa205 = &Check{
	ID:       "IRSA205",
	Slug:     "trust-subject-mismatch",
	Title:    "The trust policy's :sub condition rejects the service account",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301, irsa202, irsa203, irsa210},
	IRSA:     true,
	Doc: `The projected token's ` + "`sub`" + ` is ` + "`system:serviceaccount:NAMESPACE:NAME`" + ` (irsa-facts.md §1.8), and the
trust policy's ` + "`ISSUER:sub`" + ` condition must admit exactly that string: values compare
case-sensitively, ` + "`StringEquals`" + ` literally, ` + "`StringLike`" + ` with ` + "`*`" + ` and ` + "`?`" + `. A namespace or service account name
that differs (a typo, a renamed namespace, a chart that names its service account differently, the
` + "`:sub`" + ` and ` + "`:aud`" + ` values swapped) makes STS answer
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + `. The message says which part
differs. A condition under a misspelled key (IRSA204) is judged as if its key were right.`,
	Fix: `Make the ` + "`:sub`" + ` condition admit this service account; the corrected policy in the fix corrects the one wrong
value (a namespace or name typo) or, when the value names another service account, adds this one,
and admits nothing broader. Apply it with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.`,
	Subject: model.RoleSubjectOf,
	Run:     runIRSA205,
}

func runIRSA205(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA205(c, t, r, d)
	}
}

func judgeIRSA205(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	var v model.Verdicts
	model.JudgeClaim(c, t, &v, d, "sub", r.Remediation())
	r.Record(v)
}
