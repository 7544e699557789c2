package policy

import (
	"fmt"
	"strings"
)

// NamedPolicy is one policy of a role: an attached managed policy (its
// default version) named by its ARN, or an inline policy named
// "inline:NAME". Doc must not be nil.
type NamedPolicy struct {
	Name string
	Doc  *Document
}

// InlinePrefix starts the Name of an inline policy.
const InlinePrefix = "inline:"

// label is how reasons name the policy: `policy arn:...`, `inline policy
// "NAME"`, `permissions boundary arn:...`.
func (p NamedPolicy) label(boundary bool) string {
	switch {
	case boundary:
		return "permissions boundary " + p.Name
	case strings.HasPrefix(p.Name, InlinePrefix):
		return "inline policy " + quote(strings.TrimPrefix(p.Name, InlinePrefix))
	}
	return "policy " + p.Name
}

// StatementRef names one statement: its policy (ARN or "inline:NAME"), its
// Sid ("" when it has none) and its 0-based position in the policy's
// Statement list.
type StatementRef struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid"`
	Index  int    `json:"index"`
}

// PolicyResult is the evaluation of one policy of the role.
type PolicyResult struct {
	Policy string // NamedPolicy.Name
	Result Result
}

// PermissionResult answers "may the role do this?" through its identity
// policies and permissions boundary.
type PermissionResult struct {
	Decision Decision
	// BlockedByBoundary is set, with Decision ImplicitDeny, when the
	// identity policies allow the request (or may) and the permissions
	// boundary certainly does not: the boundary is what to change.
	BlockedByBoundary bool
	// Statements are the statements that decided: every Deny that applies
	// for ExplicitDeny; the identity Allows (and the boundary's) for
	// Allowed and for a boundary block; for Unknown the uncertain statement
	// that matters. Empty for a plain implicit deny.
	Statements []StatementRef
	// Reason is one sentence for the user, naming policy and statement.
	Reason string
	// Caveats are what this evaluation could not see and that may still
	// change the outcome, one sentence each.
	Caveats []string
	// Identity holds one result per identity policy, in the order given,
	// and Boundary the boundary's (nil without one), for explaining near
	// misses.
	Identity []PolicyResult
	Boundary *PolicyResult
	Request  Request
}

// The caveats EvaluateIdentity attaches.
const (
	// CaveatUnevaluatedDeny follows an Allowed: the policy types that can
	// still refuse a request identity policies allow.
	CaveatUnevaluatedDeny = "not evaluated: service control policies, resource control policies and the resource's own policy, any of which may still deny the request"
	// CaveatResourcePolicyAllow follows a plain implicit deny: within one
	// account a resource-based policy can grant what identity policies do
	// not.
	CaveatResourcePolicyAllow = "not evaluated: a resource-based policy (such as an S3 bucket policy) in the role's account that names the role may still allow the request"
)

// EvaluateIdentity decides whether a role whose identity-based policies are
// policies (attached managed policies' default versions and inline
// policies) and whose permissions boundary is boundary (nil for none) may
// make the request, following IAM's policy evaluation logic for a request
// within one account (IAM User Guide, "Policy evaluation logic" and "How
// AWS enforcement code logic evaluates requests to allow or deny access"):
//
//   - "An explicit deny overrides an explicit allow": a Deny that applies,
//     in any identity policy or in the boundary, decides ExplicitDeny.
//   - "By default, all requests are implicitly denied": without an Allow
//     that applies in some identity policy the result is ImplicitDeny.
//   - "An entity's permissions boundary allows it to perform only the
//     actions that are allowed by both its identity-based policies and its
//     permissions boundaries" (IAM User Guide, "Permissions boundaries for
//     IAM entities"): with a boundary, an identity Allow needs a boundary
//     Allow too; without one the result is ImplicitDeny with
//     BlockedByBoundary. A boundary grants nothing by itself.
//
// Uncertain statements (a condition on a key the request may carry but
// Context lacks, a policy variable, a wildcard question the statement
// covers only in part) make the result Unknown only where they matter: a
// Deny that may apply to an otherwise allowed request, an Allow that may
// apply when no Allow certainly does, a boundary Allow that may apply when
// the boundary has no certain one.
//
// The request's Action and Resource are question patterns (see Question):
// an Allow counts only when its Action/NotAction and Resource/NotResource
// cover every value the question's patterns stand for (globset.go), and a
// Deny that covers only part of them may apply. Resource "" is a resource
// the question does not name: an Allow on "*" covers it, an Allow on
// specific resources leaves the answer Unknown.
//
// Service control policies, resource control policies, session policies
// and resource-based policies are not in the input. IAM evaluates them
// too, but each of them can only refuse what identity policies allow in
// the same account (SCPs and RCPs: "If the enforcement code does not find
// any applicable Allow statements in the SCPs, then the enforcement code
// returns a final decision of Deny"; a resource-based Deny is an explicit
// deny like any other). Calling every identity allow Unknown for that would make the
// answer useless, so an identity allow is reported Allowed with
// CaveatUnevaluatedDeny, and an implicit deny with
// CaveatResourcePolicyAllow (a same-account resource-based policy may
// grant it: "The resulting permissions are the union of the permissions of
// the two types"). The exception is a resource in another account, where
// the resource's own policy must allow the request as well ("Cross-account
// policy evaluation logic"): when the request's Principal is an ARN whose
// account differs from the resource ARN's, an identity allow is Unknown.
func EvaluateIdentity(policies []NamedPolicy, boundary *NamedPolicy, req Request) PermissionResult {
	out := PermissionResult{Request: req}
	type hit struct {
		ref    StatementRef
		label  string // `statement "X" of policy P`
		result *StatementResult
	}
	var allows, allowMaybe, denies, denyMaybe, bAllows, bAllowMaybe []hit
	var docUnknown []string
	collect := func(p NamedPolicy, isBoundary bool, res *Result) {
		if res.Decision == Unknown && res.Deciding == nil {
			docUnknown = append(docUnknown, p.label(isBoundary)+" "+strings.TrimPrefix(res.Reason, "the document "))
		}
		for i := range res.Statements {
			s := &res.Statements[i]
			h := hit{
				ref:    StatementRef{Policy: p.Name, Sid: s.Statement.Sid, Index: s.Statement.Index},
				label:  s.Statement.Name() + " of " + p.label(isBoundary),
				result: s,
			}
			switch {
			case s.Statement.Effect == Deny && s.Outcome == Match:
				denies = append(denies, h)
			case s.Statement.Effect == Deny && s.Outcome == Uncertain:
				denyMaybe = append(denyMaybe, h)
			case isBoundary && s.Outcome == Match:
				bAllows = append(bAllows, h)
			case isBoundary && s.Outcome == Uncertain:
				bAllowMaybe = append(bAllowMaybe, h)
			case s.Outcome == Match:
				allows = append(allows, h)
			case s.Outcome == Uncertain:
				allowMaybe = append(allowMaybe, h)
			}
		}
	}
	for _, p := range policies {
		out.Identity = append(out.Identity, PolicyResult{Policy: p.Name, Result: p.Doc.evaluateQuestion(req)})
	}
	for i, p := range policies {
		collect(p, false, &out.Identity[i].Result)
	}
	if boundary != nil {
		out.Boundary = &PolicyResult{Policy: boundary.Name, Result: boundary.Doc.evaluateQuestion(req)}
		collect(*boundary, true, &out.Boundary.Result)
	}
	refs := func(hs ...[]hit) []StatementRef {
		var r []StatementRef
		for _, h := range hs {
			for _, x := range h {
				r = append(r, x.ref)
			}
		}
		return r
	}
	why := func(h hit) string { return strings.Join(h.result.Failures(), "; and ") }
	what := req.describe()

	switch {
	case len(denies) > 0:
		out.Decision = ExplicitDeny
		out.Statements = refs(denies)
		out.Reason = fmt.Sprintf("explicitly denied: %s denies %s", denies[0].label, what)
		if len(allows) > 0 {
			out.Reason += ", which overrides the Allow in " + allows[0].label
		}
		return out
	case len(docUnknown) > 0:
		out.Decision = Unknown
		out.Reason = "undetermined: " + docUnknown[0]
		return out
	}

	idAllow, idMaybe := len(allows) > 0, len(allowMaybe) > 0
	bAllow := boundary == nil || len(bAllows) > 0
	bMaybe := !bAllow && len(bAllowMaybe) > 0
	switch {
	case !idAllow && !idMaybe:
		out.Decision = ImplicitDeny
		out.Reason = "implicitly denied: " + implicitReason(policies, out.Identity, what)
		out.Caveats = []string{CaveatResourcePolicyAllow}
	case !bAllow && !bMaybe:
		out.Decision, out.BlockedByBoundary = ImplicitDeny, true
		if idAllow {
			out.Statements = refs(allows)
			out.Reason = fmt.Sprintf("implicitly denied: %s allows %s, but the %s does not allow it", allows[0].label, what, boundary.label(true))
		} else {
			out.Statements = refs(allowMaybe[:1])
			out.Reason = fmt.Sprintf("implicitly denied: the %s does not allow %s, whatever %s decides", boundary.label(true), what, allowMaybe[0].label)
		}
	case !idAllow:
		out.Decision = Unknown
		out.Statements = refs(allowMaybe[:1])
		out.Reason = fmt.Sprintf("undetermined: %s may allow %s: it %s", allowMaybe[0].label, what, why(allowMaybe[0]))
	case bMaybe:
		out.Decision = Unknown
		out.Statements = refs(bAllowMaybe[:1])
		out.Reason = fmt.Sprintf("undetermined: %s allows %s, and %s may allow it: it %s", allows[0].label, what, bAllowMaybe[0].label, why(bAllowMaybe[0]))
	case len(denyMaybe) > 0:
		out.Decision = Unknown
		out.Statements = refs(denyMaybe[:1])
		out.Reason = fmt.Sprintf("undetermined: %s allows %s, but %s may deny it: it %s", allows[0].label, what, denyMaybe[0].label, why(denyMaybe[0]))
	default:
		out.Statements = refs(allows, bAllows)
		if role, res, cross := crossAccount(req); cross {
			out.Decision = Unknown
			out.Reason = fmt.Sprintf("undetermined: %s allows %s, but the resource is in account %s and the role in %s, so the resource's own policy must allow it too, and it is not in the input", allows[0].label, what, res, role)
			return out
		}
		out.Decision = Allowed
		out.Reason = fmt.Sprintf("allowed: %s allows %s", allows[0].label, what)
		if boundary != nil {
			out.Reason += fmt.Sprintf(", and %s allows it", bAllows[0].label)
		}
		out.Caveats = []string{CaveatUnevaluatedDeny}
	}
	return out
}

// implicitReason says why no identity policy allows the request, naming
// the Allow statement that came closest.
func implicitReason(policies []NamedPolicy, results []PolicyResult, what string) string {
	if len(policies) == 0 {
		return "the role has no identity policies, so nothing allows " + what
	}
	var best *StatementResult
	bestPolicy := -1
	for i := range results {
		c := results[i].Result.Closest()
		if c != nil && (best == nil || len(c.Failures()) < len(best.Failures())) {
			best, bestPolicy = c, i
		}
	}
	n := "the role's policy"
	if len(policies) > 1 {
		n = fmt.Sprintf("the role's %d policies", len(policies))
	}
	if best == nil {
		return fmt.Sprintf("no statement of %s allows %s", n, what)
	}
	return fmt.Sprintf("no statement of %s allows %s; the closest, %s of %s, %s", n, what, best.Statement.Name(), policies[bestPolicy].label(false), strings.Join(best.Failures(), "; and "))
}

// describe is the request in reasons: `s3:GetObject on "arn:..."`, or the
// action alone when the question names no resource.
func (r Request) describe() string {
	if r.Resource == "" {
		return r.Action
	}
	return r.Action + " on " + quote(r.Resource)
}

// crossAccount reports the principal's and the resource's account when
// both are known and differ. The principal is known from an ARN in
// Request.Principal; the resource from a 12-digit account field of its ARN
// (S3 bucket ARNs have none, so they are never called cross-account here).
func crossAccount(req Request) (role, resource string, cross bool) {
	account := func(s string) string {
		p := strings.SplitN(s, ":", 6)
		if len(p) == 6 && p[0] == "arn" && isAccountID(p[4]) {
			return p[4]
		}
		return ""
	}
	role, resource = account(req.Principal.Value), account(req.Resource)
	return role, resource, role != "" && resource != "" && role != resource
}

// evaluateQuestion is Evaluate for a question: Action and Resource are
// patterns (globset.go), Resource "" a resource the question does not name.
func (d *Document) evaluateQuestion(req Request) Result {
	return d.evaluate(req, func(s *Statement, req Request, variables bool) (ElementResult, ElementResult) {
		return questionAction(s, req.Action), questionResource(s, req.Action, req.Resource, variables)
	})
}

// complement is the coverage of a Not element: what the listed patterns
// leave out.
func complement(c coverage) coverage {
	switch c {
	case covered:
		return disjoint
	case disjoint:
		return covered
	}
	return partial
}

// questionAction matches the statement's Action or NotAction with the
// question's action pattern, case-insensitively ("The prefix and the action
// name are case insensitive", IAM User Guide, "IAM JSON policy elements:
// Action"). A statement covering only part of the question's actions does
// not apply if it allows (it does not allow them all) and may apply if it
// denies.
func questionAction(s *Statement, action string) ElementResult {
	c := disjoint
	for _, a := range s.Actions {
		pieces, _ := compile(a, true, false)
		c = max(c, relate(pieces, action, true))
	}
	list := quoteList(s.Actions, " or ")
	if s.NotAction {
		c = complement(c)
	}
	switch {
	case c == covered:
		return ElementResult{Outcome: Match}
	case c == partial && s.NotAction:
		return partialResult(s.Effect, fmt.Sprintf("excludes action %s with NotAction, which leaves only part of %s", list, quote(action)))
	case c == partial:
		return partialResult(s.Effect, fmt.Sprintf("%s action %s, only part of %s", verb(s.Effect), list, quote(action)))
	case s.NotAction:
		return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("excludes action %s with NotAction; the request is for %s", list, quote(action))}
	}
	return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("%s action %s; the request is for %s", verb(s.Effect), list, quote(action))}
}

// partialResult is the outcome of an element that covers part of the
// question: no Allow (it does not allow all of it), a Deny that may apply.
func partialResult(e Effect, why string) ElementResult {
	if e == Deny {
		return ElementResult{Outcome: Uncertain, Why: why}
	}
	return ElementResult{Outcome: NoMatch, Why: why}
}

// questionResource matches the statement's Resource or NotResource with the
// question's resource pattern, case-sensitively (IAM User Guide, "IAM JSON
// policy elements: Resource": "the IAM user name is case sensitive").
// resource "" is a resource the question does not name: only a statement
// on every resource ("*") certainly covers it.
func questionResource(s *Statement, action, resource string, variables bool) ElementResult {
	if !s.HasResource {
		return ElementResult{Outcome: Match}
	}
	list := quoteList(s.Resources, " or ")
	if resource == "" {
		every := false
		for _, r := range s.Resources {
			every = every || strings.Trim(r, "*") == ""
		}
		switch {
		case every && !s.NotResource:
			return ElementResult{Outcome: Match}
		case every:
			return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("excludes every resource with NotResource %s", list)}
		case s.NotResource:
			return ElementResult{Outcome: Uncertain, Why: fmt.Sprintf("%s it on every resource except %s; name the resource with --can %s=RESOURCE", verb(s.Effect), list, action)}
		case s.Effect == Deny:
			return ElementResult{Outcome: Uncertain, Why: fmt.Sprintf("denies it on %s; name the resource with --can %s=RESOURCE", list, action)}
		}
		return ElementResult{Outcome: Uncertain, Why: fmt.Sprintf("allows it only on %s; name the resource with --can %s=RESOURCE", list, action)}
	}
	c, variable := disjoint, ""
	for _, r := range s.Resources {
		pieces, v := compile(r, true, variables)
		if v != "" {
			if variable == "" {
				variable = fmt.Sprintf("names resource %s with the policy variable %s, which this evaluator does not resolve", quote(r), quote(v))
			}
			continue
		}
		c = max(c, relate(pieces, resource, false))
	}
	if variable != "" && c != covered {
		// The variable's value may cover the rest (or, under NotResource,
		// exclude it): undecided either way.
		return ElementResult{Outcome: Uncertain, Why: variable}
	}
	if s.NotResource {
		c = complement(c)
	}
	switch {
	case c == covered:
		return ElementResult{Outcome: Match}
	case c == partial && s.NotResource:
		return partialResult(s.Effect, fmt.Sprintf("excludes resource %s with NotResource, which leaves only part of %s", list, quote(resource)))
	case c == partial:
		return partialResult(s.Effect, fmt.Sprintf("%s resource %s, only part of %s", coverVerb(s.Effect), list, quote(resource)))
	case s.NotResource:
		return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("excludes resource %s with NotResource; the request is for %s", list, quote(resource))}
	}
	return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("covers resource %s; the request is for %s", list, quote(resource))}
}

func coverVerb(e Effect) string {
	if e == Deny {
		return "denies"
	}
	return "covers"
}
