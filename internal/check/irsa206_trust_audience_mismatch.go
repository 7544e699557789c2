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
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA206,
}

func runIRSA206(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA206(c, t, r, d)
	}
}

func judgeIRSA206(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	v := r.Scratch()
	model.JudgeClaim(c, t, v, d, "aud", r.Remediation())
	r.Record(*v)
}
