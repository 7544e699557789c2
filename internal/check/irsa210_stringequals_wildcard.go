package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

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
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201, irsa209, irsa301, irsa202, irsa203},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA210,
}

func runIRSA210(c *model.Context, t *model.Target, r *Recorder) {
	d, v := model.Trust(c, t)
	if r.Record(v); d != nil {
		judgeIRSA210(c, t, r, d)
	}
}

func judgeIRSA210(c *model.Context, t *model.Target, r *Recorder, d *model.TrustDiag) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	if d.Focus == nil {
		r.Skip(subj, model.NoAllowReason(in))
		return
	}
	var literal []model.TrustCond
	for _, cd := range d.Conds {
		if cd.As.Base != "StringEquals" && cd.As.Base != "StringEqualsIgnoreCase" {
			continue
		}
		if !hasWildcard(c, cd.As.Values) {
			continue
		}
		actual, known := claimValue(in, cd.Claim)
		if !known {
			if cd.Claim == "sub" || cd.Claim == "aud" {
				r.Skip(subj, fmt.Sprintf("%s compares %s with %s %s, and the token's value is not known", d.FocusName(), cd.As.Key, cd.As.Operator, model.QuoteAll(cd.As.Values)[0]))
				return
			}
			continue
		}
		if cd.As.Outcome == policy.NoMatch {
			if p := policy.WildcardMatch(cd.As.Values, actual, cd.As.Base == "StringEqualsIgnoreCase"); p != "" {
				r.Fail(subj, fmt.Sprintf("%s compares %s with %s %q, which IAM reads literally: under StringEquals * and ? are plain characters, so %q does not match; as a StringLike pattern it would",
					d.FocusName(), cd.As.Key, cd.As.Operator, p, actual),
					append([]model.Detail{model.TrustPolicyEvidence(in), claimEvidence(in, cd.Claim)}, model.TrustFixDetails(c, in, r.Remediation())...)...)
				return
			}
		}
		literal = append(literal, cd)
	}
	if len(literal) == 0 {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("%s has no * or ? under StringEquals", d.FocusName()), nil
		})
		return
	}
	cd := literal[0]
	actual, _ := claimValue(in, cd.Claim)
	var vals []string
	for _, v := range cd.As.Values {
		if strings.ContainsAny(v, "*?") {
			vals = append(vals, v)
		}
	}
	if cd.As.Outcome == policy.Match {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("%s compares %s with %s %s literally, and another of its values admits %q", d.FocusName(), cd.As.Key, cd.As.Operator, strings.Join(model.QuoteAll(vals), ", "), actual), nil
		})
		return
	}
	r.PassFunc(subj, func() (string, []model.Detail) {
		return fmt.Sprintf("%s compares %s with %s %s literally, but as a pattern it would not admit %q either", d.FocusName(), cd.As.Key, cd.As.Operator, strings.Join(model.QuoteAll(vals), ", "), actual), nil
	})
}

// hasWildcard reports a value with * or ?, once per condition of a parsed
// policy (its values slice, keyed by where it starts): a role may list
// hundreds of service accounts, and every target of the role asks.
func hasWildcard(c *model.Context, values []string) bool {
	if len(values) == 0 {
		return false
	}
	return model.Once(c, wildcardKey{&values[0], len(values)}, func() bool {
		for _, v := range values {
			if strings.ContainsAny(v, "*?") {
				return true
			}
		}
		return false
	})
}

type wildcardKey struct {
	first *string
	n     int
}

// claimValue is the token's value of a claim the checks know.
func claimValue(in *model.TrustInput, claim string) (string, bool) {
	switch claim {
	case "sub":
		return in.Subject, true
	case "aud":
		return in.Audience.Value, in.Audience.Known
	}
	return "", false
}

func claimEvidence(in *model.TrustInput, claim string) model.Detail {
	if claim == "aud" {
		return in.Audience.Evidence()
	}
	return in.SubjectEvidence()
}
