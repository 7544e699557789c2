package model

import (
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// focusState says how the focus relates to the request.
type focusState int

const (
	FocusNone    focusState = iota // the policy has no Allow statement
	focusApplies                   // an Allow statement applies
	focusMaybe                     // one may apply; the evaluator cannot tell
	FocusMisses                    // none applies; the focus came closest
)

// TrustCond is one condition of the focus.
type TrustCond struct {
	// res is the condition as IAM evaluates it; as is its evaluation with
	// misnamed keys given the value of the claim they were meant for, which
	// tells whether the value would match once the key is right.
	Res, As  policy.ConditionResult
	Claim    string // "sub", "aud", another claim, or "" for a global key
	Misnamed bool   // names another issuer, or this one misspelled
}

// TrustDiag is the diagnosis of one target's request.
type TrustDiag struct {
	In *TrustInput
	// The diagnosis proper depends only on the document, the request and
	// the issuer (DiagKey), which thousands of targets share: it is
	// shared, read-only, and only In is the target's own.
	*trustCore
}

type trustCore struct {
	req   policy.Request
	Res   policy.Result
	State focusState
	Focus *policy.StatementResult
	Conds []TrustCond
	// subConds and audConds are claimConds("sub") and claimConds("aud"),
	// asked for every target.
	subConds, audConds []TrustCond
}

// diagnoseTrust evaluates the trust policy for the input's request.
func diagnoseTrust(c *Context, in *TrustInput) *trustCore {
	d := &trustCore{req: in.Request()}
	d.diagnose(c, in)
	d.subConds = d.filterConds("sub")
	d.audConds = d.filterConds("aud")
	return d
}

func (d *trustCore) diagnose(c *Context, in *TrustInput) {
	d.Res = c.EvaluateInput(in)
	for _, want := range []policy.Outcome{policy.Match, policy.Uncertain} {
		for i := range d.Res.Statements {
			s := &d.Res.Statements[i]
			if s.Statement.Effect == policy.Allow && s.Outcome == want && d.Focus == nil {
				d.Focus = s
				d.State = map[policy.Outcome]focusState{policy.Match: focusApplies, policy.Uncertain: focusMaybe}[want]
			}
		}
	}
	if d.Focus == nil {
		if d.Focus = d.Res.Closest(); d.Focus != nil {
			d.State = FocusMisses
		}
	}
	if d.Focus == nil {
		return
	}

	// The counterfactual: misnamed keys of :sub and :aud carry the token's
	// values, as if their keys were right.
	as := d.req
	as.Context = nil
	for _, c := range d.Focus.Statement.Conditions {
		claim, misnamed := policy.KeyClaim(c.Key, in.Issuer.HostPath)
		if !misnamed {
			continue
		}
		if v, ok := d.req.Context[in.Issuer.HostPath+":"+claim]; ok {
			if as.Context == nil {
				as.Context = maps.Clone(d.req.Context)
			}
			as.Context[c.Key] = v
		}
	}
	// Without a misnamed key the counterfactual is the request itself,
	// already evaluated: the common case, once per ServiceAccount.
	asRes := d.Res
	if as.Context != nil {
		asRes = c.Evaluate(in.Doc, as)
	}
	asFocus := &asRes.Statements[d.Focus.Statement.Index]
	if len(d.Focus.Conditions) > 0 {
		d.Conds = make([]TrustCond, 0, len(d.Focus.Conditions))
	}
	for i, cr := range d.Focus.Conditions {
		claim, misnamed := policy.KeyClaim(cr.Key, in.Issuer.HostPath)
		d.Conds = append(d.Conds, TrustCond{Res: cr, As: asFocus.Conditions[i], Claim: claim, Misnamed: misnamed})
	}
}

// FocusName names the focus for messages.
func (d *trustCore) FocusName() string { return d.Focus.Statement.Name() }

// claimConds returns the focus' conditions on a claim (:sub or :aud),
// misnamed keys included. Callers must not modify the result.
func (d *trustCore) claimConds(claim string) []TrustCond {
	switch claim {
	case "sub":
		return d.subConds
	case "aud":
		return d.audConds
	}
	return d.filterConds(claim)
}

// filterConds returns the conditions on claim, in order: a clipped
// subslice of Conds when they are neighbours there (a policy usually has
// one condition per claim), else a copy.
func (d *trustCore) filterConds(claim string) []TrustCond {
	first, last, n := -1, -1, 0
	for i := range d.Conds {
		if d.Conds[i].Claim == claim {
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	switch {
	case n == 0:
		return nil
	case last-first+1 == n:
		return d.Conds[first : last+1 : last+1]
	}
	out := make([]TrustCond, 0, n)
	for _, c := range d.Conds {
		if c.Claim == claim {
			out = append(out, c)
		}
	}
	return out
}

// NoAllowReason is the skip reason of a condition check when the policy
// has no Allow statement (IRSA202 and IRSA203 fail then).
func NoAllowReason(in *TrustInput) string {
	return fmt.Sprintf("the trust policy of role %s has no Allow statement (IRSA202)", in.RoleFact.Name)
}

// TrustFixDetails carries the corrected policy, the command that applies
// it, and a remediation that lists the changes. A correction that cannot
// be proven (the evaluator cannot decide, or no change passes the round
// trip) leaves the generic remediation, with the reason.
func TrustFixDetails(c *Context, in *TrustInput, generic string) []Detail {
	details, remedy := TrustFix(c, in, generic)
	if remedy != "" {
		details = append(details, Remedy(remedy))
	}
	return details
}

// TrustFix is TrustFixDetails with the remediation apart, for a caller
// that puts another step first. generic is the check's own remediation,
// kept when no correction can be proven.
func TrustFix(c *Context, in *TrustInput, generic string) ([]Detail, string) {
	asks, keep := RoleAsks(c, in)
	// The role's name from its ARN: the one identity of a role (a
	// capture's RoleName is never trusted for a command).
	roleName := in.WebIdentity.Role.ARN.Name
	fileName := roleName + ".trust-policy.json"
	if len(asks) == 0 {
		return nil, ""
	}
	fix, err := policy.CorrectTrustPolicy(in.Doc, asks, keep, c.subjectFacts)
	if err != nil {
		return nil, strings.TrimSpace(generic) + "\n\nNo corrected policy is proposed: " + err.Error() + "."
	}
	var b strings.Builder
	for _, ch := range fix.Changes {
		if strings.Contains(ch, " no longer applies to ") {
			b.WriteString("A Deny statement is usually written on purpose: apply this only if the service account is meant to use the role.\n\n")
			break
		}
	}
	fmt.Fprintf(&b, "Apply the corrected trust policy %s, your own document with the smallest change that admits ", finding.MarkdownCode(fileName))
	var subs []string
	for _, a := range asks {
		subs = append(subs, finding.MarkdownCode(a.Sub))
	}
	b.WriteString(strings.Join(subs, ", "))
	b.WriteString(" and nothing broader:\n\n")
	for _, ch := range fix.Changes {
		b.WriteString("- " + ch + "\n")
	}
	if others := otherPrincipals(in); len(others) > 0 {
		// The corrected policy keeps the user's other statements as they
		// are: say so, so that a principal a forged or stale capture
		// slipped in is not re-applied unseen.
		fmt.Fprintf(&b, "\nThis policy also trusts %s: the corrected document keeps them as they are; review them before you apply it.\n", strings.Join(others, ", "))
	}
	if owner := ManagedBy(in.RoleFact); owner != "" {
		// The CLI change holds only until the tool that owns the role
		// applies its own copy again.
		fmt.Fprintf(&b, "\nRole %s is managed by %s: the next apply reverts a change made with the AWS CLI, so make the change there too.\n", in.RoleFact.Name, owner)
	}
	fmt.Fprintf(&b, "\nTrust policy changes need no pod restart.")
	return append([]Detail{FixFile(fileName, fix.Content)}, TrustUpdate(roleName, fileName, in.Doc.JSON, in.IAM)...), b.String()
}

// subjectFacts says what the input knows of the ServiceAccount a :sub
// value names: that it exists, or the proof that it does not: a List of
// its namespace without it, or kubectl's NotFound text (docs/contract.md
// "Absence needs proof"). A pattern names no one ServiceAccount.
func (c *Context) subjectFacts(sub string) (exists bool, gone string) {
	ns, name, ok := policy.SplitServiceAccountSubject(sub)
	if !ok || strings.ContainsAny(sub, "*?$") {
		return false, ""
	}
	if c.Snap.ServiceAccount(ns, name) != nil {
		return true, ""
	}
	if _, ok := SACopiesDiffer(c.Snap, ns, name); ok {
		return true, "" // left out for its differing copies, but it exists
	}
	if nf, ok := c.Snap.NotFoundFor(snapshot.KindServiceAccount, ns, name); ok {
		return false, fmt.Sprintf("ServiceAccount %s/%s does not exist: %s says %s", ns, name, nf.Source.Ref, nf.Message)
	}
	if l, ok := c.Snap.ListedIn(snapshot.KindServiceAccount, ns); ok {
		if l.AllNamespaces {
			return false, fmt.Sprintf("ServiceAccount %s/%s does not exist: %s lists the ServiceAccounts of every namespace without it", ns, name, l.Source.Ref)
		}
		return false, fmt.Sprintf("ServiceAccount %s/%s does not exist: %s lists the ServiceAccounts of namespace %s without it", ns, name, l.Source.Ref, ns)
	}
	return false, ""
}

// RoleAsks returns, for every IRSA target of the run whose ServiceAccount
// names the same role, the request its pods send: asks are those the
// trust policy refuses (the corrected policy must admit them), keep those
// it allows (it must keep allowing them). Requests the evaluator cannot
// decide are in neither.
func RoleAsks(c *Context, in *TrustInput) (asks []policy.TrustAsk, keep []policy.Request) {
	seen := map[string]bool{}
	targets := c.Targets
	for _, t := range targets {
		if t.Mechanism == MechanismPodIdentity {
			continue
		}
		// targetRole, not TargetRole: another target's memo belongs to
		// the worker judging it (OnceFor takes no lock).
		ref, present, err := targetRole(t)
		if !present || err != nil {
			continue
		}
		if role, _, _ := c.RoleFact(ref.ARN); role != in.RoleFact {
			continue
		}
		w := NewWebIdentity(t, ref, in.Issuer)
		a := policy.TrustAsk{Provider: w.ProviderARN, HostPath: w.Issuer.HostPath, Sub: w.Subject}
		if w.Audience.Known {
			a.Aud = w.Audience.Value
		}
		k := a.Sub + "\x00" + a.Aud
		if seen[k] {
			continue
		}
		seen[k] = true
		switch in.Doc.Evaluate(a.Request()).Decision {
		case policy.Allowed:
			keep = append(keep, a.Request())
		case policy.ImplicitDeny, policy.ExplicitDeny:
			asks = append(asks, a)
		}
	}
	return policy.SortedAsks(asks), keep
}

// IssuerDiff names the likely cause when got (a Federated principal or a
// condition key prefix) is not the expected one (docs/reference/sts-errors.md
// AccessDenied row, §3.1, §3.4; docs/reference/failure-modes.md#15-wrong-issuer-host-order, docs/reference/failure-modes.md#16-condition-keys-with-a-scheme-a-prefix-or-a-trailing-slash, docs/reference/failure-modes.md#20-cross-account-role, docs/reference/failure-modes.md#25-issuer-changed).
func IssuerDiff(got string, w WebIdentity, isKey bool) []string {
	var why []string
	g := strings.TrimSpace(got)
	hp := g
	if strings.HasPrefix(g, "arn:") {
		if isKey {
			why = append(why, "it is the provider ARN, but condition keys start with the issuer's host and path")
		}
		parts := strings.SplitN(g, ":", 6)
		if len(parts) == 6 {
			if parts[1] != w.Role.ARN.Partition {
				why = append(why, fmt.Sprintf("partition %s instead of the role's %s", parts[1], w.Role.ARN.Partition))
			}
			if !isKey && parts[4] != w.Role.ARN.Account {
				why = append(why, fmt.Sprintf("account %s: STS looks for the provider in the role's account %s", parts[4], w.Role.ARN.Account))
			}
			hp = strings.TrimPrefix(parts[5], "oidc-provider/")
		}
	}
	if strings.Contains(hp, "://") {
		why = append(why, "it keeps the issuer URL's https:// scheme")
		hp = hp[strings.Index(hp, "://")+3:]
	}
	if strings.HasSuffix(hp, "/") {
		why = append(why, "it ends with a slash")
		hp = strings.TrimRight(hp, "/")
	}
	want := w.Issuer.HostPath
	gotHost, gotPath, _ := strings.Cut(hp, "/")
	wantHost, wantPath, _ := strings.Cut(want, "/")
	if !strings.EqualFold(gotHost, wantHost) {
		if m := swappedHost.FindStringSubmatch(strings.ToLower(gotHost)); m != nil {
			why = append(why, fmt.Sprintf("host %s puts the region before eks; EKS issuers are oidc.eks.%s.amazonaws.com", gotHost, m[1]))
		} else if gr, wr := issuerRegion(hp), issuerRegion(want); gr != "" && wr != "" && gr != wr {
			why = append(why, fmt.Sprintf("region %s instead of the cluster's %s", gr, wr))
		} else if gr != "" && wr != "" && strings.HasSuffix(gotHost, ".cn") != strings.HasSuffix(wantHost, ".cn") {
			why = append(why, fmt.Sprintf("host %s belongs to another partition than %s", gotHost, wantHost))
		}
	}
	if gid, wid := arn.IssuerClusterID(hp), arn.IssuerClusterID(want); gid != "" && wid != "" && !strings.EqualFold(gid, wid) {
		why = append(why, fmt.Sprintf("cluster ID %s instead of this cluster's %s: another cluster's, or this cluster's before it was re-created", strings.ToUpper(gid), strings.ToUpper(wid)))
	} else if gotPath != wantPath && strings.EqualFold(gotPath, wantPath) {
		why = append(why, "its path differs in letter case")
	}
	return why
}

// swappedHost matches oidc.REGION.eks.amazonaws.com, the host order the
// webhook's README example uses by mistake (docs/reference/failure-modes.md#15-wrong-issuer-host-order).
var swappedHost = regexp.MustCompile(`^oidc\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?$`)

// LikelyCause renders issuerDiff's reasons.
func LikelyCause(why []string) string {
	if len(why) == 0 {
		return ""
	}
	return " (likely cause: " + strings.Join(why, "; ") + ")"
}

// subjectDiff says which part of the service account subject differs from
// the token's: the namespace, the name, or the whole value.
func subjectDiff(values []string, base, actual, aud string) string {
	ans, aname, _ := policy.SplitServiceAccountSubject(actual)
	fold := strings.HasSuffix(base, "IgnoreCase")
	like := base == "StringLike" || base == "StringNotLike"
	match := func(pattern, s string) bool {
		if like {
			return policy.MatchLike(pattern, s, false)
		}
		if fold {
			return strings.EqualFold(pattern, s)
		}
		return pattern == s
	}
	var parts []string
	for _, v := range values {
		vns, vname, ok := policy.SplitServiceAccountSubject(v)
		if !ok {
			if v == aud {
				parts = append(parts, fmt.Sprintf("%q is the token's audience, not a subject: the :sub and :aud values look swapped", v))
			} else {
				parts = append(parts, fmt.Sprintf("%q is not of the form system:serviceaccount:NAMESPACE:NAME", v))
			}
			continue
		}
		nsOK, nameOK := match(vns, ans), match(vname, aname)
		switch {
		case !nsOK && nameOK:
			parts = append(parts, fmt.Sprintf("the namespace differs: %q in the policy, %q in the token", vns, ans))
		case nsOK && !nameOK:
			parts = append(parts, fmt.Sprintf("the service account name differs: %q in the policy, %q in the token", vname, aname))
		case !nsOK && !nameOK:
			parts = append(parts, fmt.Sprintf("both the namespace and the name differ: %q in the policy, %q in the token", vns+":"+vname, ans+":"+aname))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// diagKeyOf: the diagnosis of one trust input.
type diagKeyOf struct{ in *TrustInput }

// Trust gathers the facts of the target's trust policy and evaluates the
// request its pods send, once per target. It returns nil, with the
// verdict to record (a skip when a fact is missing, nothing when the
// target names no role), when the trust-policy checks cannot judge: a
// document whose effect IAM does not document (a repeated JSON key) is
// skipped with that reason.
func Trust(c *Context, t *Target) (*TrustDiag, Verdicts) {
	var r Verdicts
	in, ok := PrepareTrust(c, t, &r)
	if !ok {
		return nil, r
	}
	d := OnceFor(t, diagKeyOf{in}, func() *TrustDiag { return c.trustDiagnosis(in) })
	if d.Res.Decision == policy.Unknown && d.Res.Deciding == nil {
		r.Skip(in.WebIdentity.Role.Subject(), "IAM's decision for this trust policy is not determined: "+d.Res.Reason)
		return nil, r
	}
	return d, nil
}

// JudgeClaim judges the focus' conditions on :sub or :aud (IRSA205,
// IRSA206), misnamed keys read as if they were right.
func JudgeClaim(c *Context, t *Target, r *Verdicts, d *TrustDiag, claim, generic string) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	if d.Focus == nil {
		r.Skip(subj, NoAllowReason(in))
		return
	}
	conds := d.claimConds(claim)
	actual, what := in.Subject, "sub"
	if claim == "aud" {
		actual, what = in.Audience.Value, "aud"
		if !in.Audience.Known && len(conds) > 0 {
			r.Skip(subj, fmt.Sprintf("%s tests :aud, and the token's audience is not known: the token names none, so the API server issues it for its own audiences, which the input does not show", d.FocusName()))
			return
		}
	}
	for _, cd := range conds {
		if cd.As.Outcome != policy.NoMatch {
			continue
		}
		msg := fmt.Sprintf("%s %s", d.FocusName(), cd.As.Why)
		if claim == "sub" {
			msg += subjectDiff(cd.As.Values, cd.As.Base, actual, in.Audience.Value)
		} else if len(cd.As.Values) == 1 && isSubject(cd.As.Values[0]) {
			msg += fmt.Sprintf(": %q is a service account subject, not an audience: the :sub and :aud values look swapped", cd.As.Values[0])
		}
		if cd.Misnamed {
			msg += " (read under this issuer's key; IRSA204 reports the key)"
		}
		ev := []Detail{TrustPolicyEvidence(in), in.SubjectEvidence()}
		if claim == "aud" {
			ev = []Detail{TrustPolicyEvidence(in), in.Audience.Evidence()}
			if now, stale := StaleAudience(t); stale {
				// The pod was created before its ServiceAccount's
				// audience changed, and keeps the old one (the webhook
				// acts on CREATE only, docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache).
				ev = append(ev, Ev(now.Source, "a re-created pod's aud: "+AudienceText(now)+" ("+now.Where+")"))
				if !audienceAdmitted(c, in, now) {
					if now.Known {
						msg += fmt.Sprintf("; a re-created pod would get %q, which the condition rejects too", now.Value)
					} else {
						msg += "; a re-created pod would get a token without an audience of its own"
					}
				} else {
					msg += fmt.Sprintf("; the pods keep the audience they were created with, and a re-created pod gets %q, which the condition admits: restart the pods", now.Value)
					restart := StaleRestart(c, t, in.Audience, now)
					fix, remedy := TrustFix(c, in, generic)
					details := append(append(ev, Run(restart...)), fix...)
					r.Fail(subj, msg, append(details, Remedy(RestartFirst(t, in.Audience, now, restart, remedy)))...)
					return
				}
			}
			if where, ok := ManifestVolume(t); ok {
				// The audience is written in the template's own volume,
				// which the webhook keeps (docs/reference/webhook.md#containers-that-already-set-the-variables): correcting
				// the volume comes before widening the trust policy.
				msg += "; the audience comes from the aws-iam-token volume the pod template defines itself, which the webhook keeps"
				want := InjectedAudience(t)
				if !audienceAdmitted(c, in, want) {
					want = AudienceFact{}
				}
				fix, remedy := TrustFix(c, in, generic)
				rem := ManifestVolumeRemedy(where, in.Audience.Value, want)
				if remedy != "" {
					rem += fmt.Sprintf("\n\nOnly if %q is meant for STS, widen the trust policy instead: %s", in.Audience.Value, remedy)
				}
				r.Fail(subj, msg, append(append(ev, fix...), Remedy(rem))...)
				return
			}
		}
		r.Fail(subj, msg, append(ev, TrustFixDetails(c, in, generic)...)...)
		return
	}
	for _, cd := range conds {
		if cd.As.Outcome == policy.Uncertain {
			r.Skip(subj, fmt.Sprintf("%s %s", d.FocusName(), cd.As.Why))
			return
		}
	}
	if len(conds) == 0 {
		note := ""
		if claim == "sub" {
			note = " (IRSA207 judges how broad that is)"
		}
		r.PassFunc(subj, func() string { return fmt.Sprintf("%s does not restrict :%s%s", d.FocusName(), claim, note) })
		return
	}
	// Every IRSA target passes here twice: the message is built only when
	// the pass is shown, by a method value of d (which holds all it needs)
	// rather than a closure over its parts.
	var describe func() string
	switch claim {
	case "sub":
		describe = d.subPass
	case "aud":
		describe = d.audPass
	default:
		describe = func() string { return d.claimPass(claim, what, actual) }
	}
	r.PassFunc(subj, describe)
}

// subPass and audPass are JudgeClaim's pass messages.
func (d *TrustDiag) subPass() string { return d.claimPass("sub", "sub", d.In.Subject) }
func (d *TrustDiag) audPass() string { return d.claimPass("aud", "aud", d.In.Audience.Value) }

func (d *TrustDiag) claimPass(claim, what, actual string) string {
	note := ""
	for _, cd := range d.claimConds(claim) {
		if cd.Misnamed {
			note = " once its key is corrected (IRSA204)"
		}
	}
	return fmt.Sprintf("%s %q satisfies the :%s condition of %s%s", what, actual, claim, d.FocusName(), note)
}

func isSubject(s string) bool {
	_, _, ok := policy.SplitServiceAccountSubject(s)
	return ok
}

// audienceAdmitted reports whether the trust policy's :aud conditions
// admit the target's request with another audience (its subject and
// provider unchanged).
func audienceAdmitted(c *Context, in *TrustInput, aud AudienceFact) bool {
	if !aud.Known {
		return false
	}
	w := *in.WebIdentity
	w.Audience = aud
	alt := TrustInput{WebIdentity: &w, RoleFact: in.RoleFact, Doc: in.Doc, Bare: in.Bare}
	d := c.trustDiagnosis(&alt)
	if d.Focus == nil {
		return false
	}
	for _, cd := range d.claimConds("aud") {
		if cd.As.Outcome != policy.Match {
			return false
		}
	}
	return true
}

// trustBreadth returns why the policy is too broad (one clause per
// statement), why that is not known, the :sub values that pin the
// statements that are not, and how many statements it considered (Allow
// statements that allow the web identity action from an OIDC provider).
// breadth is trustBreadth's result.
type Breadth struct {
	Broad      []string
	Unsure     string
	Pins       []string
	Considered int
}

// TrustInput is what the trust-policy checks (IRSA202-IRSA210) judge.
type TrustInput struct {
	// *WebIdentity is shared with ProviderFacts (targetWebIdentity): read
	// only.
	*WebIdentity
	RoleFact *snapshot.Role
	Doc      *policy.Document
	// Bare is true when RoleFact was made from a bare policy document
	// (bareTrust), not read from get-role or list-roles output.
	Bare bool

	// req is Request, built once: eight checks ask for it (a TrustInput
	// belongs to one target, judged by one goroutine); reqID is RequestID,
	// likewise.
	req   *policy.Request
	reqID any
}

// Request is WebIdentity.Request, built once per input. Callers must not
// modify it.
func (in *TrustInput) Request() policy.Request {
	if in.req == nil {
		r := in.WebIdentity.Request()
		in.req = &r
	}
	return *in.req
}

// RequestID identifies the input's request for the memos: the facts
// WebIdentity.RequestFor builds it from, which decide it, rather than its
// canonical text (RequestKey), which every target would build again.
func (in *TrustInput) RequestID() any {
	if in.reqID == nil {
		in.reqID = webIdentityRequestID{provider: in.ProviderARN, hostPath: in.Issuer.HostPath,
			subject: in.Subject, aud: in.Audience.Value, audKnown: in.Audience.Known}
	}
	return in.reqID
}

type webIdentityRequestID struct {
	provider, hostPath, subject, aud string
	audKnown                         bool
}

// PrepareTrust gathers the trust policy and the request for the target,
// recording a skip (or nothing, when the check does not apply) and
// returning false when the check cannot judge.
func PrepareTrust(c *Context, t *Target, r *Verdicts) (*TrustInput, bool) {
	// Eight checks judge the same trust policy for the same target: gather
	// it once, with the verdicts each of them records.
	e := OnceFor(t, trustKey{}, func() (e trustEntry) {
		e.in, e.ok = gatherTrust(c, t, &e.v)
		return e
	})
	*r = append(*r, e.v...)
	return e.in, e.ok
}

type trustKey struct{}

type trustEntry struct {
	in *TrustInput
	ok bool
	v  Verdicts
}

func gatherTrust(c *Context, t *Target, r *Verdicts) (*TrustInput, bool) {
	ref, ok := IamTargetRole(t, r)
	if !ok {
		return nil, false
	}
	subj := ref.Subject()
	role, bare, lk := c.RoleFact(ref.ARN)
	if role == nil {
		why, ev := RoleAbsentReason(c, ref.ARN)
		if RoleProvenMissing(c.Snap, ref.ARN, lk) != "" {
			why, ev = fmt.Sprintf("role %s does not exist (IRSA201)", ref.ARN.Name), nil
		}
		r.Skip(subj, why, ev...)
		return nil, false
	}
	if strings.TrimSpace(role.TrustPolicy) == "" {
		r.Skip(subj, fmt.Sprintf("the input holds role %s without its trust policy (capture: %s)", ref.ARN.Name, GetRoleCmd(ref.ARN)))
		return nil, false
	}
	doc, err := c.RoleTrustDocument(role)
	if err != nil {
		r.Skip(subj, fmt.Sprintf("the trust policy of role %s is not valid (IRSA209): %v", ref.ARN.Name, err))
		return nil, false
	}
	if dup := repeatedKey(doc); dup != "" {
		r.Skip(subj, fmt.Sprintf("IAM's decision for the trust policy of role %s is not determined: it repeats the JSON key %s, and IAM does not document which copy it uses", ref.ARN.Name, dup))
		return nil, false
	}
	issuer, why, _ := c.ClusterIssuer()
	if why != "" {
		r.Skip(subj, "the request STS evaluates is not known: "+why)
		return nil, false
	}
	return &TrustInput{WebIdentity: c.targetWebIdentity(t, ref, issuer), RoleFact: role, Doc: doc, Bare: bare}, true
}

// RoleFact is the role whose trust policy the checks judge for ref: the
// role in the input (FindRole), else the role made from a bare policy
// document when that document can only be this role's (bareTrust). bare
// tells which; lk is FindRole's answer.
func (c *Context) RoleFact(ref arn.Role) (role *snapshot.Role, bare bool, lk RoleLookup) {
	lk = FindRole(c.Snap, ref)
	if lk.Role != nil {
		return lk.Role, false, lk
	}
	if b := c.bareTrust(); b.role != nil && b.role.ARN == ref.ARN {
		return b.role, true, lk
	}
	return nil, false, lk
}

// bareEntry is the outcome of bareTrust: role is set when the bare policy
// document is taken as a role's trust policy; otherwise why says why it is
// not, and ref names the document ("" when the input has none).
type bareEntry struct {
	role     *snapshot.Role
	why      string
	evidence []Detail // the documents, when not taken
}

// bareTrust decides, once per run, whose trust policy a bare policy
// document is (docs/contract.md#bundles: a bare policy document is
// recognised, and names no role; `aws iam get-role --query
// Role.AssumeRolePolicyDocument` prints one). It is taken as a role's trust
// policy only when nothing else can be meant: the input holds exactly one
// distinct bare document, it is a web identity trust policy (every
// statement names a principal, one of them an IAM OIDC provider), it is no
// copy of a role's trust policy the input holds, exactly one role is in
// question (every ServiceAccount of the run that names a valid role names
// the same one), and the input neither holds that role nor proves it
// missing.
func (c *Context) bareTrust() bareEntry {
	return Once(c, bareKey{}, func() bareEntry { return decideBareTrust(c) })
}

type bareKey struct{}

func decideBareTrust(c *Context) bareEntry {
	s := c.Snap
	var docs []snapshot.LoosePolicy
	seen := map[string]bool{}
	for _, p := range s.Policies {
		k := strings.Join(strings.Fields(p.Document), "")
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		docs = append(docs, p)
	}
	if len(docs) == 0 {
		return bareEntry{}
	}
	var e bareEntry
	for _, d := range docs {
		e.evidence = append(e.evidence, Ev(d.Source, "bare policy document: "+strings.Join(strings.Fields(d.Document), " ")))
	}
	if len(docs) > 1 {
		e.why = fmt.Sprintf("it has %d different bare documents, none of which names its role", len(docs))
		return e
	}
	var roles []string
	for _, t := range c.Targets {
		if t.Mechanism == MechanismPodIdentity {
			continue
		}
		if ref, present, err := TargetRole(t); present && err == nil {
			roles = AppendUnique(roles, ref.ARN.ARN)
		}
	}
	sort.Strings(roles)
	if len(roles) != 1 {
		e.why = fmt.Sprintf("the service accounts name %d roles: %s", len(roles), strings.Join(roles, ", "))
		if len(roles) == 0 {
			e.why = "no service account names a valid role"
		}
		return e
	}
	ref, err := arn.ParseRole(roles[0])
	if err != nil {
		e.why = err.Error()
		return e
	}
	if lk := FindRole(s, ref); lk.Role != nil || RoleProvenMissing(s, ref, lk) != "" {
		e.why = "the role itself is in the input, or proven missing"
		return e
	}
	doc, err := c.TrustDocument(docs[0].Document)
	if err != nil {
		e.why = fmt.Sprintf("it is not a valid policy: %v", err)
		return e
	}
	if !webIdentityTrust(doc) {
		e.why = "it is not a trust policy for an IAM OIDC provider"
		return e
	}
	for _, k := range iamSortedRoleKeys(s) {
		if r := s.Roles[k]; strings.Join(strings.Fields(r.TrustPolicy), "") == strings.Join(strings.Fields(docs[0].Document), "") {
			e.why = "it is the trust policy of role " + r.ARN
			return e
		}
	}
	return bareEntry{role: &snapshot.Role{ARN: ref.ARN, Name: ref.Name, Path: ref.Path, Account: ref.Account,
		TrustPolicy: docs[0].Document, Source: docs[0].Source}}
}

// webIdentityTrust reports a trust policy for web identity: every statement
// names a principal (a trust policy is a resource-based policy; a
// permissions policy names none), and one trusts an IAM OIDC provider.
func webIdentityTrust(d *policy.Document) bool {
	oidc := false
	for _, st := range d.Statements {
		if st.Principal == nil {
			return false
		}
		for _, p := range st.Principal.Entries {
			if p.Type == policy.PrincipalFederated && strings.Contains(p.Value, ":oidc-provider/") {
				oidc = true
			}
		}
	}
	return oidc
}

// repeatedKey returns the first JSON key the document repeats, "" when
// none: the evaluator cannot decide such a document (policy.Result).
func repeatedKey(d *policy.Document) string {
	if len(d.Duplicates) > 0 {
		return d.Duplicates[0]
	}
	for _, st := range d.Statements {
		if len(st.Duplicates) > 0 {
			return st.Duplicates[0]
		}
	}
	return ""
}

// TrustPolicyEvidence shows the role's trust policy as the input holds it.
func TrustPolicyEvidence(in *TrustInput) Detail {
	return Ev(in.RoleFact.Source, TrustPolicyLabel(in.RoleFact, in.Bare)+": "+IamCompactPolicy(in.Doc))
}

// TrustPolicyLabel names a trust policy in evidence; a bare document says
// why it is taken as the role's.
func TrustPolicyLabel(role *snapshot.Role, bare bool) string {
	if bare {
		return fmt.Sprintf("bare policy document, taken as the trust policy of role %s (the only role the service accounts name, and the only trust policy in the input)", role.Name)
	}
	return fmt.Sprintf("role %s trust policy", role.Name)
}

// IamCompactPolicy is the trust policy as one line.
func IamCompactPolicy(d *policy.Document) string {
	return strings.Join(strings.Fields(d.JSON), " ")
}

// TrustUpdate is the update of a role's trust policy to the corrected
// document in file, guarded: fix.sh first checks that the policy in IAM is
// still before, the document the fix was computed from (its
// require_trust_policy), so that a forged or stale capture never reaches
// IAM. iam makes a command for the role's account (WebIdentity.IAM).
func TrustUpdate(role, file, before string, iam func(words ...Word) Detail) []Detail {
	beforeFile := strings.TrimSuffix(file, ".json") + ".before.json"
	return []Detail{
		FixFile(beforeFile, before),
		iam(Lit("require_trust_policy"), RoleName(role), Value("file name", beforeFile)),
		iam(Lit("aws"), Lit("iam"), Lit("update-assume-role-policy"), Lit("--role-name"), RoleName(role), Lit("--policy-document"), FileURL(file)),
	}
}

// SameAccount makes commands for the cluster's own account.
func SameAccount(words ...Word) Detail { return Run(Command(words...)) }

// otherPrincipals lists the principals the trust policy allows besides the
// cluster's IAM OIDC provider, each with its statement.
func otherPrincipals(in *TrustInput) []string {
	var out []string
	for i := range in.Doc.Statements {
		st := &in.Doc.Statements[i]
		if st.Effect != policy.Allow || st.Principal == nil {
			continue
		}
		if st.NotPrincipal || st.Principal.Any {
			out = append(out, fmt.Sprintf("every principal (%s)", st.Name()))
			continue
		}
		for _, p := range st.Principal.Entries {
			if p.Type == policy.PrincipalFederated && p.Value == in.ProviderARN {
				continue
			}
			out = append(out, fmt.Sprintf("%s (%s)", p, st.Name()))
		}
	}
	return out
}

// ManagedBy names the infrastructure-as-code tool whose tags the role
// carries, and where its trust policy is defined, or "" when its tags show
// none. CloudFormation tags every resource of a stack with
// aws:cloudformation:stack-name
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html);
// eksctl tags the roles it creates with alpha.eksctl.io/* keys;
// Terraform has no tag of its own, but the AWS provider's default_tags are
// commonly set to a key that names it.
func ManagedBy(r *snapshot.Role) string {
	if r == nil {
		return ""
	}
	if stack := r.Tags["aws:cloudformation:stack-name"]; stack != "" {
		return fmt.Sprintf("CloudFormation stack %q (change the role's AssumeRolePolicyDocument in the stack's template)", stack)
	}
	for k, v := range r.Tags {
		if strings.HasPrefix(k, "alpha.eksctl.io/") || strings.HasPrefix(k, "eksctl.cluster.k8s.io/") {
			cluster := r.Tags["alpha.eksctl.io/cluster-name"]
			if cluster == "" {
				cluster = v
			}
			return fmt.Sprintf("eksctl (cluster %q: change the iamserviceaccount or podidentityassociation in its config file, then run eksctl again)", cluster)
		}
	}
	for k, v := range r.Tags {
		lk, lv := strings.ToLower(k), strings.ToLower(v)
		if strings.Contains(lk, "terraform") || (lk == "managedby" || lk == "managed-by" || lk == "managed_by") && strings.Contains(lv, "terraform") {
			return "Terraform (tag " + k + "=" + v + ": change the role's assume_role_policy in its configuration)"
		}
	}
	return ""
}
