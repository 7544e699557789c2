package check

import (
	"fmt"
	"strings"

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
	After:    afterIAM("IRSA201", "IRSA209", "IRSA301", "IRSA202", "IRSA203"),
	IRSA:     true,
	Doc: `The token's claims reach the trust policy as the condition keys ` + "`ISSUER_HOST_AND_PATH:sub`" + ` and
` + "`ISSUER_HOST_AND_PATH:aud`" + `, the issuer URL without ` + "`https://`" + ` (irsa-facts.md §3.2). A key written with the scheme
(` + "`https://oidc.eks...:sub`" + `), with a trailing slash, with the provider ARN in front
(` + "`arn:aws:iam::...:oidc-provider/oidc.eks...:sub`" + `), or naming another cluster's issuer is absent from the
request: a ` + "`StringEquals`" + ` or ` + "`StringLike`" + ` on it is false, so the statement never applies and STS answers
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + ` without any validation error when
the policy was saved (failure-modes.md #16). IAM compares key names case-insensitively, so a
difference in letter case alone is not reported.`,
	Fix: `Write the keys as this cluster's issuer host and path followed by ` + "`:sub`" + ` and ` + "`:aud`" + `; the corrected policy is in
the fix. Apply it with ` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.`,
	Run: runTrust(judgeIRSA204),
}

func judgeIRSA204(c *Context, t *Target, r *Recorder, d *trustDiag) {
	in := d.in
	subj := in.WebIdentity.Role.Subject()
	if d.focus == nil {
		r.Skip(subj, noAllowReason(in))
		return
	}
	var bad []trustCond
	for _, cd := range d.conds {
		if !cd.misnamed {
			continue
		}
		switch cd.res.Outcome {
		case policy.NoMatch:
			bad = append(bad, cd)
		case policy.Uncertain:
			r.Skip(subj, fmt.Sprintf("%s %s", d.focusName(), cd.res.Why))
			return
		}
	}
	hp := in.Issuer.HostPath
	if len(bad) == 0 {
		var ours []string
		for _, cd := range d.conds {
			if !cd.misnamed && cd.claim != "" {
				ours = appendUnique(ours, cd.res.Key)
			}
		}
		if len(ours) == 0 {
			r.Pass(subj, fmt.Sprintf("%s tests no condition key of another issuer", d.focusName()))
			return
		}
		r.Pass(subj, fmt.Sprintf("%s tests the issuer's own keys: %s", d.focusName(), strings.Join(ours, ", ")))
		return
	}
	var keys []string
	for _, cd := range bad {
		keys = appendUnique(keys, fmt.Sprintf("%q", cd.res.Key))
	}
	noun, verb := "condition key", "never matches"
	if len(keys) > 1 {
		noun, verb = "condition keys", "never match"
	}
	first := bad[0].res.Key
	prefix := first[:strings.LastIndexByte(first, ':')]
	r.Fail(subj, fmt.Sprintf("%s %s of %s %s: the token's keys are %s:sub and %s:aud%s",
		noun, strings.Join(keys, " and "), d.focusName(), verb, hp, hp, likelyCause(issuerDiff(prefix, in.WebIdentity, true))),
		append([]Detail{trustPolicyEvidence(in), in.Issuer.Evidence(), Ev(in.RoleFact.Source, d.focusName()+" "+bad[0].res.Why)},
			trustFixDetails(c, in, r)...)...)
}
