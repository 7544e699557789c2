package model

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// TrustAsk is one subject a corrected trust policy must admit: the request
// a pod sends to STS (irsa-facts.md §3.1, §3.2).
type TrustAsk struct {
	Provider string // the Federated principal: the provider's ARN in the role's account
	HostPath string // the issuer without https://, the prefix of the condition keys
	Sub      string // system:serviceaccount:NS:NAME
	Aud      string // the token's audience; "" when unknown
}

// Request is the ask as the evaluator's request.
func (a TrustAsk) Request() policy.Request {
	req := policy.WebIdentityRequest(a.Provider, a.HostPath, a.Aud, a.Sub)
	if a.Aud == "" {
		delete(req.Context, a.HostPath+":aud")
	}
	return req
}

// probe is a service account of another namespace with the same name: the
// round trip requires that a fix does not admit it when the original did
// not.
func (a TrustAsk) probe() policy.Request {
	name := a.Sub[strings.LastIndexByte(a.Sub, ':')+1:]
	p := a
	p.Sub = policy.ServiceAccountSubject("irsa-doctor-probe-namespace", name)
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
func CorrectTrustPolicy(doc *policy.Document, asks []TrustAsk, keep []policy.Request, facts SubjectFacts) (TrustPolicyFix, error) {
	tree, err := ParseTree(doc.JSON)
	if err != nil {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	if facts == nil {
		facts = func(string) (bool, string) { return false, "" }
	}
	var probes []policy.Request
	for _, a := range asks {
		if p := a.probe(); doc.Evaluate(p).Decision != policy.Allowed {
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
	content, err := tree.Render()
	if err != nil {
		return TrustPolicyFix{}, fmt.Errorf("correct trust policy: %w", err)
	}
	return TrustPolicyFix{Content: content, Changes: changes}, nil
}

// correctFor changes tree so that IAM allows a, trying the smallest edit
// first.
func correctFor(tree *Jnode, a TrustAsk, keep, probes []policy.Request, facts SubjectFacts) ([]string, error) {
	doc, err := tree.Document()
	if err != nil {
		return nil, err
	}
	req := a.Request()
	res := doc.Evaluate(req)
	switch res.Decision {
	case policy.Allowed:
		return nil, nil
	case policy.Unknown:
		return nil, errors.New(res.Explain())
	}
	var changes []string
	// An explicit Deny wins over any Allow: exempt exactly this subject.
	if res.Decision == policy.ExplicitDeny {
		for i := range res.Statements {
			s := &res.Statements[i]
			if s.Statement.Effect == policy.Deny && s.Outcome == policy.Match {
				if err := exemptFromDeny(tree.Statement(s.Statement.Index), a); err != nil {
					return nil, err
				}
				changes = append(changes, fmt.Sprintf("%s no longer applies to %s: a StringNotEquals condition on %s:sub exempts it", s.Statement.Name(), a.Sub, a.HostPath))
			}
		}
		if doc, err = tree.Document(); err != nil {
			return nil, err
		}
		if res = doc.Evaluate(req); res.Decision == policy.Allowed {
			if err := verify(doc, keep, probes); err != nil {
				return nil, err
			}
			return changes, nil
		}
		if res.Decision == policy.Unknown {
			return nil, errors.New(res.Explain())
		}
	}

	// The subjects the policy names literally and admits: an edit that
	// adds keeps admitting them; one that replaces a value drops only it.
	admitted := admittedSubjects(doc, a)
	before := tree.clone()
	attempts := []func(*Jnode) ([]string, []string, error){
		func(t *Jnode) ([]string, []string, error) { return targetedEdit(t, res, a, true, facts) },
		func(t *Jnode) ([]string, []string, error) { return targetedEdit(t, res, a, false, facts) },
		func(t *Jnode) ([]string, []string, error) { return appendFresh(t, a), nil, nil },
	}
	var last error
	for _, try := range attempts {
		cand := before.clone()
		ch, dropped, err := try(cand)
		if err != nil {
			last = err
			continue
		}
		cdoc, err := cand.Document()
		if err != nil {
			last = err
			continue
		}
		if d := cdoc.Evaluate(req); d.Decision != policy.Allowed {
			last = errors.New(d.Explain())
			continue
		}
		must := append([]policy.Request(nil), keep...)
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
func admittedSubjects(doc *policy.Document, a TrustAsk) map[string]policy.Request {
	out := map[string]policy.Request{}
	for _, st := range doc.Statements {
		for _, cd := range st.Conditions {
			if claim, misnamed := keyClaim(cd.Key, a.HostPath); claim != "sub" || misnamed {
				continue
			}
			for _, v := range cd.Values {
				if _, ok := splitSubject(v); !ok || strings.ContainsAny(v, "*?$") || v == a.Sub {
					continue
				}
				o := a
				o.Sub = v
				if doc.Evaluate(o.Request()).Decision == policy.Allowed {
					out[v] = o.Request()
				}
			}
		}
	}
	return out
}

// verify checks the round trip: every kept request is still allowed and
// no probe the original refused is allowed.
func verify(doc *policy.Document, keep, probes []policy.Request) error {
	for _, k := range keep {
		if d := doc.Evaluate(k); d.Decision != policy.Allowed {
			return fmt.Errorf("the change would refuse %s, which the policy allows", k.Principal.Value)
		}
	}
	for _, p := range probes {
		if doc.Evaluate(p).Decision == policy.Allowed {
			return errors.New("the change would admit service accounts of other namespaces")
		}
	}
	return nil
}

// targetedEdit fixes the statement that came closest to allowing the
// request: the principal, the action, condition keys and values. With
// replace, a single wrong condition value is replaced; otherwise the right
// value is added to it.
func targetedEdit(tree *Jnode, res policy.Result, a TrustAsk, replace bool, facts SubjectFacts) (changes, dropped []string, err error) {
	focus := res.Closest()
	if focus == nil {
		return nil, nil, errFresh
	}
	st := focus.Statement
	if st.Principal == nil || st.NotPrincipal || st.NotAction {
		return nil, nil, errFresh
	}
	idx := st.Index
	node := tree.Statement(idx)
	if node == nil {
		return nil, nil, errFresh
	}
	name := st.Name()

	if focus.Principal.Outcome == policy.NoMatch {
		var near, fed []string
		for _, p := range st.Principal.Entries {
			if p.Type != policy.PrincipalFederated {
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
			fedNode := node.Get("Principal").Get("Federated")
			for _, old := range near {
				fedNode.replaceString(old, a.Provider)
				changes = append(changes, fmt.Sprintf("%s trusts Federated %q instead of %q", name, a.Provider, old))
			}
		default:
			// Another cluster's provider: that cluster may still use the
			// statement, so this cluster gets a copy of it.
			cp := node.clone()
			cp.del("Sid")
			cp.set("Principal", Object(Member{"Federated", Str(a.Provider)}))
			idx = tree.AppendStatement(cp)
			node = cp
			changes = append(changes, fmt.Sprintf("a copy of %s trusts Federated %q (the statement itself still trusts %s)", name, a.Provider, strings.Join(QuoteAll(fed), ", ")))
			name = fmt.Sprintf("Statement[%d]", idx)
		}
	}

	if focus.Action.Outcome == policy.NoMatch {
		act := node.Get("Action")
		if act == nil {
			return nil, nil, errFresh
		}
		act.AppendString(policy.WebIdentityAction)
		changes = append(changes, fmt.Sprintf("%s allows %s", name, policy.WebIdentityAction))
	}

	// Condition keys of another issuer, or of this one written with
	// https://, a trailing slash or the provider ARN, never match: the
	// statement now trusts this cluster's provider, so its keys are this
	// issuer's.
	if cond := node.Get("Condition"); cond != nil && cond.kind == '{' {
		for _, op := range cond.members {
			if op.Val.kind != '{' {
				continue
			}
			for _, m := range append([]Member(nil), op.Val.members...) {
				claim, misnamed := keyClaim(m.Key, a.HostPath)
				if !misnamed {
					continue
				}
				want := a.HostPath + ":" + claim
				op.Val.renameKey(m.Key, want)
				changes = append(changes, fmt.Sprintf("%s tests %s instead of %s", name, want, m.Key))
			}
		}
	}

	doc, err := tree.Document()
	if err != nil {
		return nil, nil, err
	}
	sr := doc.Evaluate(a.Request()).Statements
	if idx >= len(sr) {
		return nil, nil, errFresh
	}
	for _, cr := range sr[idx].Conditions {
		if cr.Outcome != policy.NoMatch {
			continue
		}
		claim, misnamed := keyClaim(cr.Key, a.HostPath)
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
		opNode := node.Get("Condition").Get(cr.Operator)
		if opNode == nil || opNode.Get(cr.Key) == nil {
			return nil, nil, errFresh
		}
		switch cr.Base {
		case "StringEquals", "StringEqualsIgnoreCase":
			if pattern := WildcardMatch(cr.Values, actual, cr.Base == "StringEqualsIgnoreCase"); pattern != "" {
				like := strings.Replace(cr.Operator, cr.Base, "StringLike", 1)
				moveCondition(node.Get("Condition"), cr.Operator, like, cr.Key)
				changes = append(changes, fmt.Sprintf("%s compares %s with %s instead of %s, so %q is a pattern", name, cr.Key, like, cr.Operator, pattern))
				continue
			}
		case "StringLike":
		default:
			return nil, nil, errFresh
		}
		valNode := opNode.Get(cr.Key)
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
		valNode.AppendString(actual)
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
	ap, _ := splitSubject(actual)
	match := func(p, s string) bool {
		if like {
			return policy.MatchLike(p, s, false)
		}
		return p == s
	}
	for _, v := range values {
		vp, ok := splitSubject(v)
		if !ok {
			continue
		}
		nsOK, nameOK := match(vp.ns, ap.ns), match(vp.name, ap.name)
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
			d, ok := typoDistance(vp.ns, ap.ns)
			if !ok {
				continue
			}
			dist += d
			parts = append(parts, fmt.Sprintf("namespace %q for %q", vp.ns, ap.ns))
		}
		if !nameOK {
			d, ok := typoDistance(vp.name, ap.name)
			if !ok {
				continue
			}
			dist += d
			parts = append(parts, fmt.Sprintf("name %q for %q", vp.name, ap.name))
		}
		if dist <= 2 {
			return v, "a typo: " + strings.Join(parts, " and ")
		}
	}
	if len(values) == 1 {
		if _, ok := splitSubject(values[0]); !ok {
			return values[0], ""
		}
	}
	return "", ""
}

// typoDistance returns the Damerau-Levenshtein distance between a and b
// ignoring letter case, and whether b is clearly a typo of a: within 2,
// and less than half the longer one's length.
func typoDistance(a, b string) (int, bool) {
	d := policy.OSADistance(strings.ToLower(a), strings.ToLower(b), 2)
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
	op, okOld := splitSubject(old)
	ap, okAct := splitSubject(actual)
	if okOld && okAct && !strings.ContainsAny(op.ns, "*?") && policy.MatchLike(op.name, ap.name, false) {
		return policy.ServiceAccountSubject(ap.ns, op.name)
	}
	return actual
}

// appendFresh appends the statement EKS documents for one service account
// (irsa-facts.md §3.1, §3.2): this provider, the web identity action, and
// StringEquals on :sub and :aud.
func appendFresh(tree *Jnode, a TrustAsk) []string {
	conds := []Member{{a.HostPath + ":sub", Str(a.Sub)}}
	if a.Aud != "" {
		conds = append(conds, Member{a.HostPath + ":aud", Str(a.Aud)})
	}
	st := Object(
		Member{"Effect", Str("Allow")},
		Member{"Principal", Object(Member{"Federated", Str(a.Provider)})},
		Member{"Action", Str(policy.WebIdentityAction)},
		Member{"Condition", Object(Member{"StringEquals", Object(conds...)})},
	)
	i := tree.AppendStatement(st)
	return []string{fmt.Sprintf("a new Statement[%d] allows %s from Federated %q for sub %q only", i, policy.WebIdentityAction, a.Provider, a.Sub)}
}

// FreshTrustPolicy is the trust policy EKS documents for the asking
// subjects, for a role that does not exist yet.
func FreshTrustPolicy(asks []TrustAsk) (string, error) {
	if len(asks) == 0 {
		return "", errors.New("fresh trust policy: no subject")
	}
	var subs, auds []string
	for _, a := range asks {
		subs = AppendUnique(subs, a.Sub)
		if a.Aud != "" {
			auds = AppendUnique(auds, a.Aud)
		}
	}
	conds := []Member{{asks[0].HostPath + ":sub", StrOrList(subs)}}
	if len(auds) > 0 {
		conds = append(conds, Member{asks[0].HostPath + ":aud", StrOrList(auds)})
	}
	tree := Object(
		Member{"Version", Str(policy.Version2012)},
		Member{"Statement", array(Object(
			Member{"Effect", Str("Allow")},
			Member{"Principal", Object(Member{"Federated", Str(asks[0].Provider)})},
			Member{"Action", Str(policy.WebIdentityAction)},
			Member{"Condition", Object(Member{"StringEquals", Object(conds...)})},
		))},
	)
	return tree.Render()
}

// exemptFromDeny adds "StringNotEquals": {"HOST/PATH:sub": SUB} to a Deny
// statement (or SUB to such a condition's values): the Deny then applies
// to every subject it applied to except this one.
func exemptFromDeny(st *Jnode, a TrustAsk) error {
	if st == nil || st.kind != '{' {
		return errFresh
	}
	cond := st.Get("Condition")
	if cond == nil {
		cond = Object()
		st.set("Condition", cond)
	}
	if cond.kind != '{' {
		return errFresh
	}
	op := cond.Get("StringNotEquals")
	if op == nil {
		op = Object()
		cond.set("StringNotEquals", op)
	}
	key := a.HostPath + ":sub"
	for _, m := range op.members {
		if strings.EqualFold(m.Key, key) {
			m.Val.AppendString(a.Sub)
			return nil
		}
	}
	op.set(key, Str(a.Sub))
	return nil
}

// moveCondition moves key from operator from to operator to, creating the
// operator block when needed and merging values when it has the key.
func moveCondition(cond *Jnode, from, to, key string) {
	src := cond.Get(from)
	val := src.Get(key)
	src.del(key)
	if len(src.members) == 0 {
		cond.del(from)
	}
	dst := cond.Get(to)
	if dst == nil {
		dst = Object()
		cond.set(to, dst)
	}
	if have := dst.Get(key); have != nil {
		for _, s := range val.strings() {
			have.AppendString(s)
		}
		return
	}
	dst.set(key, val)
}

// wildcardMatch returns the first value with "*" or "?" that matches
// actual as a StringLike pattern, or "".
func WildcardMatch(values []string, actual string, fold bool) string {
	for _, v := range values {
		if strings.ContainsAny(v, "*?") && policy.MatchLike(v, actual, fold) {
			return v
		}
	}
	return ""
}

// keyClaim splits a condition key of an OIDC issuer into its claim
// ("sub", "aud", ...) and tells whether it names an issuer other than
// hostPath (another cluster, or this one written with https://, a trailing
// slash or the provider ARN). IAM compares keys case-insensitively
// ("Condition key names are not case-sensitive", IAM User Guide). A global
// key (aws:..., sts:...) has no claim.
func keyClaim(key, hostPath string) (claim string, misnamed bool) {
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

type subjectParts struct{ ns, name string }

// splitSubject splits system:serviceaccount:NS:NAME.
func splitSubject(s string) (subjectParts, bool) {
	p := strings.SplitN(s, ":", 4)
	if len(p) != 4 || p[0] != "system" || p[1] != "serviceaccount" {
		return subjectParts{}, false
	}
	return subjectParts{ns: p[2], name: p[3]}, true
}

func AppendUnique(ss []string, s string) []string {
	for _, have := range ss {
		if have == s {
			return ss
		}
	}
	return append(ss, s)
}

func QuoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// jnode is a JSON value that keeps object members in order, so an edited
// policy keeps the user's layout of keys.
type Jnode struct {
	kind    jsontext.Kind // '{', '[', or the scalar's kind
	members []Member
	items   []*Jnode
	raw     jsontext.Value // scalars
}

type Member struct {
	Key string
	Val *Jnode
}

func Object(ms ...Member) *Jnode { return &Jnode{kind: '{', members: ms} }

func array(items ...*Jnode) *Jnode { return &Jnode{kind: '[', items: items} }

func Str(s string) *Jnode {
	b, err := jsontext.AppendQuote(nil, s)
	if err != nil {
		// Invalid UTF-8 is replaced, never fatal: the value came from a
		// document that parsed.
		b, _ = jsontext.AppendQuote(nil, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return &Jnode{kind: '"', raw: b}
}

func StrOrList(ss []string) *Jnode {
	if len(ss) == 1 {
		return Str(ss[0])
	}
	items := make([]*Jnode, len(ss))
	for i, s := range ss {
		items[i] = Str(s)
	}
	return array(items...)
}

// parseTree reads a JSON text into a tree.
func ParseTree(text string) (*Jnode, error) {
	dec := jsontext.NewDecoder(strings.NewReader(text), jsontext.AllowDuplicateNames(true))
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return n, nil
}

func readNode(dec *jsontext.Decoder, depth int) (*Jnode, error) {
	if depth > 64 {
		return nil, errors.New("too deeply nested")
	}
	switch dec.PeekKind() {
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		n := Object()
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			// The token is valid only until the next read.
			key := strings.Clone(tok.String())
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, Member{key, v})
		}
		_, err := dec.ReadToken()
		return n, err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		n := array()
		for dec.PeekKind() != ']' {
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		_, err := dec.ReadToken()
		return n, err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return nil, err
	}
	return &Jnode{kind: v.Kind(), raw: v.Clone()}, nil
}

func (n *Jnode) encode(b *bytes.Buffer) error {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			k, err := jsontext.AppendQuote(nil, m.Key)
			if err != nil {
				return err
			}
			b.Write(k)
			b.WriteByte(':')
			if err := m.Val.encode(b); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := it.encode(b); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		b.Write(n.raw)
	}
	return nil
}

// render is the tree as JSON indented with two spaces, as the IAM and EKS
// documentation print policies.
func (n *Jnode) Render() (string, error) {
	var b bytes.Buffer
	if err := n.encode(&b); err != nil {
		return "", err
	}
	v := jsontext.Value(b.Bytes())
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		return "", fmt.Errorf("render policy: %w", err)
	}
	return string(v) + "\n", nil
}

// document parses the tree as a policy.
func (n *Jnode) Document() (*policy.Document, error) {
	text, err := n.Render()
	if err != nil {
		return nil, err
	}
	return policy.ParseDocument(text)
}

func (n *Jnode) clone() *Jnode {
	c := &Jnode{kind: n.kind, raw: n.raw}
	for _, m := range n.members {
		c.members = append(c.members, Member{m.Key, m.Val.clone()})
	}
	for _, it := range n.items {
		c.items = append(c.items, it.clone())
	}
	return c
}

// get returns the member called key of an object, or nil.
func (n *Jnode) Get(key string) *Jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for _, m := range n.members {
		if m.Key == key {
			return m.Val
		}
	}
	return nil
}

// set replaces the member called key, or appends it.
func (n *Jnode) set(key string, v *Jnode) {
	for i := range n.members {
		if n.members[i].Key == key {
			n.members[i].Val = v
			return
		}
	}
	n.members = append(n.members, Member{key, v})
}

func (n *Jnode) del(key string) {
	out := n.members[:0]
	for _, m := range n.members {
		if m.Key != key {
			out = append(out, m)
		}
	}
	n.members = out
}

// renameKey renames a member in place; when the new key exists already,
// the values merge into it.
func (n *Jnode) renameKey(old, key string) {
	if have := n.Get(key); have != nil && old != key {
		for _, s := range n.Get(old).strings() {
			have.AppendString(s)
		}
		n.del(old)
		return
	}
	for i := range n.members {
		if n.members[i].Key == old {
			n.members[i].Key = key
			return
		}
	}
}

// text returns a string scalar's value.
func (n *Jnode) text() (string, bool) {
	if n == nil || n.kind != '"' {
		return "", false
	}
	b, err := jsontext.AppendUnquote(nil, n.raw)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// strings returns the string values of a string or a list.
func (n *Jnode) strings() []string {
	if n == nil {
		return nil
	}
	if s, ok := n.text(); ok {
		return []string{s}
	}
	var out []string
	for _, it := range n.items {
		if s, ok := it.text(); ok {
			out = append(out, s)
		}
	}
	return out
}

// appendString adds s to a string or list value (a string becomes a list),
// unless it is there already.
func (n *Jnode) AppendString(s string) {
	for _, have := range n.strings() {
		if have == s {
			return
		}
	}
	if n.kind == '[' {
		n.items = append(n.items, Str(s))
		return
	}
	first := &Jnode{kind: n.kind, raw: n.raw}
	*n = *array(first, Str(s))
}

// replaceString replaces the string old (a scalar, or an item of a list)
// by s.
func (n *Jnode) replaceString(old, s string) {
	if v, ok := n.text(); ok {
		if v == old {
			*n = *Str(s)
		}
		return
	}
	for i, it := range n.items {
		if v, ok := it.text(); ok && v == old {
			n.items[i] = Str(s)
		}
	}
}

// statement returns the i-th statement: Statement itself when it is one
// object.
func (n *Jnode) Statement(i int) *Jnode {
	st := n.Get("Statement")
	switch {
	case st == nil:
		return nil
	case st.kind == '{' && i == 0:
		return st
	case st.kind == '[' && i >= 0 && i < len(st.items):
		return st.items[i]
	}
	return nil
}

// appendStatement adds a statement and returns its index; a single
// statement object becomes a list.
func (n *Jnode) AppendStatement(s *Jnode) int {
	st := n.Get("Statement")
	switch {
	case st == nil:
		n.set("Statement", array(s))
		return 0
	case st.kind == '{':
		n.set("Statement", array(st, s))
		return 1
	}
	st.items = append(st.items, s)
	return len(st.items) - 1
}

// sortedAsks orders asks for a stable result.
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
