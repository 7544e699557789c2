package policy

import (
	"fmt"
	"strings"
)

// Failures returns, for a statement that does not apply, one clause per
// element that failed (principal, action, resource, then each condition in
// document order); for an uncertain statement, one clause per element that
// could not be evaluated. A clause follows the statement's name:
// `requires K StringEquals "a"; the token has "b"`.
func (s *StatementResult) Failures() []string {
	want := NoMatch
	if s.Outcome == Uncertain {
		want = Uncertain
	}
	var out []string
	if want == Uncertain && s.Ambiguity != "" {
		out = append(out, s.Ambiguity)
	}
	for _, e := range []ElementResult{s.Principal, s.Action, s.Resource} {
		if e.Outcome == want && e.Why != "" {
			out = append(out, e.Why)
		}
	}
	for _, c := range s.Conditions {
		if c.Outcome == want && c.Why != "" {
			out = append(out, c.Why)
		}
	}
	return out
}

// Explain says in one sentence how the statement fared, naming it first:
// `statement "AllowS3Reader" requires oidc.eks.../id/X:sub StringEquals
// "system:serviceaccount:payment:api"; the token has
// "system:serviceaccount:payments:api"`.
func (s *StatementResult) Explain() string {
	name := s.Statement.Name()
	if s.Outcome == Match {
		return fmt.Sprintf("%s applies", name)
	}
	return name + " " + strings.Join(s.Failures(), "; and ")
}

// Closest returns the Allow statement that came nearest to applying, for
// explaining an implicit deny: a statement whose principal matched beats one
// whose principal did not (the principal says which identity the statement
// was written for), then fewer failed elements win, then document order. Nil
// when no Allow statement failed.
func (r Result) Closest() *StatementResult {
	var best *StatementResult
	rank := func(s *StatementResult) (int, int) {
		p := 1
		if s.Principal.Outcome == Match {
			p = 0
		}
		return p, len(s.Failures())
	}
	for i := range r.Statements {
		s := &r.Statements[i]
		if s.Statement.Effect != Allow || s.Outcome != NoMatch {
			continue
		}
		if best == nil {
			best = s
			continue
		}
		bp, bf := rank(best)
		sp, sf := rank(s)
		if sp < bp || (sp == bp && sf < bf) {
			best = s
		}
	}
	return best
}

// Explain says in one sentence why the request is allowed, denied or
// undetermined, naming the deciding statement and, for a denial, the closest
// Allow statement with the values that failed.
func (r Result) Explain() string {
	action := r.Request.Action
	switch r.Decision {
	case Allowed:
		return fmt.Sprintf("allowed: %s allows %s", r.Deciding.Statement.Name(), action)
	case ExplicitDeny:
		msg := fmt.Sprintf("explicitly denied: %s denies %s", r.Deciding.Statement.Name(), action)
		for i := range r.Statements {
			s := &r.Statements[i]
			if s.Statement.Effect == Allow && s.Outcome == Match {
				return msg + fmt.Sprintf(", which overrides the Allow in %s", s.Statement.Name())
			}
		}
		return msg
	case Unknown:
		if r.Deciding == nil {
			return "undetermined: " + r.Reason
		}
		why := strings.Join(r.Deciding.Failures(), "; and ")
		if r.Deciding.Statement.Effect == Deny {
			allow := ""
			for i := range r.Statements {
				if s := &r.Statements[i]; s.Statement.Effect == Allow && s.Outcome == Match {
					allow = s.Statement.Name()
					break
				}
			}
			return fmt.Sprintf("undetermined: %s allows %s, but %s may deny it: it %s", allow, action, r.Deciding.Statement.Name(), why)
		}
		return fmt.Sprintf("undetermined: %s may allow %s: it %s", r.Deciding.Statement.Name(), action, why)
	}

	allows := 0
	for i := range r.Statements {
		if r.Statements[i].Statement.Effect == Allow {
			allows++
		}
	}
	switch {
	case len(r.Statements) == 0:
		return "implicitly denied: the policy has no statements"
	case allows == 0:
		return "implicitly denied: the policy has no Allow statement"
	}
	c := r.Closest()
	if c == nil {
		// Unreachable: an implicit deny with Allow statements means each of
		// them failed. Kept so a change elsewhere cannot make this panic.
		return "implicitly denied: no statement allows " + action
	}
	if allows == 1 {
		return "implicitly denied: " + c.Explain()
	}
	return fmt.Sprintf("implicitly denied: none of the %d Allow statements applies; the closest, %s, %s", allows, c.Statement.Name(), strings.Join(c.Failures(), "; and "))
}

// TrustPolicyProblems lists what IAM refuses in a role trust policy
// although it is valid in other policies: a Resource or NotResource element
// (IAM: "Has prohibited field Resource"; iam-policy's trust-policy rules), a
// NotPrincipal ("You cannot use the NotPrincipal element in ... an IAM role
// trust policy", IAM User Guide, "AWS JSON policy elements: NotPrincipal"),
// and a statement that names no principal.
func (d *Document) TrustPolicyProblems() []ParseError {
	var out []ParseError
	for i := range d.Statements {
		s := &d.Statements[i]
		if s.HasResource {
			el := "Resource"
			if s.NotResource {
				el = "NotResource"
			}
			out = append(out, ParseError{Path: s.Path + "." + el, Msg: "a trust policy cannot have " + el})
		}
		switch {
		case s.Principal == nil:
			out = append(out, ParseError{Path: s.Path, Msg: "a trust policy statement must name a Principal"})
		case s.NotPrincipal:
			out = append(out, ParseError{Path: s.Path + ".NotPrincipal", Msg: "a trust policy cannot use NotPrincipal"})
		}
	}
	return out
}
