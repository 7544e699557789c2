package check

import (
	"fmt"

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
	After:    afterIAM("IRSA201", "IRSA209", "IRSA301"),
	IRSA:     true,
	Doc: `STS evaluates the trust policy for the principal
` + "`arn:PARTITION:iam::ROLE_ACCOUNT:oidc-provider/ISSUER_HOST_AND_PATH`" + `: the IAM OIDC provider of the
token's issuer in the role's own account (irsa-facts.md §3.1; "the OIDC IdP and the IAM role must be
in the same AWS account", §2). A ` + "`Federated`" + ` principal that names anything else never matches, and STS
answers ` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + `.

The message names the likely cause: another cluster's ID (the role was written for another cluster,
or for this one before it was re-created), another region, another account (a cross-account role
must trust the provider created in its own account), another partition, the host order
` + "`oidc.REGION.eks`" + ` instead of ` + "`oidc.eks.REGION`" + `, or the issuer URL's ` + "`https://`" + ` kept in the ARN.`,
	Fix: `Trust the provider of this cluster's issuer in the role's account; the corrected policy is in the fix
(a provider of this cluster's issuer misspelled is replaced; another cluster's is kept, and a copy of
the statement trusts this one). Apply it with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.`,
	Run: runTrust(judgeIRSA203),
}

func judgeIRSA203(c *Context, t *Target, r *Recorder, d *trustDiag) {
	in := d.in
	subj := in.WebIdentity.Role.Subject()
	ev := []Detail{trustPolicyEvidence(in), in.ProviderEvidence(), in.Issuer.Evidence()}
	switch {
	case d.state == focusNone:
		r.Fail(subj, fmt.Sprintf("trust policy has no Allow statement, so it trusts no OIDC provider; the request comes from Federated %q", in.ProviderARN),
			append(ev, trustFixDetails(c, in, r)...)...)
		return
	case d.focus.Principal.Outcome == policy.Uncertain:
		r.Skip(subj, fmt.Sprintf("%s %s", d.focusName(), d.focus.Principal.Why))
		return
	case d.state == focusMisses && d.focus.Principal.Outcome == policy.NoMatch:
	default:
		trusts := "every principal (\"*\")"
		if p := d.focus.Statement.Principal; p != nil && !p.Any {
			trusts = fmt.Sprintf("Federated %q", in.ProviderARN)
		}
		r.Pass(subj, fmt.Sprintf("%s trusts %s", d.focusName(), trusts))
		return
	}
	var cause []string
	if p := d.focus.Statement.Principal; p != nil {
		for _, e := range p.Entries {
			if e.Type == policy.PrincipalFederated {
				if cause = issuerDiff(e.Value, in.WebIdentity, false); len(cause) > 0 {
					break
				}
			}
		}
		if !hasFederated(p) {
			cause = []string{"the statement names no Federated principal"}
		}
	}
	r.Fail(subj, fmt.Sprintf("trust policy does not trust the cluster's OIDC provider: %s %s%s", d.focusName(), d.focus.Principal.Why, likelyCause(cause)),
		append(ev, trustFixDetails(c, in, r)...)...)
}

func hasFederated(p *policy.Principals) bool {
	for _, e := range p.Entries {
		if e.Type == policy.PrincipalFederated {
			return true
		}
	}
	return false
}
