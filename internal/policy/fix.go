package policy

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// TrustAsk is one subject a corrected trust policy must admit: the request
// a pod sends to STS (docs/reference/trust-policy.md#principal, docs/reference/trust-policy.md#condition-keys).
type TrustAsk struct {
	Provider string // the Federated principal: the provider's ARN in the role's account
	HostPath string // the issuer without https://, the prefix of the condition keys
	Sub      string // system:serviceaccount:NS:NAME
	Aud      string // the token's audience; "" when unknown
}

// Request is the ask as the evaluator's request.
func (a TrustAsk) Request() Request {
	req := WebIdentityRequest(a.Provider, a.HostPath, a.Aud, a.Sub)
	if a.Aud == "" {
		delete(req.Context, a.HostPath+":aud")
	}
	return req
}

// probe is a service account of another namespace with the same name: the
// round trip requires that a fix does not admit it when the original did
// not.
func (a TrustAsk) probe() Request {
	name := a.Sub[strings.LastIndexByte(a.Sub, ':')+1:]
	p := a
	p.Sub = ServiceAccountSubject("irsa-doctor-probe-namespace", name)
	return p.Request()
}

// TrustPolicyFix is a corrected trust policy.
type TrustPolicyFix struct {
	Content string   // the document, indented with two spaces
	Changes []string // what changed, one sentence each
}

// errFresh says a targeted edit does not apply: append a statement instead.
var errFresh = errors.New("no targeted edit applies")

// SubjectFacts says what the input knows of the ServiceAccount a :sub
// value names: that it exists, or the proof that it does not ("" when
// neither is known).
type SubjectFacts func(sub string) (exists bool, gone string)

// CorrectTrustPolicy returns doc changed so that IAM allows every ask;
// keep lists requests that the original allows and the result must still
// allow (other service accounts that use the role). facts (nil: nothing is
// known) tells which :sub values name a ServiceAccount that does not
// exist, and so may be replaced. It fails when the document's effect is
// undetermined for an ask or when no change can be proven to work.
func CorrectTrustPolicy(doc *Document, asks []TrustAsk, keep []Request, facts SubjectFacts) (TrustPolicyFix, error) {
	tree, err := parseJSON(doc.JSON)
	if err != nil {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	if facts == nil {
		facts = func(string) (bool, string) { return false, "" }
	}
	var probes []Request
	for _, a := range asks {
		if p := a.probe(); doc.Evaluate(p).Decision != Allowed {
			probes = append(probes, p)
		}
	}
	var changes []string
	for _, a := range asks {
		ch, err := correctFor(tree, a, keep, probes, facts)
		if err != nil {
			return TrustPolicyFix{}, fmt.Errorf("correct trust policy for %s: %w", a.Sub, err)
		}
		changes = append(changes, ch...)
		keep = append(keep, a.Request())
	}
	content, err := tree.render()
	if err != nil {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	return TrustPolicyFix{Content: content, Changes: changes}, nil
}

// correctFor changes tree so that IAM allows a, trying the smallest edit
// first.
func correctFor(tree *node, a TrustAsk, keep, probes []Request, facts SubjectFacts) ([]string, error) {
	doc, err := tree.document()
	if err != nil {
		return nil, err
	}
	req := a.Request()
	res := doc.Evaluate(req)
	switch res.Decision {
	case Allowed:
		return nil, nil
	case Unknown:
		return nil, errors.New(res.Explain())
	}
	var changes []string
	// An explicit Deny wins over any Allow: exempt exactly this subject.
	if res.Decision == ExplicitDeny {
		for i := range res.Statements {
			s := &res.Statements[i]
			if s.Statement.Effect == Deny && s.Outcome == Match {
				if err := exemptFromDeny(tree.statement(s.Statement.Index), a); err != nil {
					return nil, err
				}
				changes = append(changes, fmt.Sprintf("%s no longer applies to %s: a StringNotEquals condition on %s:sub exempts it", s.Statement.Name(), a.Sub, a.HostPath))
			}
		}
		if doc, err = tree.document(); err != nil {
			return nil, err
		}
		if res = doc.Evaluate(req); res.Decision == Allowed {
			if err := verify(doc, keep, probes); err != nil {
				return nil, err
			}
			return changes, nil
		}
		if res.Decision == Unknown {
			return nil, errors.New(res.Explain())
		}
	}

	// The subjects the policy names literally and admits: an edit that
	// adds keeps admitting them; one that replaces a value drops only it.
	admitted := admittedSubjects(doc, a)
	before := tree.clone()
	attempts := []func(*node) ([]string, []string, error){
		func(t *node) ([]string, []string, error) { return targetedEdit(t, res, a, true, facts) },
		func(t *node) ([]string, []string, error) { return targetedEdit(t, res, a, false, facts) },
		func(t *node) ([]string, []string, error) { return appendFresh(t, a), nil, nil },
	}
	var last error
	for _, try := range attempts {
		cand := before.clone()
		ch, dropped, err := try(cand)
		if err != nil {
			last = err
			continue
		}
		cdoc, err := cand.document()
		if err != nil {
			last = err
			continue
		}
		if d := cdoc.Evaluate(req); d.Decision != Allowed {
			last = errors.New(d.Explain())
			continue
		}
		must := append([]Request(nil), keep...)
		for sub, r := range admitted {
			if !slices.Contains(dropped, sub) {
				must = append(must, r)
			}
		}
		if err := verify(cdoc, must, probes); err != nil {
			last = err
			continue
		}
		*tree = *cand
		return append(changes, ch...), nil
	}
	return nil, last
}

// admittedSubjects returns, for every literal service account subject the
// document's :sub conditions of this issuer name, the request of that
// subject (with a's provider and audience) when the document allows it.
func admittedSubjects(doc *Document, a TrustAsk) map[string]Request {
	out := map[string]Request{}
	for _, st := range doc.Statements {
		for _, cd := range st.Conditions {
			if claim, misnamed := KeyClaim(cd.Key, a.HostPath); claim != "sub" || misnamed {
				continue
			}
			for _, v := range cd.Values {
				if _, _, ok := SplitServiceAccountSubject(v); !ok || strings.ContainsAny(v, "*?$") || v == a.Sub {
					continue
				}
				o := a
				o.Sub = v
				if doc.Evaluate(o.Request()).Decision == Allowed {
					out[v] = o.Request()
				}
			}
		}
	}
	return out
}

// verify checks the round trip: every kept request is still allowed and
// no probe the original refused is allowed.
func verify(doc *Document, keep, probes []Request) error {
	for _, k := range keep {
		if d := doc.Evaluate(k); d.Decision != Allowed {
			return fmt.Errorf("the change would refuse %s, which the policy allows", k.Principal.Value)
		}
	}
	for _, p := range probes {
		if doc.Evaluate(p).Decision == Allowed {
			return errors.New("the change would admit service accounts of other namespaces")
		}
	}
	return nil
}

// targetedEdit fixes the statement that came closest to allowing the
// request: the principal, the action, condition keys and values. With
// replace, a single wrong condition value is replaced; otherwise the right
// value is added to it.
func targetedEdit(tree *node, res Result, a TrustAsk, replace bool, facts SubjectFacts) (changes, dropped []string, err error) {
	focus := res.Closest()
	if focus == nil {
		return nil, nil, errFresh
	}
	st := focus.Statement
	if st.Principal == nil || st.NotPrincipal || st.NotAction {
		return nil, nil, errFresh
	}
	idx := st.Index
	stmt := tree.statement(idx)
	if stmt == nil {
		return nil, nil, errFresh
	}
	name := st.Name()

	if focus.Principal.Outcome == NoMatch {
		var near, fed []string
		for _, p := range st.Principal.Entries {
			if p.Type != PrincipalFederated {
				continue
			}
			fed = append(fed, p.Value)
			if arn.SameClusterIssuer(p.Value, a.Provider) {
				near = append(near, p.Value)
			}
		}
		switch {
		case len(fed) == 0:
			// Not a web identity statement: leave it alone.
			return nil, nil, errFresh
		case len(near) > 0:
			// A misspelled provider of this cluster (scheme, trailing
			// slash, another account or partition, host order): it never
			// matches, so replacing it takes nothing from anyone.
			fedNode := stmt.get("Principal").get("Federated")
			for _, old := range near {
				fedNode.replaceString(old, a.Provider)
				changes = append(changes, fmt.Sprintf("%s trusts Federated %q instead of %q", name, a.Provider, old))
			}
		default:
			// Another cluster's provider: that cluster may still use the
			// statement, so this cluster gets a copy of it.
			cp := stmt.clone()
			cp.del("Sid")
			cp.set("Principal", object(member{"Federated", str(a.Provider)}))
			idx = tree.appendStatement(cp)
			stmt = cp
			changes = append(changes, fmt.Sprintf("a copy of %s trusts Federated %q (the statement itself still trusts %s)", name, a.Provider, quoteList(fed, ", ")))
			name = fmt.Sprintf("Statement[%d]", idx)
		}
	}

	if focus.Action.Outcome == NoMatch {
		act := stmt.get("Action")
		if act == nil {
			return nil, nil, errFresh
		}
		act.appendString(WebIdentityAction)
		changes = append(changes, fmt.Sprintf("%s allows %s", name, WebIdentityAction))
	}

	// Condition keys of another issuer, or of this one written with
	// https://, a trailing slash or the provider ARN, never match: the
	// statement now trusts this cluster's provider, so its keys are this
	// issuer's.
	if cond := stmt.get("Condition"); cond != nil && cond.kind == kindObject {
		for _, op := range cond.members {
			if op.val.kind != kindObject {
				continue
			}
			for _, m := range append([]member(nil), op.val.members...) {
				claim, misnamed := KeyClaim(m.key, a.HostPath)
				if !misnamed {
					continue
				}
				want := a.HostPath + ":" + claim
				op.val.renameKey(m.key, want)
				changes = append(changes, fmt.Sprintf("%s tests %s instead of %s", name, want, m.key))
			}
		}
	}

	doc, err := tree.document()
	if err != nil {
		return nil, nil, err
	}
	sr := doc.Evaluate(a.Request()).Statements
	if idx >= len(sr) {
		return nil, nil, errFresh
	}
	for _, cr := range sr[idx].Conditions {
		if cr.Outcome != NoMatch {
			continue
		}
		claim, misnamed := KeyClaim(cr.Key, a.HostPath)
		actual := ""
		switch {
		case misnamed:
			return nil, nil, errFresh
		case claim == "sub":
			actual = a.Sub
		case claim == "aud" && a.Aud != "":
			actual = a.Aud
		default:
			return nil, nil, errFresh
		}
		opNode := stmt.get("Condition").get(cr.Operator)
		if opNode == nil || opNode.get(cr.Key) == nil {
			return nil, nil, errFresh
		}
		switch cr.Base {
		case "StringEquals", "StringEqualsIgnoreCase":
			if pattern := WildcardMatch(cr.Values, actual, cr.Base == "StringEqualsIgnoreCase"); pattern != "" {
				like := strings.Replace(cr.Operator, cr.Base, "StringLike", 1)
				moveCondition(stmt.get("Condition"), cr.Operator, like, cr.Key)
				changes = append(changes, fmt.Sprintf("%s compares %s with %s instead of %s, so %q is a pattern", name, cr.Key, like, cr.Operator, pattern))
				continue
			}
		case "StringLike":
		default:
			return nil, nil, errFresh
		}
		valNode := opNode.get(cr.Key)
		like := cr.Base == "StringLike"
		if old, why := replaceCandidate(cr.Values, actual, claim, like, facts); replace && old != "" {
			nv := correctedValue(old, actual, claim, like)
			valNode.replaceString(old, nv)
			dropped = append(dropped, old)
			ch := fmt.Sprintf("%s requires %s %s %q instead of %q", name, cr.Key, cr.Operator, nv, old)
			if why != "" {
				ch += " (" + why + ")"
			}
			changes = append(changes, ch)
			continue
		}
		valNode.appendString(actual)
		changes = append(changes, fmt.Sprintf("%s also admits %s %q", name, cr.Key, actual))
	}
	return changes, dropped, nil
}

// replaceCandidate returns the one wrong value to correct, and why it may
// go, or "" when the right value is to be added instead. For :sub, a
// service account subject may be replaced only when it cannot be anyone
// else's: the part that differs from the token's (namespace, name, or
// both) is clearly a typo of it, differing in letter case only or within
// Damerau-Levenshtein distance 2 (and less than half its length, so that
// "db" is no typo of "ui"), and its ServiceAccount is not in the input; or
// the input proves its ServiceAccount does not exist. A single value that
// is no subject at all (the :aud value in its place) is replaced too. Any
// other value may be another workload's, in a namespace the input does not
// show, and stays. For :aud, a single value is replaced (the round trip
// keeps the audiences other pods of the role use).
func replaceCandidate(values []string, actual, claim string, like bool, facts SubjectFacts) (old, why string) {
	if claim != "sub" {
		if len(values) == 1 {
			return values[0], ""
		}
		return "", ""
	}
	ans, aname, _ := SplitServiceAccountSubject(actual)
	match := func(p, s string) bool {
		if like {
			return MatchLike(p, s, false)
		}
		return p == s
	}
	for _, v := range values {
		vns, vname, ok := SplitServiceAccountSubject(v)
		if !ok {
			continue
		}
		nsOK, nameOK := match(vns, ans), match(vname, aname)
		if nsOK && nameOK {
			continue
		}
		exists, gone := facts(v)
		if gone != "" {
			return v, gone
		}
		if exists {
			continue
		}
		var parts []string
		dist := 0
		if !nsOK {
			d, ok := typoDistance(vns, ans)
			if !ok {
				continue
			}
			dist += d
			parts = append(parts, fmt.Sprintf("namespace %q for %q", vns, ans))
		}
		if !nameOK {
			d, ok := typoDistance(vname, aname)
			if !ok {
				continue
			}
			dist += d
			parts = append(parts, fmt.Sprintf("name %q for %q", vname, aname))
		}
		if dist <= 2 {
			return v, "a typo: " + strings.Join(parts, " and ")
		}
	}
	if len(values) == 1 {
		if _, _, ok := SplitServiceAccountSubject(values[0]); !ok {
			return values[0], ""
		}
	}
	return "", ""
}

// typoDistance returns the Damerau-Levenshtein distance between a and b
// ignoring letter case, and whether b is clearly a typo of a: within 2,
// and less than half the longer one's length.
func typoDistance(a, b string) (int, bool) {
	d := OSADistance(strings.ToLower(a), strings.ToLower(b), 2)
	n := max(len([]rune(a)), len([]rune(b)))
	return d, d <= 2 && 2*d < n
}

// correctedValue is the value that admits actual: for a service account
// pattern whose name part still matches, only the namespace is corrected,
// so a namespace-wide pattern stays one.
func correctedValue(old, actual, claim string, like bool) string {
	if claim != "sub" || !like {
		return actual
	}
	ons, oname, okOld := SplitServiceAccountSubject(old)
	ans, aname, okAct := SplitServiceAccountSubject(actual)
	if okOld && okAct && !strings.ContainsAny(ons, "*?") && MatchLike(oname, aname, false) {
		return ServiceAccountSubject(ans, oname)
	}
	return actual
}

// appendFresh appends the statement EKS documents for one service account
// (docs/reference/trust-policy.md#principal, docs/reference/trust-policy.md#condition-keys): this provider, the web identity action, and
// StringEquals on :sub and :aud.
func appendFresh(tree *node, a TrustAsk) []string {
	conds := []member{{a.HostPath + ":sub", str(a.Sub)}}
	if a.Aud != "" {
		conds = append(conds, member{a.HostPath + ":aud", str(a.Aud)})
	}
	st := object(
		member{"Effect", str("Allow")},
		member{"Principal", object(member{"Federated", str(a.Provider)})},
		member{"Action", str(WebIdentityAction)},
		member{"Condition", object(member{"StringEquals", object(conds...)})},
	)
	i := tree.appendStatement(st)
	return []string{fmt.Sprintf("a new Statement[%d] allows %s from Federated %q for sub %q only", i, WebIdentityAction, a.Provider, a.Sub)}
}

// FreshTrustPolicy is the trust policy EKS documents for the asking
// subjects, for a role that does not exist yet.
func FreshTrustPolicy(asks []TrustAsk) (string, error) {
	if len(asks) == 0 {
		return "", errors.New("fresh trust policy: no subject")
	}
	var subs, auds []string
	for _, a := range asks {
		if !slices.Contains(subs, a.Sub) {
			subs = append(subs, a.Sub)
		}
		if a.Aud != "" && !slices.Contains(auds, a.Aud) {
			auds = append(auds, a.Aud)
		}
	}
	conds := []member{{asks[0].HostPath + ":sub", strOrList(subs)}}
	if len(auds) > 0 {
		conds = append(conds, member{asks[0].HostPath + ":aud", strOrList(auds)})
	}
	tree := object(
		member{"Version", str(Version2012)},
		member{"Statement", array(object(
			member{"Effect", str("Allow")},
			member{"Principal", object(member{"Federated", str(asks[0].Provider)})},
			member{"Action", str(WebIdentityAction)},
			member{"Condition", object(member{"StringEquals", object(conds...)})},
		))},
	)
	return tree.render()
}

// exemptFromDeny adds "StringNotEquals": {"HOST/PATH:sub": SUB} to a Deny
// statement (or SUB to such a condition's values): the Deny then applies
// to every subject it applied to except this one.
func exemptFromDeny(st *node, a TrustAsk) error {
	if st == nil || st.kind != kindObject {
		return errFresh
	}
	cond := st.get("Condition")
	if cond == nil {
		cond = object()
		st.set("Condition", cond)
	}
	if cond.kind != kindObject {
		return errFresh
	}
	op := cond.get("StringNotEquals")
	if op == nil {
		op = object()
		cond.set("StringNotEquals", op)
	}
	key := a.HostPath + ":sub"
	for _, m := range op.members {
		if strings.EqualFold(m.key, key) {
			m.val.appendString(a.Sub)
			return nil
		}
	}
	op.set(key, str(a.Sub))
	return nil
}

// moveCondition moves key from operator from to operator to, creating the
// operator block when needed and merging values when it has the key.
func moveCondition(cond *node, from, to, key string) {
	src := cond.get(from)
	val := src.get(key)
	src.del(key)
	if len(src.members) == 0 {
		cond.del(from)
	}
	dst := cond.get(to)
	if dst == nil {
		dst = object()
		cond.set(to, dst)
	}
	if have := dst.get(key); have != nil {
		for _, s := range val.strings() {
			have.appendString(s)
		}
		return
	}
	dst.set(key, val)
}

// WildcardMatch returns the first value with "*" or "?" that matches
// actual as a StringLike pattern, or "".
func WildcardMatch(values []string, actual string, fold bool) string {
	for _, v := range values {
		if strings.ContainsAny(v, "*?") && MatchLike(v, actual, fold) {
			return v
		}
	}
	return ""
}

// KeyClaim splits a condition key of an OIDC issuer into its claim
// ("sub", "aud", ...) and tells whether it names an issuer other than
// hostPath (another cluster, or this one written with https://, a trailing
// slash or the provider ARN). IAM compares keys case-insensitively
// ("Condition key names are not case-sensitive", IAM User Guide). A global
// key (aws:..., sts:...) has no claim.
func KeyClaim(key, hostPath string) (claim string, misnamed bool) {
	i := strings.LastIndexByte(key, ':')
	if i < 0 {
		return "", false
	}
	prefix, claim := key[:i], strings.ToLower(key[i+1:])
	switch {
	case strings.EqualFold(prefix, hostPath):
		return claim, false
	case strings.ContainsAny(prefix, "./"):
		return claim, true
	}
	return "", false
}

// SortedAsks orders asks for a stable result.
func SortedAsks(asks []TrustAsk) []TrustAsk {
	out := append([]TrustAsk(nil), asks...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Sub != out[j].Sub {
			return out[i].Sub < out[j].Sub
		}
		return out[i].Aud < out[j].Aud
	})
	return out
}
