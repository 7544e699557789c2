package model

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
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

// trustCond is one condition of the focus.
type TrustCond struct {
	// res is the condition as IAM evaluates it; as is its evaluation with
	// misnamed keys given the value of the claim they were meant for, which
	// tells whether the value would match once the key is right.
	Res, As  policy.ConditionResult
	Claim    string // "sub", "aud", another claim, or "" for a global key
	Misnamed bool   // names another issuer, or this one misspelled
}

// trustDiag is the diagnosis of one target's request.
type TrustDiag struct {
	In    *TrustInput
	req   policy.Request
	Res   policy.Result
	State focusState
	Focus *policy.StatementResult
	Conds []TrustCond
}

// diagnoseTrust evaluates the trust policy for the target's request.
func diagnoseTrust(c *Context, in *TrustInput) *TrustDiag {
	d := &TrustDiag{In: in, req: in.Request()}
	d.Res = c.Evaluate(in.Doc, d.req)
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
		return d
	}

	// The counterfactual: misnamed keys of :sub and :aud carry the token's
	// values, as if their keys were right.
	as := d.req
	as.Context = map[string][]string{}
	for k, v := range d.req.Context {
		as.Context[k] = v
	}
	for _, c := range d.Focus.Statement.Conditions {
		claim, misnamed := policy.KeyClaim(c.Key, in.Issuer.HostPath)
		if !misnamed {
			continue
		}
		if v, ok := d.req.Context[in.Issuer.HostPath+":"+claim]; ok {
			as.Context[c.Key] = v
		}
	}
	asRes := c.Evaluate(in.Doc, as)
	asFocus := &asRes.Statements[d.Focus.Statement.Index]
	for i, cr := range d.Focus.Conditions {
		claim, misnamed := policy.KeyClaim(cr.Key, in.Issuer.HostPath)
		d.Conds = append(d.Conds, TrustCond{Res: cr, As: asFocus.Conditions[i], Claim: claim, Misnamed: misnamed})
	}
	return d
}

// focusName names the focus for messages.
func (d *TrustDiag) FocusName() string { return d.Focus.Statement.Name() }

// claimConds returns the focus' conditions on a claim (:sub or :aud),
// misnamed keys included.
func (d *TrustDiag) claimConds(claim string) []TrustCond {
	var out []TrustCond
	for _, c := range d.Conds {
		if c.Claim == claim {
			out = append(out, c)
		}
	}
	return out
}

// noAllowReason is the skip reason of a condition check when the policy
// has no Allow statement (IRSA202 and IRSA203 fail then).
func NoAllowReason(in *TrustInput) string {
	return fmt.Sprintf("the trust policy of role %s has no Allow statement (IRSA202)", in.RoleFact.Name)
}

// trustFixDetails carries the corrected policy, the command that applies
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
	fileName := in.RoleFact.Name + ".trust-policy.json"
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
	fmt.Fprintf(&b, "Apply the corrected trust policy `%s`, your own document with the smallest change that admits ", fileName)
	var subs []string
	for _, a := range asks {
		subs = append(subs, "`"+a.Sub+"`")
	}
	b.WriteString(strings.Join(subs, ", "))
	b.WriteString(" and nothing broader:\n\n")
	for _, ch := range fix.Changes {
		b.WriteString("- " + ch + "\n")
	}
	fmt.Fprintf(&b, "\nTrust policy changes need no pod restart.")
	return []Detail{
		FixFile(fileName, fix.Content),
		Cmd(fmt.Sprintf("aws iam update-assume-role-policy --role-name %s --policy-document file://%s%s", in.RoleFact.Name, fileName, in.ProfileFlag())),
	}, b.String()
}

// subjectFacts says what the input knows of the ServiceAccount a :sub
// value names: that it exists, or the proof that it does not: a List of
// its namespace without it, or kubectl's NotFound text (CONTRACT.md
// "Absence needs proof"). A pattern names no one ServiceAccount.
func (c *Context) subjectFacts(sub string) (exists bool, gone string) {
	ns, name, ok := policy.SplitServiceAccountSubject(sub)
	if !ok || strings.ContainsAny(sub, "*?$") {
		return false, ""
	}
	if c.Snap.ServiceAccount(ns, name) != nil {
		return true, ""
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

// roleAsks returns, for every IRSA target of the run whose ServiceAccount
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
		ref, present, err := TargetRole(t)
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

// issuerDiff names the likely cause when got (a Federated principal or a
// condition key prefix) is not the expected one (irsa-facts.md §2
// AccessDenied row, §3.1, §3.4; failure-modes.md #15, #16, #20, #25).
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
// webhook's README example uses by mistake (failure-modes.md #15).
var swappedHost = regexp.MustCompile(`^oidc\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?$`)

// likelyCause renders issuerDiff's reasons.
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
