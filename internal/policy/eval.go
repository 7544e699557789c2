package policy

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Request is what IAM evaluates a policy against.
type Request struct {
	Action    string // "sts:AssumeRoleWithWebIdentity"
	Principal Principal
	// Context maps condition keys to their values; a key with no values
	// counts as absent. Keys are matched case-insensitively, as IAM does
	// ("Condition key names are not case-sensitive", IAM User Guide,
	// "IAM JSON policy elements: Condition"); values keep their case.
	Context map[string][]string
	// Resource is the resource acted on; "" when unknown. Trust policies
	// carry no Resource element, so IRSA requests leave it empty.
	Resource string
	// ContextNoun names where the context values come from in
	// explanations, e.g. "the token"; "" means "the request".
	ContextNoun string
	// UnknownKeys are patterns ("aws:*") of keys the real request may carry
	// but Context does not hold: a condition on such a key that Context
	// lacks is Uncertain rather than evaluated as absent. Keys outside these
	// patterns and absent from Context are known to be absent.
	UnknownKeys []string
}

func (r Request) unknownKey(key string) bool {
	for _, p := range r.UnknownKeys {
		pieces, _ := compile(p, true, false)
		if globMatch(pieces, key, true) {
			return true
		}
	}
	return false
}

// lowerContext is Context keyed by lower-case key names: a list, not a
// map, searched in order (a request has a few keys; every evaluation
// builds one). A key's values are the request's own array, clipped
// (read-only, as the request is), unless two keys lower to the same name:
// their values are then appended into an array of their own.
func (r Request) lowerContext() lowerCtx {
	ctx := make(lowerCtx, 0, len(r.Context))
	for k, v := range r.Context {
		lk := strings.ToLower(k)
		if i := ctx.index(lk); i >= 0 {
			ctx[i].values = append(ctx[i].values, v...)
		} else {
			ctx = append(ctx, ctxEntry{key: lk, values: slices.Clip(v)})
		}
	}
	return ctx
}

// lowerCtx is a request's context by lower-case key (lowerContext).
type lowerCtx []ctxEntry

type ctxEntry struct {
	key    string // lower case
	values []string
}

func (c lowerCtx) index(lk string) int {
	for i := range c {
		if c[i].key == lk {
			return i
		}
	}
	return -1
}

// lookupLower is the values of strings.ToLower(key) in ctx, without
// building the lower-case key when it is ASCII (a condition key usually
// is, with upper-case letters in the issuer's ID).
func lookupLower(ctx lowerCtx, key string) []string {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			if i := ctx.index(strings.ToLower(key)); i >= 0 {
				return ctx[i].values
			}
			return nil
		}
	}
	for i := range ctx {
		if asciiLowerIs(key, ctx[i].key) {
			return ctx[i].values
		}
	}
	return nil
}

// asciiLowerIs reports whether key, an ASCII string, lowers to lk.
func asciiLowerIs(key, lk string) bool {
	if len(key) != len(lk) {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lk[i] {
			return false
		}
	}
	return true
}

func (r Request) noun() string {
	if r.ContextNoun == "" {
		return "the request"
	}
	return r.ContextNoun
}

// Decision is the outcome of evaluating a document.
type Decision string

const (
	// Allowed: an Allow statement applies and no Deny statement applies or
	// might.
	Allowed Decision = "allow"
	// ImplicitDeny: no Allow statement applies or might, and no Deny
	// statement certainly applies (one might: the request is refused
	// either way).
	ImplicitDeny Decision = "implicit-deny"
	// ExplicitDeny: a Deny statement applies; it overrides any Allow.
	ExplicitDeny Decision = "explicit-deny"
	// Unknown: the answer depends on something this package does not
	// evaluate; Result.Explain says what.
	Unknown Decision = "unknown"
)

// Outcome is the three-valued result of matching one element.
type Outcome string

const (
	Match     Outcome = "match"
	NoMatch   Outcome = "no-match"
	Uncertain Outcome = "unknown"
)

// ElementResult is how the Principal, Action or Resource element of a
// statement matched. Why explains a NoMatch (the values compared) or an
// Uncertain outcome (what could not be evaluated), as a clause that follows
// the statement's name: `trusts Federated "..."; the request comes from ...`.
type ElementResult struct {
	Outcome Outcome
	Why     string
}

// ConditionResult is the evaluation of one (operator, key) pair.
type ConditionResult struct {
	Condition
	// Actual holds the request's values for the key; nil when the request
	// lacks the key.
	Actual  []string
	Outcome Outcome
	Why     string // as ElementResult.Why
}

// StatementResult is the evaluation of one statement. Every element is
// evaluated, even after one fails, so a caller can rank near misses.
type StatementResult struct {
	Statement  *Statement
	Outcome    Outcome
	Principal  ElementResult
	Action     ElementResult
	Resource   ElementResult
	Conditions []ConditionResult
	// Ambiguity is set when the statement repeats a JSON key; the
	// statement's outcome is then Uncertain whatever its elements say.
	Ambiguity string
}

// Result is the evaluation of a document for one request.
type Result struct {
	Decision Decision
	// Deciding is the statement that decided: the first applying Allow for
	// Allowed, the first applying Deny for ExplicitDeny, and for Unknown the
	// first statement whose outcome is uncertain and matters. Nil for
	// ImplicitDeny and for a document-level Unknown.
	Deciding *StatementResult
	// Statements holds one result per statement, in document order.
	Statements []StatementResult
	Request    Request
	// Reason explains a document-level Unknown.
	Reason string
}

// Evaluate evaluates the document for req as IAM's policy evaluation logic
// does within one policy: an applying Deny wins, otherwise an applying Allow
// allows, otherwise the request is implicitly denied (IAM User Guide, "Policy
// evaluation logic").
func (d *Document) Evaluate(req Request) Result {
	return d.evaluate(req, func(s *Statement, req Request, variables bool) (ElementResult, ElementResult) {
		return evaluateActions(s, req.Action), evaluateResources(s, req.Resource, variables)
	})
}

// elementMatch matches a statement's Action and Resource elements (or
// their Not forms) to the request: the request's own values (Evaluate),
// or a question's patterns (evaluateQuestion).
type elementMatch func(s *Statement, req Request, variables bool) (action, resource ElementResult)

// evaluate is Evaluate with the Action and Resource elements matched by
// match.
func (d *Document) evaluate(req Request, match elementMatch) Result {
	ctx := req.lowerContext()
	res := Result{Request: req, Statements: make([]StatementResult, len(d.Statements))}
	variables := d.Version == Version2012
	for i := range d.Statements {
		res.Statements[i] = evaluateStatement(&d.Statements[i], req, ctx, variables, match)
	}
	if len(d.Duplicates) > 0 {
		res.Decision = Unknown
		res.Reason = "the document repeats the JSON key " + d.Duplicates[0] + "; IAM does not document which copy it uses"
		return res
	}

	res.decide()
	return res
}

// decide sets Decision and Deciding from the statement results: an applying
// Deny wins; an applying Allow with a Deny that may apply is Unknown;
// otherwise an applying Allow allows, an Allow that may apply is Unknown,
// and nothing applying is an implicit deny.
func (res *Result) decide() {
	var allow, allowMaybe, deny, denyMaybe *StatementResult
	for i := range res.Statements {
		s := &res.Statements[i]
		switch {
		case s.Statement.Effect == Deny && s.Outcome == Match && deny == nil:
			deny = s
		case s.Statement.Effect == Deny && s.Outcome == Uncertain && denyMaybe == nil:
			denyMaybe = s
		case s.Statement.Effect == Allow && s.Outcome == Match && allow == nil:
			allow = s
		case s.Statement.Effect == Allow && s.Outcome == Uncertain && allowMaybe == nil:
			allowMaybe = s
		}
	}
	switch {
	case deny != nil:
		res.Decision, res.Deciding = ExplicitDeny, deny
	case allow != nil && denyMaybe != nil:
		res.Decision, res.Deciding = Unknown, denyMaybe
	case allow != nil:
		res.Decision, res.Deciding = Allowed, allow
	case allowMaybe != nil:
		res.Decision, res.Deciding = Unknown, allowMaybe
	default:
		res.Decision = ImplicitDeny
	}
}

func evaluateStatement(s *Statement, req Request, ctx lowerCtx, variables bool, match elementMatch) StatementResult {
	r := StatementResult{Statement: s}
	r.Principal = evaluatePrincipals(s, req.Principal)
	r.Action, r.Resource = match(s, req, variables)
	outcome := and(Match, r.Principal.Outcome)
	outcome = and(outcome, r.Action.Outcome)
	outcome = and(outcome, r.Resource.Outcome)
	r.Conditions, r.Outcome = evaluateConditions(s, req, ctx, variables, outcome)
	if len(s.Duplicates) > 0 {
		r.Ambiguity = "repeats the JSON key " + s.Duplicates[0] + "; IAM does not document which copy it uses"
		r.Outcome = Uncertain
	}
	return r
}

// evaluateConditions evaluates each (operator, key) pair of the statement
// and returns the results with outcome conjoined with all of them.
func evaluateConditions(s *Statement, req Request, ctx lowerCtx, variables bool, outcome Outcome) ([]ConditionResult, Outcome) {
	var out []ConditionResult
	if len(s.Conditions) > 0 {
		out = make([]ConditionResult, 0, len(s.Conditions))
	}
	for _, c := range s.Conditions {
		actual := lookupLower(ctx, c.Key)
		if len(actual) == 0 {
			actual = nil
		}
		cr := ConditionResult{Condition: c, Actual: actual}
		if actual == nil && req.unknownKey(c.Key) {
			cr.Outcome, cr.Why = Uncertain, fmt.Sprintf("tests %s with %s, a key %s may carry but this evaluator was not given", c.Key, c.Operator, req.noun())
		} else {
			cr.Outcome, cr.Why = evaluateCondition(c, actual, variables, req.noun())
		}
		out = append(out, cr)
		outcome = and(outcome, cr.Outcome)
	}
	return out, outcome
}

// and is three-valued conjunction: one NoMatch decides, since no unknown
// can make a failed element match.
func and(a, b Outcome) Outcome {
	switch {
	case a == NoMatch || b == NoMatch:
		return NoMatch
	case a == Uncertain || b == Uncertain:
		return Uncertain
	}
	return Match
}

// or is three-valued disjunction.
func or(a, b Outcome) Outcome {
	switch {
	case a == Match || b == Match:
		return Match
	case a == Uncertain || b == Uncertain:
		return Uncertain
	}
	return NoMatch
}

func not(a Outcome) Outcome {
	switch a {
	case Match:
		return NoMatch
	case NoMatch:
		return Match
	}
	return Uncertain
}

func verb(e Effect) string {
	if e == Deny {
		return "denies"
	}
	return "allows"
}

func evaluatePrincipals(s *Statement, req Principal) ElementResult {
	if s.Principal == nil {
		// No Principal element: the statement applies to whoever holds the
		// policy (identity-policy semantics). Trust policies must name a
		// principal; TrustPolicyProblems reports one that does not.
		return ElementResult{Outcome: Match}
	}
	outcome, why := NoMatch, ""
	if s.Principal.Any {
		outcome = Match
	}
	for _, p := range s.Principal.Entries {
		o, w := matchPrincipal(p, req)
		if o == Uncertain && why == "" {
			why = w
		}
		outcome = or(outcome, o)
	}
	if s.NotPrincipal {
		// "NotPrincipal ... all principals except the principal specified"
		// (IAM User Guide, "AWS JSON policy elements: NotPrincipal").
		outcome = not(outcome)
	}
	switch outcome {
	case NoMatch:
		if s.NotPrincipal {
			return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("excludes %s with NotPrincipal; the request comes from %s", principalList(s.Principal), req)}
		}
		return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("trusts %s; the request comes from %s", principalList(s.Principal), req)}
	case Uncertain:
		how := "trusts "
		if s.NotPrincipal {
			how = "excludes with NotPrincipal "
		}
		return ElementResult{Outcome: Uncertain, Why: how + why}
	}
	return ElementResult{Outcome: Match}
}

func principalList(p *Principals) string {
	var parts []string
	if p.Any {
		parts = append(parts, `"*"`)
	}
	for _, e := range p.Entries {
		parts = append(parts, e.String())
	}
	return strings.Join(parts, " or ")
}

// matchPrincipal compares one policy principal with the request's. An
// uncertain outcome comes with the reason, as a phrase naming the policy
// principal first. Federated, Service and CanonicalUser values compare as
// exact strings: the OIDC provider ARN must be the one the token's issuer
// names (docs/reference/trust-policy.md#principal).
func matchPrincipal(p Principal, req Principal) (Outcome, string) {
	if p.Value == "*" {
		switch {
		case p.Type == req.Type:
			return Match, ""
		case p.Type == PrincipalAWS:
			// {"AWS": "*"} means every AWS principal; whether it also covers
			// a web-identity or service principal is undocumented, and AWS
			// notes that "some services behave differently" for it and for
			// "Principal": "*" (AWS CDK docs, AnyPrincipal / StarPrincipal).
			return Uncertain, fmt.Sprintf("%s; IAM does not document whether that covers %s", p, req)
		}
		return NoMatch, ""
	}
	switch {
	case p.Type != req.Type:
		return NoMatch, ""
	case p.Type == PrincipalAWS && awsPrincipalMatches(p.Value, req.Value):
		return Match, ""
	case p.Type != PrincipalAWS && p.Value == req.Value:
		return Match, ""
	case strings.EqualFold(p.Value, req.Value):
		// Whether IAM compares principals case-sensitively is not
		// documented (docs/reference/failure-modes.md#16-condition-keys-with-a-scheme-a-prefix-or-a-trailing-slash finds the same gap for
		// issuer-derived condition keys), so a difference in case alone is
		// not called a mismatch.
		return Uncertain, fmt.Sprintf("%s, which differs from the request's %s only in letter case; IAM does not document whether principals compare case-sensitively", p, req)
	}
	return NoMatch, ""
}

// awsPrincipalMatches handles the forms an AWS principal takes: an exact
// ARN; an account ID or arn:PARTITION:iam::ACCOUNT:root, which trust every
// principal of the account (they still need identity-policy permission, which
// is outside a trust policy); and a role ARN, which covers the role's sessions
// arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION (the role's path is not
// part of the session ARN). IAM User Guide, "AWS JSON policy elements:
// Principal".
func awsPrincipalMatches(policy, req string) bool {
	if policy == req {
		return true
	}
	rp := strings.SplitN(req, ":", 6)
	if len(rp) != 6 || rp[0] != "arn" {
		return false
	}
	reqPartition, reqAccount, reqResource := rp[1], rp[4], rp[5]
	if isAccountID(policy) {
		return reqAccount == policy
	}
	pp := strings.SplitN(policy, ":", 6)
	if len(pp) != 6 || pp[0] != "arn" || pp[1] != reqPartition || pp[4] != reqAccount {
		return false
	}
	if pp[2] == "iam" && pp[5] == "root" {
		return true
	}
	if rp[2] == "sts" && pp[2] == "iam" && strings.HasPrefix(reqResource, "assumed-role/") && strings.HasPrefix(pp[5], "role/") {
		sessionRole, _, _ := strings.Cut(strings.TrimPrefix(reqResource, "assumed-role/"), "/")
		roleName := pp[5][strings.LastIndexByte(pp[5], '/')+1:]
		return sessionRole != "" && sessionRole == roleName
	}
	return false
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func evaluateActions(s *Statement, action string) ElementResult {
	outcome := NoMatch
	for _, a := range s.Actions {
		if matchAction(a, action) {
			outcome = Match
			break
		}
	}
	if s.NotAction {
		outcome = not(outcome)
	}
	if outcome == Match {
		return ElementResult{Outcome: Match}
	}
	if s.NotAction {
		return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("excludes action %s with NotAction; the request is for %s", quoteList(s.Actions, " or "), quote(action))}
	}
	return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("%s action %s; the request is for %s", verb(s.Effect), quoteList(s.Actions, " or "), quote(action))}
}

func evaluateResources(s *Statement, resource string, variables bool) ElementResult {
	if !s.HasResource {
		return ElementResult{Outcome: Match}
	}
	if resource == "" {
		return ElementResult{Outcome: Uncertain, Why: "names a resource and the request has none"}
	}
	outcome, why := NoMatch, ""
	for _, r := range s.Resources {
		pieces, variable := compile(r, true, variables)
		if variable != "" {
			if why == "" {
				why = fmt.Sprintf("names resource %s with the policy variable %s, which this evaluator does not resolve", quote(r), quote(variable))
			}
			outcome = or(outcome, Uncertain)
			continue
		}
		if globMatch(pieces, resource, false) {
			outcome = Match
		}
	}
	if s.NotResource {
		outcome = not(outcome)
	}
	switch outcome {
	case Match:
		return ElementResult{Outcome: Match}
	case Uncertain:
		return ElementResult{Outcome: Uncertain, Why: why}
	}
	if s.NotResource {
		return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("excludes resource %s with NotResource; the request is for %s", quoteList(s.Resources, " or "), quote(resource))}
	}
	return ElementResult{Outcome: NoMatch, Why: fmt.Sprintf("covers resource %s; the request is for %s", quoteList(s.Resources, " or "), quote(resource))}
}

func quoteList(vals []string, sep string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = quote(v)
	}
	return strings.Join(q, sep)
}
