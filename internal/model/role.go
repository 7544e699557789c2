package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// RoleMissingEvidence is the proof that the role does not exist.
func RoleMissingEvidence(s *snapshot.Snapshot, ref arn.Role) Detail {
	if nf, ok, _ := roleNoSuchEntity(s, ref); ok {
		return Ev(nf.Source, nf.Message)
	}
	l, _ := s.ListedInAccount(snapshot.KindRole, ref.Account)
	var names []string
	for _, k := range iamSortedRoleKeys(s) {
		if role := s.Roles[k]; role.Account == ref.Account {
			names = append(names, role.Name)
		}
	}
	shown := names
	if len(shown) > 10 {
		shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	noun := "roles"
	if len(names) == 1 {
		noun = "role"
	}
	return Ev(l.Source, fmt.Sprintf("list-roles of account %s (%d %s): %s", ref.Account, len(names), noun, strings.Join(shown, ", ")))
}

// RoleRef is the IAM role a target asks for: its ServiceAccount's
// eks.amazonaws.com/role-arn annotation, trimmed and parsed.
type RoleRef struct {
	Value  string   // the annotation's value, trimmed
	ARN    arn.Role // parsed
	SA     string   // "namespace/name" of the ServiceAccount
	Source snapshot.Source
	// Container is set when the role comes from the AWS_ROLE_ARN a
	// container of the target writes itself (the ServiceAccount has no
	// annotation): "Kind ns/name container c".
	Container string
}

// Subject is the role as a finding subject.
func (r RoleRef) Subject() finding.Subject {
	return finding.Subject{Kind: "IAMRole", Name: r.ARN.Name, ARN: r.ARN.ARN}
}

// Evidence names the annotation the role comes from.
func (r RoleRef) Evidence() Detail {
	if r.Container != "" {
		return Ev(r.Source, fmt.Sprintf("%s: %s=%s", r.Container, webhook.EnvRoleARN, r.Value))
	}
	return Ev(r.Source, fmt.Sprintf("ServiceAccount %s: %s: %s", r.SA, webhook.AnnotationRoleARN, r.Value))
}

// TargetRole returns the role the target's ServiceAccount names. present
// is false when there is no ServiceAccount or no annotation (IRSA101 and
// IRSA102 judge those); err is set when the annotation is not a valid role
// ARN (IRSA103 judges it).
func TargetRole(t *Target) (ref RoleRef, present bool, err error) {
	// Every IAM-side check asks; parse once per target.
	m := OnceFor(t, targetRoleKey{}, func() roleMemo {
		ref, present, err := targetRole(t)
		return roleMemo{ref, present, err}
	})
	return m.ref, m.present, m.err
}

// targetRoleKey is TargetRole's memo key: an empty struct, which costs nothing
// to make an interface of (the memo's value does).
type targetRoleKey struct{}

type roleMemo struct {
	ref     RoleRef
	present bool
	err     error
}

func targetRole(t *Target) (ref RoleRef, present bool, err error) {
	v, ok := RoleAnnotation(t.SA)
	if !ok {
		return handWrittenRole(t)
	}
	v = strings.TrimSpace(v)
	ref = RoleRef{Value: v, SA: snapshot.Key(t.SA.Namespace, t.SA.Name), Source: t.SA.Source}
	if v == "" {
		return ref, true, fmt.Errorf("the %s annotation is empty", webhook.AnnotationRoleARN)
	}
	ref.ARN, err = arn.ParseRole(v)
	if err != nil {
		return ref, true, fmt.Errorf("the %s annotation: %w", webhook.AnnotationRoleARN, err)
	}
	return ref, true, nil
}

// handWrittenRole is the role of a target whose ServiceAccount has no
// annotation but whose containers write AWS_ROLE_ARN (a literal) and
// AWS_WEB_IDENTITY_TOKEN_FILE themselves: the SDK assumes that role with
// the pod's token all the same (docs/reference/credential-chain.md), so the IAM side judges
// it. Only one role: containers naming different ones are left alone.
func handWrittenRole(t *Target) (RoleRef, bool, error) {
	if t.SA == nil || t.Spec == nil {
		return RoleRef{}, false, nil
	}
	var ref RoleRef
	for _, c := range append(t.Spec.InitContainers[:len(t.Spec.InitContainers):len(t.Spec.InitContainers)], t.Spec.Containers...) {
		role, ok := Env(&c, webhook.EnvRoleARN)
		token, hasToken := Env(&c, webhook.EnvTokenFile)
		if !ok || role.ValueFrom != nil || strings.TrimSpace(role.Value) == "" || !hasToken || token.ValueFrom == nil && token.Value == "" {
			continue
		}
		v := strings.TrimSpace(role.Value)
		if ref.Value != "" && ref.Value != v {
			return RoleRef{}, false, nil
		}
		if ref.Value == "" {
			ref = RoleRef{Value: v, SA: snapshot.Key(t.SA.Namespace, t.SA.Name), Source: t.Source,
				Container: fmt.Sprintf("%s %s/%s container %s", TargetNoun(t), t.Namespace, t.Name, c.Name)}
		}
	}
	if ref.Value == "" {
		return RoleRef{}, false, nil
	}
	var err error
	if ref.ARN, err = arn.ParseRole(ref.Value); err != nil {
		return ref, true, fmt.Errorf("the %s of %s: %w", webhook.EnvRoleARN, ref.Container, err)
	}
	return ref, true, nil
}

// RoleLookup is what the input says about a role.
type RoleLookup struct {
	// Role is the role, found by ARN or, failing that, by account and
	// name (PathNote then says how the paths differ).
	Role     *snapshot.Role
	PathNote string
	// CaseMiss is a role of the same account whose name differs only in
	// letter case. STS matches role names case-sensitively ("Role names
	// are case sensitive when you assume a role", IAM User Guide,
	// "Troubleshoot IAM roles"), so it is not the role.
	CaseMiss *snapshot.Role
}

// FindRole looks the role up in the input.
func FindRole(s *snapshot.Snapshot, ref arn.Role) RoleLookup {
	if r := s.Roles[ref.ARN]; r != nil {
		return RoleLookup{Role: r}
	}
	var out RoleLookup
	for _, key := range iamSortedRoleKeys(s) {
		r := s.Roles[key]
		if r.Account != ref.Account || !strings.HasPrefix(r.ARN, "arn:"+ref.Partition+":") {
			continue
		}
		switch {
		case r.Name == ref.Name && out.Role == nil:
			out.Role = r
			out.PathNote = fmt.Sprintf("the annotation names the role with path %s, IAM holds it with path %s (%s)", ref.Path, iamOr(r.Path, "/"), r.ARN)
		case strings.EqualFold(r.Name, ref.Name) && r.Name != ref.Name && out.CaseMiss == nil:
			out.CaseMiss = r
		}
	}
	if out.Role != nil {
		out.CaseMiss = nil
	}
	return out
}

func iamSortedRoleKeys(s *snapshot.Snapshot) []string {
	keys := make([]string, 0, len(s.Roles))
	for k := range s.Roles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// roleGap returns the recorded gap of a denied or failed iam:GetRole for the
// role, if any.
func roleGap(s *snapshot.Snapshot, ref arn.Role) (snapshot.Gap, bool) {
	for _, g := range s.Gaps {
		if !strings.EqualFold(g.Operation, "iam:GetRole") {
			continue
		}
		res := strings.TrimSpace(g.Resource)
		if res == "" || res == ref.ARN || res == ref.Name || strings.HasSuffix(res, " "+ref.Name) || strings.HasSuffix(res, "/"+ref.Name) {
			return g, true
		}
	}
	return snapshot.Gap{}, false
}

// GetRoleCmd is the capture command for a role.
func GetRoleCmd(ref arn.Role) string {
	return finding.Line([]string{"aws", "iam", "get-role", "--role-name", ref.Name, "--output", "json"})
}

// RoleAbsentReason is the skip reason of a check that needs the role when
// the input does not hold it, with its evidence: a refused get-role, a
// NoSuchEntity text that proves nothing about the role's account, and a
// bare policy document the input holds without its role are named.
func RoleAbsentReason(c *Context, ref arn.Role) (string, []Detail) {
	s := c.Snap
	if g, ok := roleGap(s, ref); ok {
		if g.Source == "bundle" {
			// The bundle holds copies of the role that differ (bundle
			// copies.go): not refused, but not known either.
			return fmt.Sprintf("role %s has %s", ref.Name, g.Reason), nil
		}
		return fmt.Sprintf("role %s could not be read: %s was refused with %s (capture with credentials allowed to call it: %s)", ref.Name, g.Operation, g.Reason, GetRoleCmd(ref)), nil
	}
	why := fmt.Sprintf("role %s is not in the input", ref.Name)
	capture := GetRoleCmd(ref)
	var details []Detail
	if nf, ok, note := roleNoSuchEntity(s, ref); !ok && nf.Message != "" {
		why += "; " + note
		capture += " --profile PROFILE_OF_" + ref.Account
		details = append(details, Ev(nf.Source, nf.Message))
	}
	bare := c.bareTrust()
	switch {
	case bare.role != nil && bare.role.ARN == ref.ARN:
		return fmt.Sprintf("%s, only a bare policy document that the trust-policy checks take as its trust policy (capture the role: %s)", why, capture),
			append(details, Ev(bare.role.Source, "bare policy document: "+strings.Join(strings.Fields(bare.role.TrustPolicy), " ")))
	case bare.why != "":
		return fmt.Sprintf("%s; the input has a bare policy document but not the role it belongs to (%s); capture it with %s", why, bare.why, capture),
			append(details, bare.evidence...)
	}
	return fmt.Sprintf("%s (capture: %s)", why, capture), details
}

// roleLookupAccount is the account in which `aws iam get-role --role-name
// NAME` looked: IAM's GetRole takes a role name only, and answers from the
// account of the credentials that call it (IAM API reference, GetRole:
// RoleName is its only parameter). That is the caller's account when the
// input holds get-caller-identity output, else the cluster's account (the
// usual credentials of a capture); with neither, the one account the input
// names, if it names exactly one. how says which; account is "" when the
// input does not tell.
func roleLookupAccount(s *snapshot.Snapshot) (account, how string) {
	if s.Caller != nil && arn.IsAccountID(s.Caller.Account) {
		return s.Caller.Account, "the caller's (get-caller-identity)"
	}
	if cl := s.Cluster(); cl != nil && arn.IsAccountID(cl.Account) {
		return cl.Account, "the cluster's, the input having no get-caller-identity output"
	}
	named := namedAccounts(s)
	if len(named) == 1 {
		return named[0], "the only account the input names"
	}
	return "", fmt.Sprintf("the input names accounts %s and does not say which one answered", strings.Join(named, ", "))
}

// namedAccounts lists, sorted, every AWS account the input names: in a
// caller identity, a cluster, a role, a provider or provider list, a
// listing, or a ServiceAccount's role annotation.
func namedAccounts(s *snapshot.Snapshot) []string {
	var out []string
	add := func(a string) {
		if arn.IsAccountID(a) {
			out = AppendUnique(out, a)
		}
	}
	if s.Caller != nil {
		add(s.Caller.Account)
	}
	for _, cl := range s.Clusters {
		add(cl.Account)
	}
	for _, r := range s.Roles {
		add(r.Account)
	}
	for _, p := range s.OIDCProviders {
		add(p.Account)
	}
	for _, pl := range s.ProviderLists {
		add(pl.Account)
		for _, a := range pl.ARNs {
			if pa, err := arn.Parse(a); err == nil {
				add(pa.Account)
			}
		}
	}
	for _, l := range s.Listings {
		add(l.Account)
	}
	for _, sa := range s.ServiceAccounts {
		if v, ok := RoleAnnotation(sa); ok {
			if r, err := arn.ParseRole(strings.TrimSpace(v)); err == nil {
				add(r.Account)
			}
		}
	}
	sort.Strings(out)
	return out
}

// roleNoSuchEntity returns get-role's NoSuchEntity text for the role's
// name, and whether it proves the role missing: only when get-role looked
// in the role's own account (roleLookupAccount). A text that proves
// nothing comes back with ok false and note saying why.
func roleNoSuchEntity(s *snapshot.Snapshot, ref arn.Role) (nf snapshot.NotFound, ok bool, note string) {
	nf, found := s.NotFoundFor(snapshot.KindRole, "", ref.Name)
	if !found {
		return snapshot.NotFound{}, false, ""
	}
	acct, how := roleLookupAccount(s)
	switch {
	case acct == ref.Account:
		return nf, true, ""
	case acct == "":
		return nf, false, fmt.Sprintf("the input's NoSuchEntity error names the role %s only, and %s, so it proves nothing about account %s, since get-role looks a name up in the caller's account only",
			ref.Name, how, ref.Account)
	}
	return nf, false, fmt.Sprintf("the input's NoSuchEntity error for it was answered in account %s, %s: get-role looks a role name up in the caller's account only, so it says nothing about account %s",
		acct, how, ref.Account)
}

// RoleProvenMissing returns the proof that the role does not exist ("" when
// the input does not prove it): get-role's NoSuchEntity text from the
// role's own account, or a complete list-roles of the role's account
// without it.
func RoleProvenMissing(s *snapshot.Snapshot, ref arn.Role, lk RoleLookup) string {
	if lk.Role != nil {
		return ""
	}
	if nf, ok, _ := roleNoSuchEntity(s, ref); ok {
		return nf.Message
	}
	if _, ok := s.ListedInAccount(snapshot.KindRole, ref.Account); ok {
		return "list-roles of account " + ref.Account
	}
	return ""
}

func iamOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// IamQuoteArg quotes a word of a command shown in a message.
func IamQuoteArg(s string) string { return finding.Quote(s) }
