package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa208 = &Check{
	ID:       "IRSA208",
	Slug:     "trust-explicit-deny",
	Title:    "A Deny statement of the trust policy matches the pod's request",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301, irsa202, irsa203},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA208,
}

func runIRSA208(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA208(c, t, r, d)
	}
}

func judgeIRSA208(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	denies := 0
	for i := range d.Res.Statements {
		s := &d.Res.Statements[i]
		if s.Statement.Effect != policy.Deny {
			continue
		}
		denies++
		if s.Outcome == policy.Match {
			msg := fmt.Sprintf("trust policy denies sub %q: %s", in.Subject, strings.TrimPrefix(d.Res.Explain(), "explicitly denied: "))
			r.Fail(subj, msg, append([]model.Detail{model.TrustPolicyEvidence(in), in.SubjectEvidence(), in.Audience.Evidence()},
				model.TrustFixDetails(c, in, r.Remediation())...)...)
			return
		}
	}
	for i := range d.Res.Statements {
		if s := &d.Res.Statements[i]; s.Statement.Effect == policy.Deny && s.Outcome == policy.Uncertain {
			r.Skip(subj, "whether "+s.Statement.Name()+" denies the request is not known: it "+strings.Join(s.Failures(), "; and "))
			return
		}
	}
	if denies == 0 {
		r.Pass(subj, "trust policy has no Deny statement")
		return
	}
	r.PassFunc(subj, func() (string, []model.Detail) {
		return fmt.Sprintf("no Deny statement of the trust policy applies to sub %q", in.Subject), nil
	})
}
