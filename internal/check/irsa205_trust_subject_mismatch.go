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
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA205,
}

func runIRSA205(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA205(c, t, r, d)
	}
}

func judgeIRSA205(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	v := r.Scratch()
	model.JudgeClaim(c, t, v, d, "sub", r.Remediation())
	r.Record(*v)
}
