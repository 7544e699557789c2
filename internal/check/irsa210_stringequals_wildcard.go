package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa210 = &Check{
	ID:       "IRSA210",
	Slug:     "stringequals-wildcard",
	Title:    "A * or ? under StringEquals is compared literally",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	After:    afterIAM("IRSA201", "IRSA209", "IRSA301", "IRSA202", "IRSA203"),
	IRSA:     true,
	Doc: `Only ` + "`StringLike`" + ` (and ` + "`StringNotLike`" + `) treat ` + "`*`" + ` and ` + "`?`" + ` as wildcards; under ` + "`StringEquals`" + ` they are
plain characters, so ` + "`\"system:serviceaccount:crossplane-system:provider-aws-*\"`" + ` matches only a service
account literally named ` + "`provider-aws-*`" + `, and STS answers
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + ` (irsa-facts.md §3.2;
failure-modes.md #13). The check fails only when that value is what refuses this request and would
admit it as a pattern: the wildcard was surely meant as one.`,
	Fix: `Move the key to ` + "`StringLike`" + `, as the EKS documentation does for namespace-wide access; the corrected policy
is in the fix. Apply it with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.`,
	Run: runTrust(judgeIRSA210),
}

func judgeIRSA210(c *Context, t *Target, r *Recorder, d *trustDiag) {
	in := d.in
	subj := in.WebIdentity.Role.Subject()
	if d.focus == nil {
		r.Skip(subj, noAllowReason(in))
		return
	}
	var literal []trustCond
	for _, cd := range d.conds {
		if cd.as.Base != "StringEquals" && cd.as.Base != "StringEqualsIgnoreCase" {
			continue
		}
		if !hasWildcard(cd.as.Values) {
			continue
		}
		actual, known := claimValue(in, cd.claim)
		if !known {
			if cd.claim == "sub" || cd.claim == "aud" {
				r.Skip(subj, fmt.Sprintf("%s compares %s with %s %s, and the token's value is not known", d.focusName(), cd.as.Key, cd.as.Operator, quoteAll(cd.as.Values)[0]))
				return
			}
			continue
		}
		if cd.as.Outcome == policy.NoMatch {
			if p := wildcardMatch(cd.as.Values, actual, cd.as.Base == "StringEqualsIgnoreCase"); p != "" {
				r.Fail(subj, fmt.Sprintf("%s compares %s with %s %q, which IAM reads literally: under StringEquals * and ? are plain characters, so %q does not match; as a StringLike pattern it would",
					d.focusName(), cd.as.Key, cd.as.Operator, p, actual),
					append([]Detail{trustPolicyEvidence(in), claimEvidence(in, cd.claim)}, trustFixDetails(c, in, r)...)...)
				return
			}
		}
		literal = append(literal, cd)
	}
	if len(literal) == 0 {
		r.Pass(subj, fmt.Sprintf("%s has no * or ? under StringEquals", d.focusName()))
		return
	}
	cd := literal[0]
	actual, _ := claimValue(in, cd.claim)
	var vals []string
	for _, v := range cd.as.Values {
		if strings.ContainsAny(v, "*?") {
			vals = append(vals, v)
		}
	}
	if cd.as.Outcome == policy.Match {
		r.Pass(subj, fmt.Sprintf("%s compares %s with %s %s literally, and another of its values admits %q", d.focusName(), cd.as.Key, cd.as.Operator, strings.Join(quoteAll(vals), ", "), actual))
		return
	}
	r.Pass(subj, fmt.Sprintf("%s compares %s with %s %s literally, but as a pattern it would not admit %q either", d.focusName(), cd.as.Key, cd.as.Operator, strings.Join(quoteAll(vals), ", "), actual))
}

func hasWildcard(values []string) bool {
	for _, v := range values {
		if strings.ContainsAny(v, "*?") {
			return true
		}
	}
	return false
}

// claimValue is the token's value of a claim the checks know.
func claimValue(in *trustInput, claim string) (string, bool) {
	switch claim {
	case "sub":
		return in.Subject, true
	case "aud":
		return in.Audience.Value, in.Audience.Known
	}
	return "", false
}

func claimEvidence(in *trustInput, claim string) Detail {
	if claim == "aud" {
		return in.Audience.Evidence()
	}
	return in.SubjectEvidence()
}
