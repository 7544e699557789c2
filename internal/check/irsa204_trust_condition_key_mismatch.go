package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa204 = &Check{
	ID:       "IRSA204",
	Slug:     "trust-condition-key-mismatch",
	Title:    "A trust policy condition key names another issuer, so it never matches",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301, irsa202, irsa203},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA204,
}

func runIRSA204(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA204(c, t, r, d)
	}
}

func judgeIRSA204(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	if d.Focus == nil {
		r.Skip(subj, model.NoAllowReason(in))
		return
	}
	var bad []model.TrustCond
	for _, cd := range d.Conds {
		if !cd.Misnamed {
			continue
		}
		switch cd.Res.Outcome {
		case policy.NoMatch:
			bad = append(bad, cd)
		case policy.Uncertain:
			r.Skip(subj, fmt.Sprintf("%s %s", d.FocusName(), cd.Res.Why))
			return
		}
	}
	hp := in.Issuer.HostPath
	if len(bad) == 0 {
		var ours []string
		for _, cd := range d.Conds {
			if !cd.Misnamed && cd.Claim != "" {
				ours = model.AppendUnique(ours, cd.Res.Key)
			}
		}
		if len(ours) == 0 {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("%s tests no condition key of another issuer", d.FocusName()), nil
			})
			return
		}
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("%s tests the issuer's own keys: %s", d.FocusName(), strings.Join(ours, ", ")), nil
		})
		return
	}
	var keys []string
	for _, cd := range bad {
		keys = model.AppendUnique(keys, fmt.Sprintf("%q", cd.Res.Key))
	}
	noun, verb := "condition key", "never matches"
	if len(keys) > 1 {
		noun, verb = "condition keys", "never match"
	}
	first := bad[0].Res.Key
	prefix := first[:strings.LastIndexByte(first, ':')]
	r.Fail(subj, fmt.Sprintf("%s %s of %s %s: the token's keys are %s:sub and %s:aud%s",
		noun, strings.Join(keys, " and "), d.FocusName(), verb, hp, hp, model.LikelyCause(model.IssuerDiff(prefix, *in.WebIdentity, true))),
		append([]model.Detail{model.TrustPolicyEvidence(in), in.Issuer.Evidence(), model.Ev(in.RoleFact.Source, d.FocusName()+" "+bad[0].Res.Why)},
			model.TrustFixDetails(c, in, r.Remediation())...)...)
}
