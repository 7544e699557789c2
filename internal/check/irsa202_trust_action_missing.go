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
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA202,
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
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("%s allows %s", d.FocusName(), policy.WebIdentityAction), nil
		})
	}
}
