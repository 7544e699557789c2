package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa202 = &Check{
	ID:       "IRSA202",
	Slug:     "trust-action-missing",
	Title:    "The role's trust policy does not allow sts:AssumeRoleWithWebIdentity",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301},
	IRSA:     true,
	Doc: `A pod's SDK exchanges its projected token for credentials with ` + "`sts:AssumeRoleWithWebIdentity`" + `
(irsa-facts.md §3.1). A trust policy statement written for ` + "`sts:AssumeRole`" + ` (EC2, another account,
EKS Pod Identity's ` + "`pods.eks.amazonaws.com`" + `) does not allow it, and STS answers
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + `.

The check judges the statement that comes closest to admitting the pod's request (the one that
trusts the cluster's OIDC provider, if any): it fails when that statement's ` + "`Action`" + ` does not match
` + "`sts:AssumeRoleWithWebIdentity`" + ` (wildcards such as ` + "`sts:AssumeRole*`" + ` count, as IAM evaluates them), or
when the policy has no Allow statement at all.`,
	Fix: `Add ` + "`sts:AssumeRoleWithWebIdentity`" + ` to the statement's ` + "`Action`" + `; the corrected policy is in the fix, to apply with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.
Trust policy changes take effect without restarting pods.`,
	Subject: model.RoleSubjectOf,
	Run:     runIRSA202,
}

func runIRSA202(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA202(c, t, r, d)
	}
}

func judgeIRSA202(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	switch {
	case d.State == model.FocusNone:
		r.Fail(subj, fmt.Sprintf("trust policy has no Allow statement, so nothing allows %s", policy.WebIdentityAction),
			append([]model.Detail{model.TrustPolicyEvidence(in)}, model.TrustFixDetails(c, in, r.Remediation())...)...)
	case d.State == model.FocusMisses && d.Focus.Action.Outcome == policy.NoMatch:
		r.Fail(subj, fmt.Sprintf("trust policy does not allow %s: %s %s", policy.WebIdentityAction, d.FocusName(), d.Focus.Action.Why),
			append([]model.Detail{model.TrustPolicyEvidence(in)}, model.TrustFixDetails(c, in, r.Remediation())...)...)
	default:
		r.Pass(subj, fmt.Sprintf("%s allows %s", d.FocusName(), policy.WebIdentityAction))
	}
}
