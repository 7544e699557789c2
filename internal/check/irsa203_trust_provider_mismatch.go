package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa203 = &Check{
	ID:       "IRSA203",
	Slug:     "trust-provider-mismatch",
	Title:    "The role's trust policy does not trust the cluster's OIDC provider",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA203,
}

func runIRSA203(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA203(c, t, r, d)
	}
}

func judgeIRSA203(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	// Built for a failure only: the policy's text is as long as the list
	// of service accounts it trusts.
	ev := func() []model.Detail {
		return []model.Detail{model.TrustPolicyEvidence(in), in.ProviderEvidence(), in.Issuer.Evidence()}
	}
	switch {
	case d.State == model.FocusNone:
		r.Fail(subj, fmt.Sprintf("trust policy has no Allow statement, so it trusts no OIDC provider; the request comes from Federated %q", in.ProviderARN),
			append(ev(), model.TrustFixDetails(c, in, r.Remediation())...)...)
		return
	case d.Focus.Principal.Outcome == policy.Uncertain:
		r.Skip(subj, fmt.Sprintf("%s %s", d.FocusName(), d.Focus.Principal.Why))
		return
	case d.State == model.FocusMisses && d.Focus.Principal.Outcome == policy.NoMatch:
	default:
		r.PassFunc(subj, func() (string, []model.Detail) {
			trusts := "every principal (\"*\")"
			if p := d.Focus.Statement.Principal; p != nil && !p.Any {
				trusts = fmt.Sprintf("Federated %q", in.ProviderARN)
			}
			return fmt.Sprintf("%s trusts %s", d.FocusName(), trusts), nil
		})
		return
	}
	var cause []string
	if p := d.Focus.Statement.Principal; p != nil {
		for _, e := range p.Entries {
			if e.Type == policy.PrincipalFederated {
				if cause = model.IssuerDiff(e.Value, *in.WebIdentity, false); len(cause) > 0 {
					break
				}
			}
		}
		if !hasFederated(p) {
			cause = []string{"the statement names no Federated principal"}
		}
	}
	r.Fail(subj, fmt.Sprintf("trust policy does not trust the cluster's OIDC provider: %s %s%s", d.FocusName(), d.Focus.Principal.Why, model.LikelyCause(cause)),
		append(ev(), model.TrustFixDetails(c, in, r.Remediation())...)...)
}

func hasFederated(p *policy.Principals) bool {
	for _, e := range p.Entries {
		if e.Type == policy.PrincipalFederated {
			return true
		}
	}
	return false
}
