package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

var irsa206 = &Check{
	ID:       "IRSA206",
	Slug:     "trust-audience-mismatch",
	Title:    "The trust policy's :aud condition rejects the token's audience",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301, irsa202, irsa203, irsa210},
	IRSA:     true,
	Doc: `The token's ` + "`aud`" + ` is the audience the webhook put in the pod's ` + "`aws-iam-token`" + ` volume: the ServiceAccount's
` + "`eks.amazonaws.com/audience`" + ` annotation, else ` + "`sts.amazonaws.com`" + ` (irsa-facts.md §1.1, §3.4). A trust policy whose
` + "`ISSUER:aud`" + ` condition requires another value (` + "`sts.amazonaws.com.cn`" + `, a regional STS host, a typo, or the
` + "`system:serviceaccount:...`" + ` value meant for ` + "`:sub`" + `) refuses the token:
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + `. The audience is compared as the
pod has it, not inferred from the partition (failure-modes.md #21).`,
	Fix: `Make the ` + "`:aud`" + ` condition admit the token's audience (the corrected policy is in the fix), or change the
ServiceAccount's ` + "`eks.amazonaws.com/audience`" + ` annotation and re-create the pods. The IAM OIDC provider's
ClientIDList must list the same audience (IRSA303).`,
	Subject: model.RoleSubjectOf,
	Run:     runIRSA206,
}

func runIRSA206(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA206(c, t, r, d)
	}
}

func judgeIRSA206(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	var v model.Verdicts
	model.JudgeClaim(c, t, &v, d, "aud", r.Remediation())
	r.Record(v)
}
